package hostile

import (
	"context"
	"os"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"plain", "Verdict: verified\n\tok", true},
		{"sgr", "\x1b[1;38;5;8mbold\x1b[0m \x1b[m\x1b[38;2;1;2;3m", true},
		{"conceal", "\x1b[8mhidden", false},
		{"conceal in list", "\x1b[1;8m", false},
		{"csi clear", "\x1b[2J", false},
		{"osc", "\x1b]0;t\x07", false},
		{"cr", "a\rb", false},
		{"c1", "a\u009bb", false},
		{"bidi", "a\u202eb", false},
		{"zero width", "a\u200bb", false},
		{"invalid utf8", "a\xffb", false},
		{"del", "a\x7f", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := Check(tc.in); (err == nil) != tc.ok {
				t.Errorf("Check(%q) = %v, want ok %v", tc.in, err, tc.ok)
			}
		})
	}
	for _, p := range Payloads() {
		if p.Name != "markdown-section" && Check(p.Text) == nil { // newlines are safe on a terminal
			t.Errorf("Check(payload %s) = nil, want an error", p.Name)
		}
	}
}

func TestStart(t *testing.T) {
	w, err := Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, p := range []string{w.EntryPath, w.BundlePath, w.CheckpointPath, w.KeyPath, w.LogPublicKeyPath, w.TrustedRootPath} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("missing file: %v", err)
		}
	}
	if w.AttestationUUID == "" || !strings.HasPrefix(w.Digest, "sha256:") {
		t.Errorf("uuid %q digest %q", w.AttestationUUID, w.Digest)
	}
}
