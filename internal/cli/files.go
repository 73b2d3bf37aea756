// Bounded reads of the files a user names (keys, trusted roots, artifacts):
// every command reads its inputs through these, under the limits below.

package cli

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Bounds on the files the commands read whole.
const (
	maxKeyFile         = 64 << 10 // a PEM key or a verifier key string
	maxTrustedRootFile = 4 << 20  // trusted_root.json; the public-good one is about 20 KiB
	maxSearchKeyFile   = 4 << 20  // search --public-key: PGP keyrings and TUF roots outgrow PEM keys
	maxTUFRootBytes    = 1 << 20  // a --tuf-root file
)

// readBounded reads a file ("-" for stdin), refusing more than limit bytes.
func readBounded(path string, limit int64) ([]byte, error) {
	if path == "-" {
		return readAllBounded(os.Stdin, path, limit)
	}
	return readFileBounded(path, limit)
}

// readFileBounded reads the file at path, refusing more than limit bytes.
// Unlike readBounded, "-" is a file name.
func readFileBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path) //nolint:gosec // G304: the user names this file
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAllBounded(f, path, limit)
}

func readAllBounded(r io.Reader, name string, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than the %d-byte limit", name, limit)
	}
	return b, nil
}

// sha256File hashes a file without holding it in memory: an artifact may be
// a whole image tarball.
func sha256File(path string) ([]byte, error) {
	f, err := os.Open(path) //nolint:gosec // G304: the user names this file
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// readKeyArg returns a key argument's text: the file's content when it
// names a file, else the argument itself.
func readKeyArg(arg string) (string, error) {
	if st, err := os.Stat(arg); err == nil && !st.IsDir() {
		b, err := readBounded(arg, maxKeyFile)
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(b)), nil
	}
	if strings.Count(arg, "+") < 2 {
		return "", errors.New("neither a file nor a name+hash+key verifier key")
	}
	return arg, nil
}
