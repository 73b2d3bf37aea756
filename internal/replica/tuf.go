package replica

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Sigstore's TUF target names.
const (
	TargetTrustedRoot   = "trusted_root.json"
	TargetSigningConfig = "signing_config.v0.2.json"
)

// TUF is a TUF repository served on 127.0.0.1 as Sigstore's
// tuf-repo-cdn.sigstore.dev serves one: consistent snapshots
// ("N.root.json", "N.snapshot.json", "N.targets.json", "timestamp.json" and
// "targets/<sha256>.<name>"), one fresh ed25519 key per role. Metadata
// expires a year after it is signed.
type TUF struct {
	srv *httptest.Server

	mu          sync.Mutex
	files       map[string][]byte
	signers     map[string]signature.Signer
	root        *metadata.Metadata[metadata.RootType]
	targets     *metadata.Metadata[metadata.TargetsType]
	snapshot    *metadata.Metadata[metadata.SnapshotType]
	timestamp   *metadata.Metadata[metadata.TimestampType]
	initialRoot []byte
	timestamps  [][]byte // every timestamp.json published, oldest first
}

// NewTUF builds a repository whose first version holds targets (name →
// content) and serves it. Close stops it.
func NewTUF(targets map[string][]byte) (*TUF, error) {
	t := &TUF{files: map[string][]byte{}, signers: map[string]signature.Signer{}}
	expires := time.Now().UTC().AddDate(1, 0, 0).Truncate(time.Second)
	t.root = metadata.Root(expires)
	t.targets = metadata.Targets(expires)
	t.snapshot = metadata.Snapshot(expires)
	t.timestamp = metadata.Timestamp(expires)
	for _, role := range []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP} {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		key, err := metadata.KeyFromPublicKey(priv.Public())
		if err != nil {
			return nil, err
		}
		if err := t.root.Signed.AddKey(key, role); err != nil {
			return nil, err
		}
		s, err := signature.LoadSigner(priv, crypto.Hash(0))
		if err != nil {
			return nil, err
		}
		t.signers[role] = s
	}
	if _, err := t.root.Sign(t.signers[metadata.ROOT]); err != nil {
		return nil, err
	}
	rb, err := t.root.ToBytes(false)
	if err != nil {
		return nil, err
	}
	t.initialRoot = rb
	t.files["/1.root.json"] = rb
	t.targets.Signed.Version = 0
	t.snapshot.Signed.Version = 0
	t.timestamp.Signed.Version = 0
	if err := t.publishLocked(targets); err != nil {
		return nil, err
	}
	t.srv = httptest.NewServer(http.HandlerFunc(t.serve))
	return t, nil
}

// URL is the repository's base URL (http://127.0.0.1:port).
func (t *TUF) URL() string { return t.srv.URL }

// InitialRoot is the version 1 root.json: the trust anchor a client starts
// from (sigstore-go embeds Sigstore's in the same way).
func (t *TUF) InitialRoot() []byte { return append([]byte(nil), t.initialRoot...) }

// Close stops the server.
func (t *TUF) Close() { t.srv.Close() }

// Versions returns the current targets, snapshot and timestamp versions.
func (t *TUF) Versions() (targets, snapshot, timestamp int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.targets.Signed.Version, t.snapshot.Signed.Version, t.timestamp.Signed.Version
}

// Publish replaces every target with targets and publishes new targets,
// snapshot and timestamp versions, properly signed.
func (t *TUF) Publish(targets map[string][]byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.publishLocked(targets)
}

func (t *TUF) publishLocked(targets map[string][]byte) error {
	t.targets.Signed.Targets = map[string]*metadata.TargetFiles{}
	for name, b := range targets {
		tf, err := metadata.TargetFile().FromBytes(name, b, "sha256")
		if err != nil {
			return err
		}
		t.targets.Signed.Targets[name] = tf
		sum := sha256.Sum256(b)
		t.files["/targets/"+hex.EncodeToString(sum[:])+"."+name] = append([]byte(nil), b...)
	}
	t.targets.Signed.Version++
	t.targets.ClearSignatures()
	if _, err := t.targets.Sign(t.signers[metadata.TARGETS]); err != nil {
		return err
	}
	tb, err := t.targets.ToBytes(false)
	if err != nil {
		return err
	}
	t.files[fmt.Sprintf("/%d.targets.json", t.targets.Signed.Version)] = tb

	t.snapshot.Signed.Meta["targets.json"] = metadata.MetaFile(t.targets.Signed.Version)
	t.snapshot.Signed.Version++
	t.snapshot.ClearSignatures()
	if _, err := t.snapshot.Sign(t.signers[metadata.SNAPSHOT]); err != nil {
		return err
	}
	sb, err := t.snapshot.ToBytes(false)
	if err != nil {
		return err
	}
	t.files[fmt.Sprintf("/%d.snapshot.json", t.snapshot.Signed.Version)] = sb

	t.timestamp.Signed.Meta["snapshot.json"] = metadata.MetaFile(t.snapshot.Signed.Version)
	t.timestamp.Signed.Version++
	t.timestamp.ClearSignatures()
	if _, err := t.timestamp.Sign(t.signers[metadata.TIMESTAMP]); err != nil {
		return err
	}
	tsb, err := t.timestamp.ToBytes(false)
	if err != nil {
		return err
	}
	t.files["/timestamp.json"] = tsb
	t.timestamps = append(t.timestamps, tsb)
	return nil
}

// TamperTimestamp serves a timestamp.json one version ahead whose signature
// does not match its content (an attacker without the timestamp key).
func (t *TUF) TamperTimestamp() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	cur := t.files["/timestamp.json"]
	v := fmt.Sprintf(`"version":%d`, t.timestamp.Signed.Version)
	if !strings.Contains(string(cur), v) {
		return fmt.Errorf("timestamp.json has no %s", v)
	}
	t.files["/timestamp.json"] = []byte(strings.Replace(string(cur), v, fmt.Sprintf(`"version":%d`, t.timestamp.Signed.Version+1), 1))
	return nil
}

// RollBack serves the first timestamp.json ever published again (properly
// signed, but older than what clients have seen): a rollback attack.
func (t *TUF) RollBack() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.files["/timestamp.json"] = t.timestamps[0]
}

// TamperTarget replaces the served bytes of the current target name without
// changing the signed metadata.
func (t *TUF) TamperTarget(name string, b []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tf := t.targets.Signed.Targets[name]
	if tf == nil {
		return
	}
	t.files["/targets/"+hex.EncodeToString(tf.Hashes["sha256"])+"."+name] = b
}

func (t *TUF) serve(w http.ResponseWriter, r *http.Request) {
	t.mu.Lock()
	b, ok := t.files[r.URL.Path]
	t.mu.Unlock()
	if !ok || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
