package ui_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/provscope/provscope/ui"
)

func TestParseOpenRef(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	tests := []struct {
		in, host, ref string
		wantErr       bool
	}{
		{"ghcr.io/org/app:v1", "ghcr.io", "org/app:v1", false},
		{"  127.0.0.1:5000/demo/web:v1.2.0 ", "127.0.0.1:5000", "demo/web:v1.2.0", false},
		{"localhost/app@" + digest, "localhost", "app@" + digest, false},
		{"docker.io/library/alpine", "docker.io", "library/alpine", false},
		{"org/app:v1", "", "", true},                              // no host
		{"ghcr.io/Org/app:v1", "", "", true},                      // upper-case path
		{"ghcr.io/app@sha256:abc", "", "", true},                  // short digest
		{"ghcr.io/app:v1\x1b]0;pwned\x07", "", "", true},          // OSC title
		{"ghcr.io/app:v1\x1b[2J", "", "", true},                   // CSI
		{"ghcr.io/app:v1\u202e", "", "", true},                    // bidi override
		{"ghcr.io/app:v1\nghcr.io/b:v2", "", "", true},            // two lines
		{"ghcr.io/app:" + strings.Repeat("a", 129), "", "", true}, // tag too long
		{"ghcr.io/" + strings.Repeat("a/", 300) + "a", "", "", true},
	}
	for _, tt := range tests {
		host, ref, err := ui.ParseOpenRef(tt.in)
		if tt.wantErr {
			if !errors.Is(err, ui.ErrBadReference) {
				t.Errorf("ParseOpenRef(%q) = %q, %q, %v, want ErrBadReference", tt.in, host, ref, err)
			} else if strings.ContainsFunc(err.Error(), unicode.IsControl) || strings.ContainsRune(err.Error(), '\u202e') {
				t.Errorf("ParseOpenRef(%q) error %q carries control characters", tt.in, err)
			}
			continue
		}
		if err != nil || host != tt.host || ref != tt.ref {
			t.Errorf("ParseOpenRef(%q) = %q, %q, %v, want %q, %q", tt.in, host, ref, err, tt.host, tt.ref)
		}
	}
}

// FuzzParseOpenRef: whatever is typed, an accepted reference is printable
// ASCII that parses again to itself, and an error carries no control
// character.
func FuzzParseOpenRef(f *testing.F) {
	for _, s := range []string{"ghcr.io/org/app:v1", "localhost/a@sha256:" + strings.Repeat("0", 64), "a\x1b[31m/b", "127.0.0.1:5000/x/y_z-1.2:T"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		host, ref, err := ui.ParseOpenRef(s)
		if err != nil {
			if strings.ContainsFunc(err.Error(), func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) }) {
				t.Fatalf("error for %q carries control characters: %q", s, err)
			}
			return
		}
		full := host + "/" + ref
		for _, r := range full {
			if r < 0x21 || r > 0x7e {
				t.Fatalf("ParseOpenRef(%q) accepted %q with %U", s, full, r)
			}
		}
		if h2, r2, err := ui.ParseOpenRef(full); err != nil || h2 != host || r2 != ref {
			t.Fatalf("ParseOpenRef(%q) = %q, %q, %v; want it to read back", full, h2, r2, err)
		}
	})
}
