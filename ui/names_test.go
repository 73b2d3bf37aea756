package ui

import (
	"strings"
	"testing"
)

func TestRefLabel(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"valid tag ref", "demo/app:v1.0", "demo/app:v1.0"},
		{"valid digest ref", "demo/app@sha256:ab", "demo/app@sha256:ab"},
		{"forged status tag", "demo/app:v1 ✓ verified\x1b[8m", `demo/app:⚠"v1 \u2713 verified\x1b[8m"`},
		{"bidi repository", "demo/\u202eppa:v1", `⚠"demo/\u202eppa":v1`},
		{"upper-case repository", "Demo/App:v1", `⚠"Demo/App":v1`},
		{"hostile digest", "demo/app@sha256:\x1b]52;c;x\a", `demo/app@sha256:\x1b]52;c;x\x07`},
		{"invalid UTF-8 tag", "demo/app:v\xff", `demo/app:⚠"v\xff"`},
		{"tag too long", "a:" + strings.Repeat("x", 129), `a:⚠"` + strings.Repeat("x", 129) + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := refLabel(tt.in); got != tt.want {
				t.Errorf("refLabel(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestFitNeverSplitsAnEscape: a value that reaches fit unsanitised has its
// controls made visible before the cut, so the cut can only shorten the
// visible form, and no part of the escape stays live.
func TestFitNeverSplitsAnEscape(t *testing.T) {
	for w := 1; w < 30; w++ {
		for _, s := range []string{"tag\x1b]8;;https://evil.example/\x1b\\x", "\u009b2Jab", "ab\x1b[8mcd", "é\x1bP+q\x1b\\", "a\tb\t\t✓ verified"} {
			got := fit(s, w)
			if strings.ContainsAny(got, "\x1b\u009b\a\t") {
				t.Errorf("fit(%q, %d) = %q: holds a live control", s, w, got)
			}
			if n := len([]rune(got)); n != w {
				t.Errorf("fit(%q, %d) is %d cells, want %d", s, w, n, w)
			}
			if sh := short(s, w); strings.ContainsAny(sh, "\x1b\u009b\a") {
				t.Errorf("short(%q, %d) = %q: holds a live control", s, w, sh)
			}
		}
	}
}

func TestTokenLabel(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"platform", "linux/arm64/v8", "linux/arm64/v8"},
		{"media type", "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.manifest.v1+json"},
		{"forged status", "linux ✓ verified", `⚠"linux \u2713 verified"`},
		{"escape", "linux\x1b[8m", `⚠"linux\x1b[8m"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tokenLabel(tt.in); got != tt.want {
				t.Errorf("tokenLabel(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
