package sshui

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"
)

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

func TestParseAuthorizedKeys(t *testing.T) {
	k1, k2, k3, k4 := newSigner(t), newSigner(t), newSigner(t), newSigner(t)
	line := func(opts string, k gossh.Signer) string {
		s := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k.PublicKey())))
		if opts != "" {
			s = opts + " " + s
		}
		return s + " comment\n"
	}
	file := "# comment\n\n" +
		line("", k1) +
		line("restrict,no-agent-forwarding", k2) +
		line(`from="10.0.0.0/8"`, k3) + // cannot be enforced: skipped
		"ssh-ed25519 not-base64!!\n" + // broken: skipped
		line(`command="/bin/true"`, k4) // cannot be enforced: skipped
	got := parseAuthorizedKeys([]byte(file), "test", slog.New(slog.NewTextHandler(io.Discard, nil)))
	want := map[gossh.Signer]bool{k1: true, k2: true, k3: false, k4: false}
	for k, ok := range want {
		if got[string(k.PublicKey().Marshal())] != ok {
			t.Errorf("key %s authorized = %v, want %v", fp(k), !ok, ok)
		}
	}
	if len(got) != 2 {
		t.Errorf("parsed %d keys, want 2", len(got))
	}
}

func TestClampRequests(t *testing.T) {
	tests := []struct {
		name       string
		cols, rows uint32
		wantCols   uint32
		wantRows   uint32
	}{
		{"normal", 120, 40, 120, 40},
		{"huge", 1 << 31, 1 << 20, 400, 200}, // the bounds passed below
		{"zero means default", 0, 0, defaultColumns, defaultRows},
		{"one", 1, 1, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := clampPtyRequest(gossh.Marshal(&ptyRequestMsg{Term: "xterm", Columns: tt.cols, Rows: tt.rows}), 400, 200)
			if !ok {
				t.Fatal("clampPtyRequest refused a valid payload")
			}
			var m ptyRequestMsg
			if err := gossh.Unmarshal(p, &m); err != nil {
				t.Fatal(err)
			}
			if m.Columns != tt.wantCols || m.Rows != tt.wantRows || m.Term != "xterm" {
				t.Errorf("pty-req %dx%d → %dx%d %q, want %dx%d xterm", tt.cols, tt.rows, m.Columns, m.Rows, m.Term, tt.wantCols, tt.wantRows)
			}
			p, ok = clampWindowChange(gossh.Marshal(&windowChangeMsg{Columns: tt.cols, Rows: tt.rows}), 400, 200)
			if !ok {
				t.Fatal("clampWindowChange refused a valid payload")
			}
			var w windowChangeMsg
			if err := gossh.Unmarshal(p, &w); err != nil {
				t.Fatal(err)
			}
			if w.Columns != tt.wantCols || w.Rows != tt.wantRows {
				t.Errorf("window-change %dx%d → %dx%d, want %dx%d", tt.cols, tt.rows, w.Columns, w.Rows, tt.wantCols, tt.wantRows)
			}
		})
	}
	if _, ok := clampPtyRequest([]byte{0, 0}, 400, 200); ok {
		t.Error("clampPtyRequest accepted a truncated payload")
	}
	if _, ok := clampPtyRequest(gossh.Marshal(&ptyRequestMsg{Term: strings.Repeat("x", 1000)}), 400, 200); ok {
		t.Error("clampPtyRequest accepted a 1000-byte TERM")
	}
	if _, ok := clampWindowChange([]byte{1}, 400, 200); ok {
		t.Error("clampWindowChange accepted a truncated payload")
	}
}

func TestRecordVerificationIsCapped(t *testing.T) {
	rec := &sessionRecord{maxVerified: 2}
	info := SessionInfo{rec: rec}
	for range 5 {
		info.RecordVerification("x", 1)
	}
	if rec.verified != 5 || len(rec.verifications) != 2 {
		t.Errorf("recorded %d listed %d, want 5 counted and 2 listed", rec.verified, len(rec.verifications))
	}
	SessionInfo{}.RecordVerification("x", 1) // zero value: no panic
}

func TestFilterMsg(t *testing.T) {
	tests := []struct {
		name string
		in   tea.Msg
		want tea.Msg
	}{
		{"suspend becomes resume", tea.SuspendMsg{}, tea.ResumeMsg{}},
		{"empty size dropped", tea.WindowSizeMsg{}, nil},
		{"zero width dropped", tea.WindowSizeMsg{Width: 0, Height: 10}, nil},
		{"size kept", tea.WindowSizeMsg{Width: 80, Height: 24}, tea.WindowSizeMsg{Width: 80, Height: 24}},
		{"key kept", tea.KeyPressMsg{Code: 'a', Text: "a"}, tea.KeyPressMsg{Code: 'a', Text: "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := filterMsg(nil, tt.in); got != tt.want {
				t.Errorf("filterMsg(%#v) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}
