package backend

import (
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/ui"
)

// Capabilities says what one explorer session may do with the files of the
// host the explorer runs on. The local explorer (provscope tui) gets
// AllCapabilities: the host is the user's own machine. An SSH session gets
// none of them: the host is the server, and what its user types (a search,
// a key file, an export folder) must not read or write the server's files.
//
// The zero value allows nothing. The Backend checks its Capabilities in
// every method that touches the host's files, before touching them, so a
// refused session learns nothing about the file either (not even whether it
// exists); a refusal is a *CapabilityError.
type Capabilities struct {
	// ReadHostFiles lets a search name a public-key file on the host (a
	// query ending in .pem or .pub) whose key is searched for.
	ReadHostFiles bool
	// WriteHostFiles lets evidence export create folders and write files
	// on the host (ui.HostWriter).
	WriteHostFiles bool
	// PinKeyFiles lets the signer be pinned to a public key read from a
	// file on the host (ReadSignerKey; "key FILE" after the explorer's P).
	PinKeyFiles bool
}

// AllCapabilities is what the local explorer may do: everything.
func AllCapabilities() Capabilities {
	return Capabilities{ReadHostFiles: true, WriteHostFiles: true, PinKeyFiles: true}
}

// ErrNotPermitted is what every *CapabilityError matches with errors.Is.
var ErrNotPermitted = ui.ErrNotPermitted

// CapabilityError is the refusal of a host file operation the session's
// Capabilities do not allow.
type CapabilityError struct {
	// Capability names the missing one ("ReadHostFiles", …).
	Capability string
	// Op is what was refused ("reading public key file", …) and Path the
	// file it named; Path is empty where the caller's error names the
	// file already (host writes: ui.HostWriter's callers).
	Op, Path string
}

func (e *CapabilityError) Error() string {
	op := e.Op
	if e.Path != "" {
		op += " " + e.Path
	}
	return fmt.Sprintf("%s: %v (the file would be the server's)", op, ErrNotPermitted)
}

// Is makes errors.Is(err, ErrNotPermitted) hold.
func (e *CapabilityError) Is(target error) bool { return target == ErrNotPermitted }

// maxHostKeyFile bounds a public-key file read from the host (search or
// signer pin): a PEM public key is a few hundred bytes.
const maxHostKeyFile = 64 << 10

// WithCapabilities returns a Backend over the same clients whose session
// may do exactly what c allows; b itself is unchanged. Sessions sharing one
// Backend each take their own copy.
func (b *Backend) WithCapabilities(c Capabilities) *Backend {
	nb := *b
	nb.cfg.Capabilities = c
	return &nb
}

// Capabilities is what this Backend's session may do with the host's
// files.
func (b *Backend) Capabilities() Capabilities { return b.cfg.Capabilities }

// readKeyFile reads a public-key file from the host if allowed is set,
// bounded to maxHostKeyFile bytes; otherwise it refuses without touching
// the file.
func readKeyFile(allowed bool, capability, op, path string) ([]byte, error) {
	if !allowed {
		return nil, &CapabilityError{Capability: capability, Op: op, Path: path}
	}
	f, err := os.Open(path) //nolint:gosec // G304: a session allowed to read host files names the file
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxHostKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, path, err)
	}
	if len(data) > maxHostKeyFile {
		return nil, fmt.Errorf("%s %s: larger than %d bytes", op, path, maxHostKeyFile)
	}
	return data, nil
}

// ReadSignerKey reads the PEM public key in the host file path, for pinning
// the signer to it (WithSigner). It needs Capabilities.PinKeyFiles.
func (b *Backend) ReadSignerKey(path string) ([]byte, error) {
	data, err := readKeyFile(b.cfg.Capabilities.PinKeyFiles, "PinKeyFiles", "reading signer key file", path)
	if err != nil {
		return nil, err
	}
	if _, err := inspect.KeyFingerprint(data); err != nil {
		return nil, fmt.Errorf("reading signer key file %s: %w", path, err)
	}
	return data, nil
}

var _ ui.HostWriter = (*Backend)(nil)

// MkdirAll implements ui.HostWriter: os.MkdirAll, if the session may write
// host files (Capabilities.WriteHostFiles).
func (b *Backend) MkdirAll(path string, perm fs.FileMode) error {
	if !b.cfg.Capabilities.WriteHostFiles {
		return &CapabilityError{Capability: "WriteHostFiles", Op: "writing files on the host"}
	}
	return os.MkdirAll(path, perm) //nolint:wrapcheck // the caller names the folder
}

// WriteFile implements ui.HostWriter: os.WriteFile, if the session may
// write host files (Capabilities.WriteHostFiles).
func (b *Backend) WriteFile(name string, data []byte, perm fs.FileMode) error {
	if !b.cfg.Capabilities.WriteHostFiles {
		return &CapabilityError{Capability: "WriteHostFiles", Op: "writing files on the host"}
	}
	return os.WriteFile(name, data, perm) //nolint:wrapcheck,gosec // the caller names the file, under the export folder
}
