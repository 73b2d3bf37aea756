// Package inspecttest provides test doubles for inspect's callers: a fake
// Rekor v1 log whose history can be rolled back or forked under the same
// tree ID, to exercise `provscope loginfo`'s rollback and fork detection
// (which a well-behaved log, such as the embedded one, never shows); and a
// test Fulcio (internal/keyless's CA with its own CT log, issuing ten-minute
// certificates from a random seed) with SignKeyless, which signs and attests
// an image keyless in cosign's legacy format, to exercise identity policies
// (--certificate-identity, --certificate-oidc-issuer).
package inspecttest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/sigstore/rekor/pkg/util"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"
)

// FakeLog serves GET /api/v1/log, /api/v1/log/publicKey and
// /api/v1/log/proof for a tree whose leaves the test chooses, signing real
// checkpoints with an ECDSA P-256 key.
type FakeLog struct {
	Hostname string
	TreeID   int64

	signer signature.Signer
	pubPEM []byte

	mu       sync.Mutex
	leaves   [][]byte
	size     uint64
	inactive []shard
}

// shard is a frozen earlier tree of the log.
type shard struct {
	treeID int64
	leaves [][]byte
}

// SetInactiveShard adds a frozen shard (listed in inactiveShards) holding
// leaves, or replaces the leaves of the shard with that tree ID (a frozen
// shard that changes is a forked log).
func (f *FakeLog) SetInactiveShard(treeID int64, leaves [][]byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.inactive {
		if f.inactive[i].treeID == treeID {
			f.inactive[i].leaves = leaves
			return
		}
	}
	f.inactive = append(f.inactive, shard{treeID, leaves})
}

// NewFakeLog returns a fake log with a fresh key.
func NewFakeLog(hostname string, treeID int64) (*FakeLog, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	s, err := signature.LoadECDSASignerVerifier(k, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	pem, err := cryptoutils.MarshalPublicKeyToPEM(k.Public())
	if err != nil {
		return nil, err
	}
	return &FakeLog{Hostname: hostname, TreeID: treeID, signer: s, pubPEM: pem}, nil
}

// PublicKeyPEM returns the log key.
func (f *FakeLog) PublicKeyPEM() []byte { return f.pubPEM }

// SetHistory replaces the log's leaves (a different history under the same
// tree ID forks the log) and serves its first size leaves (smaller than
// before rolls it back).
func (f *FakeLog) SetHistory(leaves [][]byte, size uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.leaves, f.size = leaves, min(size, uint64(len(leaves)))
}

// History returns n leaves named prefix-0 … prefix-(n-1).
func History(prefix string, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(fmt.Sprintf("%s-%d", prefix, i))
	}
	return out
}

func (f *FakeLog) tree() (*testonly.Tree, uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := testonly.New(rfc6962.DefaultHasher)
	t.AppendData(f.leaves[:f.size]...)
	return t, f.size
}

// shardTree returns the tree of an inactive shard, or nil.
func (f *FakeLog) shardTree(treeID string) (*testonly.Tree, uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.inactive {
		if strconv.FormatInt(s.treeID, 10) == treeID {
			t := testonly.New(rfc6962.DefaultHasher)
			t.AppendData(s.leaves...)
			return t, uint64(len(s.leaves))
		}
	}
	return nil, 0
}

func (f *FakeLog) info(treeID int64, t *testonly.Tree, size uint64) (map[string]any, error) {
	root := t.HashAt(size)
	cp, err := util.CreateAndSignCheckpoint(context.Background(), f.Hostname, treeID, size, root, f.signer)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"rootHash":       hex.EncodeToString(root),
		"treeSize":       size,
		"signedTreeHead": string(cp),
		"treeID":         strconv.FormatInt(treeID, 10),
	}, nil
}

// ServeHTTP implements the three endpoints.
func (f *FakeLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t, size := f.tree()
	if id := r.URL.Query().Get("treeID"); id != "" && id != strconv.FormatInt(f.TreeID, 10) {
		if t, size = f.shardTree(id); t == nil {
			http.NotFound(w, r)
			return
		}
	}
	switch r.URL.Path {
	case "/api/v1/log":
		m, err := f.info(f.TreeID, t, size)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		f.mu.Lock()
		shards := append([]shard(nil), f.inactive...)
		f.mu.Unlock()
		var inactive []map[string]any
		for _, s := range shards {
			st := testonly.New(rfc6962.DefaultHasher)
			st.AppendData(s.leaves...)
			si, err := f.info(s.treeID, st, uint64(len(s.leaves)))
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			inactive = append(inactive, si)
		}
		if inactive != nil {
			m["inactiveShards"] = inactive
		}
		writeJSON(w, m)
	case "/api/v1/log/publicKey":
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(f.pubPEM)
	case "/api/v1/log/proof":
		first, err1 := strconv.ParseUint(r.URL.Query().Get("firstSize"), 10, 64)
		last, err2 := strconv.ParseUint(r.URL.Query().Get("lastSize"), 10, 64)
		if err1 != nil || err2 != nil || first > last || last > size {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"code":400,"message":"invalid sizes"}`))
			return
		}
		p, err := t.ConsistencyProof(first, last)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		hs := make([]string, len(p))
		for i := range p {
			hs[i] = hex.EncodeToString(p[i])
		}
		writeJSON(w, map[string]any{"hashes": hs, "rootHash": hex.EncodeToString(t.HashAt(last))})
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
