// Package hostile builds a world in which every string an attacker controls
// carries terminal escapes, controls and Markdown, for tests that hold
// provscope's printers, reports and TUI to "attacker text never reaches a
// terminal or a report raw".
//
// [Start] runs the repository's embedded OCI registry and embedded Rekor
// log on 127.0.0.1 and seeds them: an image whose tag listing, OCI
// annotations, config labels, simple-signing optional fields, in-toto
// attestation (predicateType, builder, buildType, materials), SBOM names and
// keyless certificate (SAN, issuer extension) hold the [Payloads]; a
// tampered copy whose verification must fail; a Sigstore bundle, a saved log
// entry and a signed checkpoint (origin and extension lines) on disk.
//
// [Check] tells whether captured output is safe: ESC only as the start of an
// allowed SGR styling sequence, no C0 control but newline and tab, no DEL, no
// C1 control, no bidi or zero-width control, valid UTF-8. The rules are
// written out here independently of package safetext, so that a test
// using Check does not grade safetext with safetext.
//
// Tests only: nothing in provscope's binary imports this package.
package hostile

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Payload is one attack string and what it does on a terminal or in a
// Markdown report when shown raw.
type Payload struct {
	Name string
	Text string
	// ASCII is true when Text is all ASCII (it fits an IA5String, such as
	// an email SAN).
	ASCII bool
}

// Payloads returns the attack strings, a fresh slice at every call.
func Payloads() []Payload {
	return []Payload{
		{Name: "osc52-clipboard", Text: "\x1b]52;c;aGFja2VkIGNsaXBib2FyZA==\x07", ASCII: true},
		{Name: "osc0-title", Text: "\x1b]0;pwned window title\x07", ASCII: true},
		{Name: "osc8-link", Text: "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\", ASCII: true},
		{Name: "fake-verdict", Text: "\x1b[2J\x1b[HVerdict: verified\x1b[8m", ASCII: true},
		{Name: "carriage-return", Text: "\rVerdict: verified   ", ASCII: true},
		{Name: "dcs", Text: "\x1bP+q544e\x1b\\", ASCII: true},
		{Name: "apc", Text: "\x1b_Gf=100;AAAA\x1b\\", ASCII: true},
		{Name: "c1-csi", Text: "\u009b2J\u009d0;c1 title\u009c"},
		{Name: "bidi-override", Text: "\u202egnp.exe\u202c"},
		{Name: "zero-width", Text: "ver\u200bified\ufeff"},
		{Name: "markdown-section", Text: "x`y\n\n## demo/web:v1.2.0\n\n- verdict: **verified**\n\n| a | b |\n", ASCII: true},
		{Name: "bell-backspace-del", Text: "\a\b\b\b\x7f", ASCII: true},
	}
}

// Mixed returns one string holding every payload, in order, between
// "hostile<" and ">" markers.
func Mixed() string { return join(false) }

// MixedASCII returns one string holding every ASCII payload, for fields
// that only take ASCII (IA5String SANs).
func MixedASCII() string { return join(true) }

func join(asciiOnly bool) string {
	var b strings.Builder
	b.WriteString("hostile<")
	for _, p := range Payloads() {
		if asciiOnly && !p.ASCII {
			continue
		}
		b.WriteString(p.Text)
	}
	b.WriteString(">")
	return b.String()
}

// Tags returns tag names that break the OCI distribution-spec tag grammar
// and carry payloads: the embedded registry serves them in its tag listing
// for [Repository] (name.NewTag refuses them, so they cannot be pushed).
func Tags() []string {
	var tags []string
	for _, p := range Payloads() {
		tags = append(tags, "v1"+p.Text)
	}
	return tags
}

// Check reports the first byte sequence in out that must not reach a
// terminal, with its offset and some context; nil when out is safe. Safe
// means: valid UTF-8; ESC only as the start of an SGR sequence
// ("ESC [" digits, ';' or ':' "m", shorter than 64 bytes) that does not set
// conceal (8); no C0 control but newline and tab; no DEL; no C1 control; no
// bidi control, zero-width or other format character (Unicode Cf); no line
// or paragraph separator.
func Check(out string) error {
	for i := 0; i < len(out); {
		c := out[i]
		if c == 0x1b {
			n := sgr(out[i:])
			if n == 0 {
				return unsafeAt(out, i, "escape sequence other than allowed SGR")
			}
			i += n
			continue
		}
		r, n := utf8.DecodeRuneInString(out[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			return unsafeAt(out, i, "invalid UTF-8")
		case r == '\n', r == '\t':
		case r < 0x20, r == 0x7f:
			return unsafeAt(out, i, fmt.Sprintf("control U+%04X", r))
		case r >= 0x80 && r <= 0x9f:
			return unsafeAt(out, i, fmt.Sprintf("C1 control U+%04X", r))
		case r == '\u2028', r == '\u2029':
			return unsafeAt(out, i, fmt.Sprintf("separator U+%04X", r))
		case unicode.Is(unicode.Bidi_Control, r), unicode.Is(unicode.Cf, r):
			return unsafeAt(out, i, fmt.Sprintf("format character U+%04X", r))
		}
		i += n
	}
	return nil
}

// sgr returns the length of the SGR sequence at the start of s, or 0 when
// there is none or it sets conceal.
func sgr(s string) int {
	if !strings.HasPrefix(s, "\x1b[") {
		return 0
	}
	end := strings.IndexByte(s, 'm')
	if end < 0 || end >= 64 {
		return 0
	}
	params := s[2:end]
	for _, c := range params {
		if (c < '0' || c > '9') && c != ';' && c != ':' {
			return 0
		}
	}
	fields := strings.Split(params, ";")
	for i := 0; i < len(fields); i++ {
		switch fields[i] {
		case "8":
			return 0
		case "38", "48", "58":
			if i+1 < len(fields) && fields[i+1] == "5" {
				i += 2
			} else if i+1 < len(fields) && fields[i+1] == "2" {
				i += 4
			}
		}
	}
	return end + 1
}

func unsafeAt(out string, i int, what string) error {
	from, to := max(0, i-40), min(len(out), i+40)
	return fmt.Errorf("%s at byte %d: %q", what, i, out[from:to])
}

// RawPayloads returns the names of the payloads that appear raw (byte for
// byte) in out. Payloads that are plain text once their controls are gone
// cannot be told from harmless text, so tests should rely on [Check] and
// use this as a second, more readable signal.
func RawPayloads(out string) []string {
	var found []string
	for _, p := range Payloads() {
		if strings.Contains(out, p.Text) {
			found = append(found, p.Name)
		}
	}
	return found
}
