package safetext

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"unicode/utf8"
)

// Frame returns a rendered frame (a TUI view, or a block of CLI output) with
// every control made visible except newlines, tabs and well-formed SGR
// styling sequences that do not conceal text. It is the second line of
// defence: what the program styled stays styled, and any escape that a
// foreign value smuggled past its printer is shown, not obeyed.
func Frame(s string) string {
	if frameClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	filter(&b, s)
	return b.String()
}

// frameClean reports whether s has nothing for [Frame] to change: no
// control but newline, tab and ESC, and every ESC the start of an allowed
// SGR sequence.
func frameClean(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c == 0x1b {
			n := sgrLen(s[i:])
			if n == 0 {
				return false
			}
			i += n
			continue
		}
		if c < 0x80 {
			if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if Unsafe(r) {
			return false
		}
		i += n
	}
	return true
}

func filter(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c == 0x1b {
			if n := sgrLen(s[i:]); n > 0 {
				b.WriteString(s[i : i+n])
				i += n
				continue
			}
			writeByteEscape(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			writeByteEscape(b, c)
		case r == '\n' || r == '\t':
			b.WriteByte(c)
		case Unsafe(r):
			writeRuneEscape(b, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
}

// maxSGR bounds the length of a styling sequence the filter keeps; the
// longest lipgloss writes (a true-colour foreground and background with
// attributes) is well under it.
const maxSGR = 64

// sgrLen returns the length of the allowed SGR sequence at the start of s
// ("\x1b[" parameters "m"), or 0 when s does not start with one. Parameters
// are digits separated by ';' or ':'; the conceal attribute (8) is refused,
// since hiding text is exactly what an attacker wants.
func sgrLen(s string) int {
	if len(s) < 3 || s[0] != 0x1b || s[1] != '[' {
		return 0
	}
	end := -1
	for j := 2; j < len(s) && j < maxSGR; j++ {
		c := s[j]
		if c == 'm' {
			end = j
			break
		}
		if (c < '0' || c > '9') && c != ';' && c != ':' {
			return 0
		}
	}
	if end < 0 || !sgrAllowed(s[2:end]) {
		return 0
	}
	return end + 1
}

// sgrAllowed checks an SGR parameter list: every attribute but conceal (8).
// Colour selectors (38, 48, 58 followed by 5;N or 2;R;G;B) consume their
// operands, so a palette index 8 is a colour, not a conceal.
func sgrAllowed(params string) bool {
	if params == "" {
		return true
	}
	fields := strings.Split(params, ";")
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if strings.Contains(f, ":") { // 38:2::R:G:B or 4:3 (curly underline)
			continue
		}
		switch f {
		case "8":
			return false
		case "38", "48", "58":
			if i+1 < len(fields) {
				switch fields[i+1] {
				case "5":
					i += 2
				case "2":
					i += 4
				}
			}
		}
	}
	return true
}

// Writer filters everything written through it as [Frame] does. It is safe
// for concurrent use. What a write ends with that the next write could
// complete is held until then (or [Writer.Flush]): an incomplete UTF-8
// sequence, or the start of an SGR sequence (ESC, "ESC [" and parameters,
// shorter than the longest SGR kept). So however the output is split into
// writes, what reaches the underlying writer is Frame of the whole.
type Writer struct {
	mu   sync.Mutex
	w    io.Writer
	tail []byte
}

// NewWriter returns a Writer that filters into w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write filters p into the underlying writer. It reports len(p) written when
// the filtered bytes were all written.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	data := p
	if len(w.tail) > 0 {
		data = append(append([]byte{}, w.tail...), p...)
		w.tail = w.tail[:0]
	}
	cut := max(incompleteTail(data), sgrPrefixTail(data))
	if cut > 0 {
		w.tail = append(w.tail, data[len(data)-cut:]...)
		data = data[:len(data)-cut]
	}
	if _, err := io.WriteString(w.w, Frame(string(data))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Unwrap returns the writer w filters into, for the one caller that must
// write raw (a full-screen TUI that filters each frame with [Frame]). Call
// [Writer.Flush] first.
func (w *Writer) Unwrap() io.Writer { return w.w }

// Flush writes out, escaped, any incomplete UTF-8 sequence held back.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.tail) == 0 {
		return nil
	}
	s := Frame(string(w.tail))
	w.tail = w.tail[:0]
	_, err := io.WriteString(w.w, s)
	return err
}

// sgrPrefixTail returns how many bytes at the end of p are the start of an
// SGR sequence that a later write could complete: the last ESC, followed by
// nothing, or by '[' and only parameter bytes, fewer than maxSGR bytes in
// all (a longer one is refused by sgrLen whatever follows).
func sgrPrefixTail(p []byte) int {
	k := bytes.LastIndexByte(p, 0x1b)
	if k < 0 || len(p)-k >= maxSGR {
		return 0
	}
	tail := p[k+1:]
	if len(tail) == 0 {
		return len(p) - k
	}
	if tail[0] != '[' {
		return 0
	}
	for _, c := range tail[1:] {
		if (c < '0' || c > '9') && c != ';' && c != ':' {
			return 0
		}
	}
	return len(p) - k
}

// incompleteTail returns how many bytes at the end of p start a UTF-8
// sequence that p does not finish (0 to 3).
func incompleteTail(p []byte) int {
	for n := 1; n <= 3 && n <= len(p); n++ {
		c := p[len(p)-n]
		if c < 0x80 {
			return 0
		}
		if c >= 0xc0 { // a lead byte: is its sequence complete?
			need := 2
			switch {
			case c >= 0xf0:
				need = 4
			case c >= 0xe0:
				need = 3
			}
			if n < need {
				return n
			}
			return 0
		}
	}
	return 0
}
