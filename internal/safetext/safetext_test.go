package safetext

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// attacks are the escapes issue 14 reproduced, and their relatives.
var attacks = []string{
	// OSC 52: write the clipboard
	"\x1b]52;c;aGFja2Vk\x07",
	// OSC 0: set the window title
	"\x1b]0;title\x07",
	// OSC 8: hyperlink
	"\x1b]8;;https://evil.example/\x1b\\x\x1b]8;;\x1b\\",
	// clear, home, fake verdict, conceal
	"\x1b[2J\x1b[HVerdict: verified\x1b[8m",
	// DCS
	"\x1bP+q544e\x1b\\",
	// APC (kitty graphics)
	"\x1b_Gf=100;AAAA\x1b\\",
	// C1 CSI
	"\u009b2J",
	// bidi override
	"\u202egnp.exe",
	// zero-width
	"a\u200bb\ufeff",
	// carriage return
	"\rVerdict: verified",
	// newline + Markdown
	"x\n## demo/web:v1.2.0\n**verified**",
	// invalid UTF-8
	"\xff\xfe\xc0",
	// tag characters (Cf, above U+FFFF)
	"\U000e0001\U000e0041",
}

// lineSafe reports the first problem with s as one line of terminal text:
// any control (newlines included unless keepNewlines), DEL, C1, bidi,
// zero-width or other format character, separators, invalid UTF-8.
func lineSafe(s string, keepNewlines bool) string {
	if !utf8.ValidString(s) {
		return "invalid UTF-8"
	}
	for _, r := range s {
		switch {
		case r == '\n' && keepNewlines:
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f, r == '\u2028', r == '\u2029':
			return "control " + string(r)
		case unicode.Is(unicode.Bidi_Control, r), unicode.Is(unicode.Cf, r):
			return "format character"
		}
	}
	return ""
}

// frameSafe reports the first problem with s as terminal output: ESC only
// as the start of an SGR sequence (digits, ';', ':', ending in 'm', without
// the conceal attribute), otherwise as lineSafe with newlines and tabs.
func frameSafe(s string) string {
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			end := strings.IndexByte(s[i:], 'm')
			if end < 0 || !strings.HasPrefix(s[i:], "\x1b[") {
				return "escape other than SGR"
			}
			params := s[i+2 : i+end]
			if strings.Trim(params, "0123456789;:") != "" {
				return "escape other than SGR"
			}
			if !sgrAllowed(params) {
				return "conceal"
			}
			i += end + 1
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return "invalid UTF-8"
		}
		if r != '\t' {
			if p := lineSafe(string(r), true); p != "" {
				return p
			}
		}
		i += n
	}
	return ""
}

func TestLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"demo/web:v1.2.0", "demo/web:v1.2.0"},
		{"", ""},
		{"héllo 世界", "héllo 世界"},
		{"a\nb", `a\nb`},
		{"a\rb\tc", `a\rb\tc`},
		{"\x1b[2J", `\x1b[2J`},
		{"\x07\x00\x7f", `\x07\x00\u007f`},
		{"\u009b31m", `\u009b31m`},
		{"\u202eabc", `\u202eabc`},
		{"a\u200bb", `a\u200bb`},
		{"\u2028", `\u2028`},
		{"\xff", `\xff`},
		{"\U000e0041", `\udb40\udc41`},
	}
	for _, tc := range tests {
		if got := Line(tc.in); got != tc.want {
			t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if Clean(tc.in) != (tc.in == tc.want) {
			t.Errorf("Clean(%q) = %v", tc.in, Clean(tc.in))
		}
	}
	for _, a := range attacks {
		if p := lineSafe(Line(a), false); p != "" {
			t.Errorf("Line(%q) = %q: %s", a, Line(a), p)
		}
	}
}

func TestBlock(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\nb", "a\nb"},
		{"a\r\nb", "a\\r\nb"},
		{"\x1b]0;t\x07\n", "\\x1b]0;t\\x07\n"},
	}
	for _, tc := range tests {
		if got := Block(tc.in); got != tc.want {
			t.Errorf("Block(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, a := range attacks {
		if p := lineSafe(Block(a), true); p != "" {
			t.Errorf("Block(%q) = %q: %s", a, Block(a), p)
		}
	}
}

func TestFrame(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain\n\ttext", "plain\n\ttext"},
		{"\x1b[1;32mok\x1b[0m", "\x1b[1;32mok\x1b[0m"},
		{"\x1b[m\x1b[38;5;8mgrey\x1b[38;2;8;8;8m\x1b[4:3m", "\x1b[m\x1b[38;5;8mgrey\x1b[38;2;8;8;8m\x1b[4:3m"},
		{"\x1b[8mhidden", `\x1b[8mhidden`},
		{"\x1b[1;8m", `\x1b[1;8m`},
		{"\x1b[2J", `\x1b[2J`},
		{"\x1b[", `\x1b[`},
		{"\x1b]0;t\x07", `\x1b]0;t\x07`},
		{"a\rb", `a\rb`},
		{"\u009b2J", `\u009b2J`},
		{"\x1b[" + strings.Repeat("1;", 40) + "m", `\x1b[` + strings.Repeat("1;", 40) + "m"},
	}
	for _, tc := range tests {
		if got := Frame(tc.in); got != tc.want {
			t.Errorf("Frame(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, a := range attacks {
		if p := frameSafe(Frame(a)); p != "" {
			t.Errorf("Frame(%q) = %q: %s", a, Frame(a), p)
		}
	}
}

func TestMarkdown(t *testing.T) {
	tests := []struct{ in, want string }{
		{"not-logged", "not-logged"},
		{"demo/web:v1.2.0", "demo/web:v1.2.0"},
		{"- item", `\- item`},
		{"1. item", `1\. item`},
		{"# h", `\# h`},
		{"a # b", `a \# b`},
		{"**bold** _it_ `code`", "\\*\\*bold\\*\\* \\_it\\_ \\`code\\`"},
		{"[x](javascript:alert(1))", `\[x\]\(javascript:alert\(1\)\)`},
		{"a|b", `a\|b`},
		{"<script>&amp;", `\<script\>\&amp;`},
		{"x\n## demo/web", `x\\n\#\# demo/web`},
		{"\x1b[2J", `\\x1b\[2J`},
	}
	for _, tc := range tests {
		if got := Markdown(tc.in); got != tc.want {
			t.Errorf("Markdown(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// markdownInert reports the first unescaped metacharacter or newline in a
// Markdown output, or a line-start marker at its start.
func markdownInert(s string) string {
	if p := lineSafe(s, false); p != "" {
		return p
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' {
			if i+1 >= len(s) || strings.IndexByte(markdownSpecial+markdownLineStart+".", s[i+1]) < 0 {
				return "dangling backslash"
			}
			i++
			continue
		}
		if strings.IndexByte(markdownSpecial, c) >= 0 {
			return "unescaped " + string(c)
		}
		if i == 0 && strings.IndexByte(markdownLineStart, c) >= 0 {
			return "unescaped line start " + string(c)
		}
	}
	return ""
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"longer than ten", 10, "longer th…"},
		{"", 5, ""},
		{"abc", 0, ""},
		{"世界世界世界", 5, "世界…"},
		{"ab\x1b[2Jcd", 5, "ab…"},       // the 4-cell "\x1b" does not fit: dropped whole
		{"ab\x1b[2Jcd", 7, `ab\x1b…`},   // fits whole
		{"\u202eabcdef", 6, "…"},        // the 6-cell "\u202e" does not fit in 5
		{"\u202eabcdef", 8, `\u202ea…`}, // it does in 7
	}
	for _, tc := range tests {
		if got := Truncate(tc.in, tc.width); got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

// truncateWhole checks that out is Line(in) cut at a character boundary of
// the sanitised text: Line(in) itself, or a prefix of it made of whole
// escapes and characters, followed by "…", within width cells.
func truncateWhole(in string, width int, out string) string {
	if width <= 0 {
		if out != "" {
			return "non-empty at width <= 0"
		}
		return ""
	}
	if displayWidth(out) > width {
		return "too wide"
	}
	line := Line(in)
	if out == line {
		return ""
	}
	cut, ok := strings.CutSuffix(out, "…")
	if !ok || !strings.HasPrefix(line, cut) {
		return "not a prefix of Line"
	}
	// The cut must fall where Line starts the escape of a next character.
	var pos int
	for i := 0; i < len(in) && pos < len(cut); {
		_, n := utf8.DecodeRuneInString(in[i:])
		pos += len(Line(in[i : i+n]))
		i += n
	}
	if pos != len(cut) {
		return "cut inside an escape"
	}
	return ""
}

func TestWriterSplits(t *testing.T) {
	whole := "\x1b[1;32mok\x1b[0m 世界 \x1b]0;t\x07 \x1b[8mx\x1b[2J\u202e\xff\x1b[38;5;8mz\x1b["
	want := Frame(whole)
	for i := 0; i <= len(whole); i++ {
		for j := i; j <= len(whole); j++ {
			var out bytes.Buffer
			w := NewWriter(&out)
			for _, part := range []string{whole[:i], whole[i:j], whole[j:]} {
				if _, err := w.Write([]byte(part)); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if out.String() != want {
				t.Fatalf("split at %d, %d: %q, want %q", i, j, out.String(), want)
			}
		}
	}
}

func FuzzLine(f *testing.F) {
	for _, a := range attacks {
		f.Add(a)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l := Line(s)
		if p := lineSafe(l, false); p != "" {
			t.Fatalf("Line(%q) = %q: %s", s, l, p)
		}
		if (l == s) != Clean(s) {
			t.Fatalf("Line(%q) = %q but Clean = %v", s, l, Clean(s))
		}
		b := Block(s)
		if p := lineSafe(b, true); p != "" {
			t.Fatalf("Block(%q) = %q: %s", s, b, p)
		}
		if strings.Count(b, "\n") != strings.Count(s, "\n") {
			t.Fatalf("Block(%q) = %q: newlines changed", s, b)
		}
	})
}

func FuzzFrame(f *testing.F) {
	for _, a := range attacks {
		f.Add("\x1b[1m"+a+"\x1b[0m", uint8(3), uint8(9))
	}
	f.Fuzz(func(t *testing.T, s string, i, j uint8) {
		out := Frame(s)
		if p := frameSafe(out); p != "" {
			t.Fatalf("Frame(%q) = %q: %s", s, out, p)
		}
		if frameSafe(s) == "" && out != s {
			t.Fatalf("Frame(%q) = %q: changed safe output", s, out)
		}
		// Every allowed SGR sequence of s survives byte for byte.
		for k := strings.Index(s, "\x1b["); k >= 0; {
			if n := sgrLen(s[k:]); n > 0 && !strings.Contains(out, s[k:k+n]) {
				t.Fatalf("Frame(%q) = %q: lost %q", s, out, s[k:k+n])
			}
			next := strings.Index(s[k+1:], "\x1b[")
			if next < 0 {
				break
			}
			k += 1 + next
		}
		// A Writer over any two cuts gives Frame of the whole.
		a, b := int(i)%(len(s)+1), int(j)%(len(s)+1)
		a, b = min(a, b), max(a, b)
		var buf bytes.Buffer
		w := NewWriter(&buf)
		for _, part := range []string{s[:a], s[a:b], s[b:]} {
			if _, err := w.Write([]byte(part)); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if buf.String() != out {
			t.Fatalf("Writer(%q split at %d, %d) = %q, want Frame %q", s, a, b, buf.String(), out)
		}
	})
}

func FuzzMarkdown(f *testing.F) {
	for _, a := range attacks {
		f.Add(a)
	}
	f.Add("- [x](y) | `z` **w** # 1. <b>&amp; ~~s~~ \\")
	f.Fuzz(func(t *testing.T, s string) {
		m := Markdown(s)
		if p := markdownInert(m); p != "" {
			t.Fatalf("Markdown(%q) = %q: %s", s, m, p)
		}
	})
}

func FuzzTruncate(f *testing.F) {
	for _, a := range attacks {
		f.Add(a, 7)
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		width %= 200
		out := Truncate(s, width)
		if p := lineSafe(out, false); p != "" {
			t.Fatalf("Truncate(%q, %d) = %q: %s", s, width, out, p)
		}
		if p := truncateWhole(s, width, out); p != "" {
			t.Fatalf("Truncate(%q, %d) = %q: %s", s, width, out, p)
		}
	})
}

// BenchmarkFrame measures the filter on a 120x40 styled screen, clean (the
// common case: nothing to change) and with one hostile line.
func BenchmarkFrame(b *testing.B) {
	row := "\x1b[1;38;5;42m✓ verified\x1b[0m  demo/web:v1.2.0  sha256:c76897cd02f194b63189f1c6f9e1984cdbb639f5a7e53e5de2f6e7715b44ae13  \x1b[2mkey 5c9c56c98a51b4d7\x1b[0m\n"
	clean := strings.Repeat(row, 40)
	dirty := clean + strings.Join(attacks, " ")
	for _, bc := range []struct{ name, s string }{{"clean", clean}, {"hostile", dirty}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.s)))
			for b.Loop() {
				_ = Frame(bc.s)
			}
		})
	}
}
