package backend_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provscope/provscope/registry/cosignfmt"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/backend"
)

// keyFile writes the PEM public key the embedded log's plain-key entries
// are signed with (embeddedLog.sign) to a file named name, and returns its
// path and contents.
func keyFile(t *testing.T, name string) (string, []byte) {
	t.Helper()
	k, _ := cosignfmt.KeyFromSeed("backend-test")
	s, err := cosignfmt.NewSigner(k)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, s.PublicKeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, s.PublicKeyPEM()
}

// wantRefused fails unless err is the refusal of capability.
func wantRefused(t *testing.T, what string, err error, capability string) {
	t.Helper()
	var ce *backend.CapabilityError
	if !errors.Is(err, backend.ErrNotPermitted) || !errors.As(err, &ce) || ce.Capability != capability {
		t.Errorf("%s = %v, want it refused for want of %s", what, err, capability)
	}
}

// TestSearchByKeyFileNeedsReadHostFiles: a search naming a key file reads
// it only when the session may read host files; otherwise it is refused
// before the file is touched, so a missing file is refused the same way.
func TestSearchByKeyFileNeedsReadHostFiles(t *testing.T) {
	l := startLog(t)
	l.sign("")
	ctx := context.Background()
	pemPath, _ := keyFile(t, "key.pem")
	pubPath, _ := keyFile(t, "key.pub")

	none := l.open(l.srv.URL, nil) // backend.Config's zero Capabilities
	for _, q := range []string{pemPath, pubPath, "/nonexistent/key.pem", "/etc/ssh/ssh_host_ed25519_key.pub"} {
		_, err := none.Search(ctx, q)
		wantRefused(t, "Search("+q+") without capabilities", err, "ReadHostFiles")
	}
	// The other host capabilities do not let a search read files.
	_, err := none.WithCapabilities(backend.Capabilities{WriteHostFiles: true, PinKeyFiles: true}).Search(ctx, pemPath)
	wantRefused(t, "Search(key file) with write and pin only", err, "ReadHostFiles")

	all := none.WithCapabilities(backend.AllCapabilities())
	for _, q := range []string{pemPath, pubPath} {
		res, err := all.Search(ctx, q)
		if err != nil || len(res.UUIDs) != 1 {
			t.Errorf("Search(%s) with all capabilities = %+v, %v; want the one entry signed with that key", q, res, err)
		}
	}
	if _, err := all.Search(ctx, "/nonexistent/key.pem"); err == nil || errors.Is(err, backend.ErrNotPermitted) {
		t.Errorf("Search(missing file) with all capabilities = %v, want a read error", err)
	}
	big := filepath.Join(t.TempDir(), "big.pem")
	if err := os.WriteFile(big, bytes.Repeat([]byte("A"), 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := all.Search(ctx, big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Search(1 MiB file) = %v, want it refused as too large", err)
	}
	// WithCapabilities made a copy: the first backend still refuses.
	_, err = none.Search(ctx, pemPath)
	wantRefused(t, "Search(key file) on the original after WithCapabilities", err, "ReadHostFiles")
	if none.Capabilities() != (backend.Capabilities{}) || all.Capabilities() != backend.AllCapabilities() {
		t.Errorf("Capabilities() = %+v and %+v, want none and all", none.Capabilities(), all.Capabilities())
	}
}

// TestHostWritesNeedWriteHostFiles: the backend's ui.HostWriter, through
// which evidence export writes, refuses without WriteHostFiles and leaves
// nothing behind.
func TestHostWritesNeedWriteHostFiles(t *testing.T) {
	l := startLog(t)
	dir := t.TempDir()
	var hw ui.HostWriter = l.open(l.srv.URL, nil).WithCapabilities(backend.Capabilities{ReadHostFiles: true, PinKeyFiles: true})
	sub := filepath.Join(dir, "evidence")
	wantRefused(t, "MkdirAll without WriteHostFiles", hw.MkdirAll(sub, 0o750), "WriteHostFiles")
	wantRefused(t, "WriteFile without WriteHostFiles", hw.WriteFile(filepath.Join(dir, "report.json"), []byte("{}"), 0o600), "WriteHostFiles")
	if ents, err := os.ReadDir(dir); err != nil || len(ents) != 0 {
		t.Errorf("folder after refused writes holds %v (%v), want nothing", ents, err)
	}

	hw = l.open(l.srv.URL, nil).WithCapabilities(backend.AllCapabilities())
	if err := hw.MkdirAll(sub, 0o750); err != nil {
		t.Fatalf("MkdirAll with all capabilities: %v", err)
	}
	if err := hw.WriteFile(filepath.Join(sub, "report.json"), []byte("{}"), 0o600); err != nil {
		t.Fatalf("WriteFile with all capabilities: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(sub, "report.json")); err != nil || string(b) != "{}" {
		t.Errorf("written file = %q, %v; want {}", b, err)
	}
}

// TestReadSignerKeyNeedsPinKeyFiles: pinning a key file reads it only with
// PinKeyFiles, and only a PEM public key.
func TestReadSignerKeyNeedsPinKeyFiles(t *testing.T) {
	l := startLog(t)
	path, pem := keyFile(t, "signer.pub")
	b := l.open(l.srv.URL, nil)
	_, err := b.ReadSignerKey(path)
	wantRefused(t, "ReadSignerKey without capabilities", err, "PinKeyFiles")
	_, err = b.WithCapabilities(backend.Capabilities{ReadHostFiles: true, WriteHostFiles: true}).ReadSignerKey(path)
	wantRefused(t, "ReadSignerKey with read and write only", err, "PinKeyFiles")

	all := b.WithCapabilities(backend.AllCapabilities())
	got, err := all.ReadSignerKey(path)
	if err != nil || !bytes.Equal(got, pem) {
		t.Errorf("ReadSignerKey with all capabilities = %q, %v; want the key file's PEM", got, err)
	}
	notKey := filepath.Join(t.TempDir(), "hostname")
	if err := os.WriteFile(notKey, []byte("server.example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := all.ReadSignerKey(notKey); err == nil {
		t.Error("ReadSignerKey(a file that is no PEM key) succeeded, want an error")
	}
}
