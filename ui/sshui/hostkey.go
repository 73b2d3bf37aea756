package sshui

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// loadOrCreateHostKey reads the OpenSSH private key at path, generating an
// ed25519 key there (and its .pub next to it) when the file does not exist.
// Like sshd, it refuses a private key that others can read.
//
// charmbracelet/keygen (behind wish.WithHostKeyPath) is not used because it
// chmods the key's parent directory to 0700, which is surprising for a path
// such as ./host_key in a work tree.
func loadOrCreateHostKey(path string) (gossh.Signer, error) {
	data, err := os.ReadFile(path) //nolint:gosec // G304: the operator chooses the host key path (--host-key)
	if errors.Is(err, fs.ErrNotExist) {
		data, err = createHostKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("loading host key: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("loading host key: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("loading host key %s: readable by others (mode %04o, want 0600)", path, perm)
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("parsing host key %s: %w", path, err)
	}
	return signer, nil
}

func createHostKey(path string) ([]byte, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "provscope ssh host key")
	if err != nil {
		return nil, fmt.Errorf("encoding host key: %w", err)
	}
	data := pem.EncodeToMemory(block)
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("creating host key directory: %w", err)
		}
	}
	// O_EXCL: never overwrite a key another process created meanwhile.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) //nolint:gosec // G304: the operator chooses the host key path (--host-key)
	if err != nil {
		return nil, fmt.Errorf("writing host key: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("writing host key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("writing host key: %w", err)
	}
	sshPub, err := gossh.NewPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encoding host public key: %w", err)
	}
	if err := os.WriteFile(path+".pub", gossh.MarshalAuthorizedKey(sshPub), 0o644); err != nil { //nolint:gosec // a public key
		return nil, fmt.Errorf("writing host public key: %w", err)
	}
	return data, nil
}
