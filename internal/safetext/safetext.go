// Package safetext makes text that came from outside provscope (a registry,
// a log, a certificate, a file) safe to show on a terminal, in a Markdown
// report or in a TUI frame, without changing what it says.
//
// Every byte from a registry, a log or a certificate is hostile. A tag name,
// an OCI annotation or an in-toto predicateType can carry terminal escape
// sequences (OSC 52 writes the clipboard, OSC 8 hides links, ESC[2J clears
// the screen, ESC[8m conceals text), C1 controls (U+009B is CSI on some
// terminals), carriage returns that overwrite a line, and bidi or zero-width
// controls (U+202E) that make text read differently from what it is. This
// package makes every such character visible instead of interpreting it:
//
//   - C0 controls and invalid UTF-8 become \xNN (\n, \r and \t keep their
//     short names);
//   - DEL, C1 controls, bidi controls, zero-width and other format
//     characters (Unicode Cf), and line or paragraph separators become \uXXXX
//     (a surrogate pair above U+FFFF, so that the result stays valid inside a
//     JSON string).
//
// It follows go-gh's asciisanitizer and kubectl's EscapeTerminal (kubernetes
// issue 101695) and goes further: carriage returns, DEL, bidi and zero-width
// controls too. There are two lines of defence:
//
//  1. Printers pass every foreign value through [Line] (or [Block],
//     [Truncate], [Markdown]) before it is placed into output.
//  2. Each output stream that reaches a terminal goes through [NewWriter], and
//     each TUI frame through [Frame]: they keep the program's own SGR styling
//     (colours, bold, faint, italic, underline, reverse) and make every other
//     control visible, so a printer that forgot the first line still cannot
//     move the cursor, set a title, write the clipboard or open a link.
//
// JSON output stays exact: encoding/json escapes C0 controls itself, and the
// \uXXXX forms used for everything else are JSON escapes of the same value,
// so [NewWriter] over JSON changes its bytes but never its meaning.
package safetext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Unsafe reports whether r must be made visible rather than shown.
func Unsafe(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f:
		return true
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == '\u2028', r == '\u2029':
		return true
	}
	return unicode.Is(unicode.Bidi_Control, r) || unicode.Is(unicode.Cf, r)
}

// Line returns s safe to show on one line: every unsafe character, newlines
// included, is written as an escape.
func Line(s string) string { return sanitize(s, false) }

// Block returns s safe to show as several lines: newlines are kept, every
// other unsafe character (carriage returns included) is written as an escape.
func Block(s string) string { return sanitize(s, true) }

// Clean reports whether s is shown by [Line] exactly as it is.
func Clean(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if Unsafe(r) {
			return false
		}
	}
	return true
}

func sanitize(s string, keepNewlines bool) string {
	if Clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			writeByteEscape(&b, s[i])
		case r == '\n' && keepNewlines:
			b.WriteByte('\n')
		case Unsafe(r):
			writeRuneEscape(&b, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

const hexDigits = "0123456789abcdef"

func writeByteEscape(b *strings.Builder, c byte) {
	b.WriteString(`\x`)
	b.WriteByte(hexDigits[c>>4])
	b.WriteByte(hexDigits[c&0xf])
}

// writeRuneEscape writes the visible form of an unsafe rune.
func writeRuneEscape(b *strings.Builder, r rune) {
	switch r {
	case '\n':
		b.WriteString(`\n`)
		return
	case '\r':
		b.WriteString(`\r`)
		return
	case '\t':
		b.WriteString(`\t`)
		return
	}
	if r < 0x20 {
		writeByteEscape(b, byte(r)) //nolint:gosec // G115: r < 0x20 here
		return
	}
	if r > 0xffff {
		r1, r2 := utf16Surrogates(r)
		writeU(b, r1)
		writeU(b, r2)
		return
	}
	writeU(b, r)
}

func writeU(b *strings.Builder, r rune) {
	b.WriteString(`\u`)
	h := strconv.FormatInt(int64(r), 16)
	for range 4 - len(h) {
		b.WriteByte('0')
	}
	b.WriteString(h)
}

func utf16Surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

// Truncate returns s sanitised as by [Line] and then cut to at most width
// display cells, ending in "…" when cut. Sanitising comes first, and the cut
// falls between whole characters of the sanitised text: an escape such as
// \x1b is kept whole or dropped whole, so a cut can never leave half of an
// escape sequence live, nor a misleading half of its visible form.
func Truncate(s string, width int) string {
	line := Line(s)
	if width <= 0 {
		return ""
	}
	if displayWidth(line) <= width {
		return line
	}
	var b strings.Builder
	w := 0
	var tok strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		tok.Reset()
		switch {
		case r == utf8.RuneError && n <= 1:
			writeByteEscape(&tok, s[i])
		case Unsafe(r):
			writeRuneEscape(&tok, r)
		default:
			tok.WriteString(s[i : i+n])
		}
		tw := displayWidth(tok.String())
		if w+tw > width-1 {
			break
		}
		b.WriteString(tok.String())
		w += tw
		i += n
	}
	b.WriteString("…")
	return b.String()
}

func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

// runeWidth is a conservative cell width: East Asian wide and fullwidth
// characters and emoji count two, combining marks zero.
func runeWidth(r rune) int {
	switch {
	case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r):
		return 0
	case r >= 0x1100 && (r <= 0x115f || r == 0x2329 || r == 0x232a ||
		(r >= 0x2e80 && r <= 0xa4cf && r != 0x303f) ||
		(r >= 0xac00 && r <= 0xd7a3) ||
		(r >= 0xf900 && r <= 0xfaff) ||
		(r >= 0xfe30 && r <= 0xfe6f) ||
		(r >= 0xff00 && r <= 0xff60) ||
		(r >= 0xffe0 && r <= 0xffe6) ||
		(r >= 0x1f300 && r <= 0x1f64f) ||
		(r >= 0x1f900 && r <= 0x1f9ff) ||
		(r >= 0x20000 && r <= 0x3fffd)):
		return 2
	}
	return 1
}

// markdownSpecial holds the ASCII punctuation that starts or ends a Markdown
// construct anywhere in a line (CommonMark and GitHub's extensions):
// emphasis, code, links, images, headings (a closing "#" sequence too),
// tables, HTML and entities, strikethrough.
const markdownSpecial = "\\`*_{}[]()#!|<>~&"

// markdownLineStart holds what starts a block only at the start of a line:
// list bullets, setext underlines and thematic breaks, and the "." or ")"
// of an ordered list marker (after digits only).
const markdownLineStart = "-+="

// Markdown returns s safe to interpolate into Markdown text, inside a
// paragraph, a heading, a list item or a table cell: sanitised as by [Line]
// (so a newline can never start a heading, a list or a section), then every
// Markdown metacharacter backslash-escaped, which CommonMark renders as the
// character itself. "-", "+", "=" are escaped at the start of s, "." after
// leading digits, so that s cannot open a block even where it starts a line;
// elsewhere they stay as they are ("not-logged" reads as itself).
func Markdown(s string) string {
	s = Line(s)
	var b strings.Builder
	b.Grow(len(s) + 8)
	digits := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte(markdownSpecial, c) >= 0,
			i == 0 && strings.IndexByte(markdownLineStart, c) >= 0,
			c == '.' && digits && i > 0:
			b.WriteByte('\\')
		}
		digits = digits && c >= '0' && c <= '9'
		b.WriteByte(c)
	}
	return b.String()
}
