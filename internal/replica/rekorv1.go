package replica

// This file holds the transparency logs of the replica: a two-shard Rekor
// v1 log front (StartRekorV1Sharded) shaped like rekor.sigstore.dev, and a
// Rekor v2 tlog-tiles log (StartRekorV2).

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	cjson "github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/sigstore/rekor/pkg/util"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/provscope/provscope/rekor/server"
)

// RekorHostname is the checkpoint origin host of the replica's logs (the
// origin line reads "rekor.replica - <treeID>", as rekor.sigstore.dev's
// reads "rekor.sigstore.dev - <treeID>").
const RekorHostname = "rekor.replica"

// RekorV1 is a sharded Rekor v1 log on 127.0.0.1, shaped like
// rekor.sigstore.dev (see /work/shared/REKOR-CONTRACT.md and
// testdata/realworld/README.md):
//   - each shard is an embedded log (rekor/server) with its own tree ID,
//     used as Trillian is behind Rekor: it stores the entries and their
//     Merkle tree; the front signs, with one key for every shard as
//     production does (SETs and checkpoints are re-signed on every read,
//     as real Rekor does);
//   - GET /api/v1/log answers the active shard with the frozen ones in
//     inactiveShards, each with its signed checkpoint;
//   - an entry's logIndex, and the index its SET signs, is global: the
//     sizes of the shards before its own plus its index in its shard;
//     inclusionProof.logIndex stays the index in the shard's tree;
//   - entry IDs are the shard's 16-hex tree ID and the leaf hash: lookups
//     by ID go to the shard the prefix names (every shard for a bare
//     64-hex leaf hash), lookups by index to the shard holding it;
//     searches ask every shard; new entries go to the active shard;
//   - GET /api/v1/log/proof takes treeID to pick a shard (default: active).
//
// The shards' own keys sign nothing a client sees. Freeze ends the active
// shard and opens the next; HideInactive and SETOverLocalIndex are faults
// for tests that a client must catch.
type RekorV1 struct {
	// URL is the front's base URL (without /api/v1).
	URL string

	dir    string
	srv    *httptest.Server
	signer signature.Signer
	pubPEM []byte
	logID  string

	mu     sync.RWMutex
	shards []*shard // oldest first; the last is active

	hideInactive atomic.Bool
	setOverLocal atomic.Bool
}

// shard is one tree of the log.
type shard struct {
	log    *server.Log
	h      http.Handler
	treeID int64
	offset int64 // the global index of the shard's first entry
	// Set once the shard is frozen.
	frozen bool
	size   int64
	root   []byte
}

// StartRekorV1Sharded starts the front with one active shard, its
// databases under dir. Call Freeze to start the second shard.
func StartRekorV1Sharded(dir string) (*RekorV1, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating the log key: %w", err)
	}
	signer, err := signature.LoadECDSASigner(priv, crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("loading the log key: %w", err)
	}
	pubPEM, err := cryptoutils.MarshalPublicKeyToPEM(priv.Public())
	if err != nil {
		return nil, fmt.Errorf("encoding the log key: %w", err)
	}
	spki, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return nil, fmt.Errorf("encoding the log key: %w", err)
	}
	sum := sha256.Sum256(spki)
	r := &RekorV1{dir: dir, signer: signer, pubPEM: pubPEM, logID: hex.EncodeToString(sum[:])}
	if err := r.openShard(0); err != nil {
		return nil, err
	}
	r.srv = httptest.NewServer(r.handler())
	r.URL = r.srv.URL
	return r, nil
}

func (r *RekorV1) openShard(offset int64) error {
	n := len(r.shards)
	l, err := server.Open(context.Background(), server.Config{Dir: filepath.Join(r.dir, fmt.Sprintf("shard%d", n+1)), Hostname: RekorHostname})
	if err != nil {
		return fmt.Errorf("opening shard %d: %w", n+1, err)
	}
	r.shards = append(r.shards, &shard{log: l, h: l.Handler(), treeID: l.TreeID(), offset: offset})
	return nil
}

// PublicKeyPEM is the log key (every shard's), PEM-encoded.
func (r *RekorV1) PublicKeyPEM() []byte { return bytes.Clone(r.pubPEM) }

// TrustedRoot returns a Sigstore trusted_root.json (protobuf-specs
// TrustedRoot, as the TUF repository serves it) listing this log and its
// key, and no certificate authority: publish it with NewTUF to trust the
// log the way the public-good instance is trusted.
func (r *RekorV1) TrustedRoot() ([]byte, error) {
	der, err := cryptoutils.UnmarshalPEMToPublicKey(r.pubPEM)
	if err != nil {
		return nil, fmt.Errorf("reading the log key: %w", err)
	}
	spki, err := x509.MarshalPKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("encoding the log key: %w", err)
	}
	id, err := hex.DecodeString(r.logID)
	if err != nil {
		return nil, fmt.Errorf("decoding the log ID: %w", err)
	}
	type pk struct {
		RawBytes   []byte            `json:"rawBytes"`
		KeyDetails string            `json:"keyDetails"`
		ValidFor   map[string]string `json:"validFor"`
	}
	type tlog struct {
		BaseURL       string            `json:"baseUrl"`
		HashAlgorithm string            `json:"hashAlgorithm"`
		PublicKey     pk                `json:"publicKey"`
		LogID         map[string][]byte `json:"logId"`
	}
	doc := struct {
		MediaType              string `json:"mediaType"`
		Tlogs                  []tlog `json:"tlogs"`
		CertificateAuthorities []any  `json:"certificateAuthorities"`
		Ctlogs                 []any  `json:"ctlogs"`
		TimestampAuthorities   []any  `json:"timestampAuthorities"`
	}{
		MediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
		Tlogs: []tlog{{
			BaseURL: r.URL, HashAlgorithm: "SHA2_256",
			PublicKey: pk{RawBytes: spki, KeyDetails: "PKIX_ECDSA_P256_SHA_256", ValidFor: map[string]string{"start": "2020-01-01T00:00:00Z"}},
			LogID:     map[string][]byte{"keyId": id},
		}},
		CertificateAuthorities: []any{}, Ctlogs: []any{}, TimestampAuthorities: []any{},
	}
	return json.Marshal(doc)
}

// TreeIDs are the shards' tree IDs, oldest first.
func (r *RekorV1) TreeIDs() []int64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ids := make([]int64, len(r.shards))
	for i, s := range r.shards {
		ids[i] = s.treeID
	}
	return ids
}

// Freeze ends the active shard at its current size (it is listed in
// inactiveShards from now on) and opens a new active shard whose first
// entry takes the next global index.
func (r *RekorV1) Freeze() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	act := r.shards[len(r.shards)-1]
	var info models.LogInfo
	if err := getJSON(context.Background(), act.h, "/api/v1/log", &info); err != nil {
		return fmt.Errorf("freezing shard %d: %w", act.treeID, err)
	}
	if info.TreeSize == nil || info.RootHash == nil {
		return fmt.Errorf("freezing shard %d: log info lacks treeSize or rootHash", act.treeID)
	}
	root, err := hex.DecodeString(*info.RootHash)
	if err != nil {
		return fmt.Errorf("freezing shard %d: %w", act.treeID, err)
	}
	act.frozen, act.size, act.root = true, *info.TreeSize, root
	return r.openShard(act.offset + act.size)
}

// HideInactive makes GET /api/v1/log stop (or resume) listing the frozen
// shards: a log that drops a tree a client remembers.
func (r *RekorV1) HideInactive(hide bool) { r.hideInactive.Store(hide) }

// SETOverLocalIndex makes the front sign SETs over the shard-local index
// while the entries state their global one: a front that got the
// translation wrong. Only entries of shards after the first differ.
func (r *RekorV1) SETOverLocalIndex(broken bool) { r.setOverLocal.Store(broken) }

// Close stops the front and closes every shard.
func (r *RekorV1) Close() {
	r.srv.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.shards {
		_ = s.log.Close()
	}
}

func (r *RekorV1) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/log", r.getLogInfo)
	mux.HandleFunc("GET /api/v1/log/publicKey", r.getPublicKey)
	mux.HandleFunc("GET /api/v1/log/proof", r.getProof)
	mux.HandleFunc("POST /api/v1/log/entries", r.createEntry)
	mux.HandleFunc("GET /api/v1/log/entries", r.getEntryByIndex)
	mux.HandleFunc("GET /api/v1/log/entries/{id}", r.getEntryByID)
	mux.HandleFunc("POST /api/v1/log/entries/retrieve", r.retrieve)
	mux.HandleFunc("POST /api/v1/index/retrieve", r.searchIndex)
	return mux
}

// call serves one request on a shard in process.
func call(ctx context.Context, h http.Handler, method, target string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.RemoteAddr = "127.0.0.1:1"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func getJSON(ctx context.Context, h http.Handler, target string, v any) error {
	rec := call(ctx, h, http.MethodGet, target, nil)
	if rec.Code != http.StatusOK {
		return fmt.Errorf("GET %s: status %d: %s", target, rec.Code, rec.Body.Bytes())
	}
	return json.Unmarshal(rec.Body.Bytes(), v)
}

// relay copies a shard's answer as it is.
func relay(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func rekorError(w http.ResponseWriter, status int, msg string) {
	code := int64(status)
	writeJSON(w, status, &models.Error{Code: code, Message: msg})
}

// checkpoint signs the shard's checkpoint for (size, root) with the front key.
func (r *RekorV1) checkpoint(s *shard, size int64, root []byte) (string, error) {
	cp, err := util.CreateAndSignCheckpoint(context.Background(), RekorHostname, s.treeID, uint64(size), root, r.signer) //nolint:gosec // sizes are not negative
	if err != nil {
		return "", fmt.Errorf("signing a checkpoint: %w", err)
	}
	return string(cp), nil
}

func (r *RekorV1) getLogInfo(w http.ResponseWriter, req *http.Request) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	act := r.shards[len(r.shards)-1]
	var info models.LogInfo
	if err := getJSON(req.Context(), act.h, "/api/v1/log", &info); err != nil || info.TreeSize == nil || info.RootHash == nil {
		rekorError(w, http.StatusInternalServerError, "reading the active shard")
		return
	}
	root, err := hex.DecodeString(*info.RootHash)
	if err != nil {
		rekorError(w, http.StatusInternalServerError, "reading the active shard")
		return
	}
	sth, err := r.checkpoint(act, *info.TreeSize, root)
	if err != nil {
		rekorError(w, http.StatusInternalServerError, err.Error())
		return
	}
	info.SignedTreeHead = &sth
	if !r.hideInactive.Load() {
		for _, s := range r.shards[:len(r.shards)-1] {
			sth, err := r.checkpoint(s, s.size, s.root)
			if err != nil {
				rekorError(w, http.StatusInternalServerError, err.Error())
				return
			}
			size, rootHex, tid := s.size, hex.EncodeToString(s.root), strconv.FormatInt(s.treeID, 10)
			info.InactiveShards = append(info.InactiveShards, &models.InactiveShardLogInfo{RootHash: &rootHex, TreeSize: &size, SignedTreeHead: &sth, TreeID: &tid})
		}
	}
	writeJSON(w, http.StatusOK, &info)
}

func (r *RekorV1) getPublicKey(w http.ResponseWriter, req *http.Request) {
	if t := req.URL.Query().Get("treeID"); t != "" && r.shardByTreeID(t) == nil {
		rekorError(w, http.StatusBadRequest, fmt.Sprintf("tree ID %s not found", t))
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	_, _ = w.Write(r.pubPEM)
}

// shardByTreeID returns the shard with decimal tree ID t, or nil.
func (r *RekorV1) shardByTreeID(t string) *shard {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, s := range r.shards {
		if strconv.FormatInt(s.treeID, 10) == t {
			return s
		}
	}
	return nil
}

func (r *RekorV1) active() *shard {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.shards[len(r.shards)-1]
}

func (r *RekorV1) getProof(w http.ResponseWriter, req *http.Request) {
	s := r.active()
	if t := req.URL.Query().Get("treeID"); t != "" {
		if s = r.shardByTreeID(t); s == nil {
			rekorError(w, http.StatusBadRequest, fmt.Sprintf("tree ID %s not found", t))
			return
		}
	}
	relay(w, call(req.Context(), s.h, http.MethodGet, req.URL.RequestURI(), nil))
}

func (r *RekorV1) createEntry(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		rekorError(w, http.StatusBadRequest, "reading the request")
		return
	}
	// Holding the read lock keeps Freeze from ending the shard under the
	// entry: it lands in the shard it is numbered in.
	r.mu.RLock()
	act := r.shards[len(r.shards)-1]
	rec := call(req.Context(), act.h, http.MethodPost, "/api/v1/log/entries", body)
	r.mu.RUnlock()
	r.relayEntries(w, act, rec)
}

// relayEntries answers a shard's {id: entry} answer with its entries
// made global and signed by the front.
func (r *RekorV1) relayEntries(w http.ResponseWriter, s *shard, rec *httptest.ResponseRecorder) {
	if rec.Code != http.StatusOK && rec.Code != http.StatusCreated {
		relay(w, rec)
		return
	}
	var entries models.LogEntry
	if err := json.Unmarshal(rec.Body.Bytes(), &entries); err != nil {
		rekorError(w, http.StatusInternalServerError, "decoding a shard's entry")
		return
	}
	for id, e := range entries {
		if err := r.globalise(s, &e); err != nil {
			rekorError(w, http.StatusInternalServerError, err.Error())
			return
		}
		entries[id] = e
	}
	for _, k := range []string{"Location", "ETag"} {
		if v := rec.Header().Get(k); v != "" {
			w.Header().Set(k, v)
		}
	}
	writeJSON(w, rec.Code, entries)
}

// globalise turns a shard's entry into the front's: global logIndex, the
// front's logID, a SET over those and the checkpoint signed by the front.
// inclusionProof.logIndex stays local.
func (r *RekorV1) globalise(s *shard, e *models.LogEntryAnon) error {
	if e.LogIndex == nil || e.IntegratedTime == nil || e.Verification == nil || e.Verification.InclusionProof == nil {
		return errors.New("a shard's entry lacks logIndex, integratedTime or its inclusion proof")
	}
	local := *e.LogIndex
	global := s.offset + local
	logID := r.logID
	signed := global
	if r.setOverLocal.Load() {
		signed = local
	}
	payload, err := (&models.LogEntryAnon{Body: e.Body, IntegratedTime: e.IntegratedTime, LogID: &logID, LogIndex: &signed}).MarshalBinary()
	if err != nil {
		return fmt.Errorf("encoding the SET payload: %w", err)
	}
	canon, err := cjson.Transform(payload)
	if err != nil {
		return fmt.Errorf("canonicalising the SET payload: %w", err)
	}
	set, err := r.signer.SignMessage(bytes.NewReader(canon))
	if err != nil {
		return fmt.Errorf("signing the SET: %w", err)
	}
	ip := e.Verification.InclusionProof
	if ip.TreeSize == nil || ip.RootHash == nil {
		return errors.New("a shard's inclusion proof lacks treeSize or rootHash")
	}
	root, err := hex.DecodeString(*ip.RootHash)
	if err != nil {
		return fmt.Errorf("decoding a shard's root hash: %w", err)
	}
	cp, err := r.checkpoint(s, *ip.TreeSize, root)
	if err != nil {
		return err
	}
	e.LogIndex, e.LogID = &global, &logID
	e.Verification.SignedEntryTimestamp = set
	ip.Checkpoint = &cp
	return nil
}

// locate returns the shard holding global index g and g's index in it.
func (r *RekorV1) locate(g int64) (*shard, int64, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, s := range r.shards {
		size := s.size
		if !s.frozen {
			size = int64(s.log.Size()) //nolint:gosec // sizes fit int64
		}
		if g >= s.offset && g < s.offset+size {
			return s, g - s.offset, true
		}
	}
	return nil, 0, false
}

func (r *RekorV1) getEntryByIndex(w http.ResponseWriter, req *http.Request) {
	v := req.URL.Query().Get("logIndex")
	g, err := strconv.ParseInt(v, 10, 64)
	if err != nil || g < 0 {
		rekorError(w, http.StatusBadRequest, fmt.Sprintf("logIndex in query must be a non-negative int64: %q", v))
		return
	}
	s, local, ok := r.locate(g)
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	r.relayEntries(w, s, call(req.Context(), s.h, http.MethodGet, "/api/v1/log/entries?logIndex="+strconv.FormatInt(local, 10), nil))
}

// shardsForID returns the shards an entry ID may be in: the one its tree ID
// prefix names (80 hex), or all (64 hex).
func (r *RekorV1) shardsForID(id string) []*shard {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if len(id) != 80 {
		return append([]*shard(nil), r.shards...)
	}
	for _, s := range r.shards {
		if fmt.Sprintf("%016x", s.treeID) == id[:16] {
			return []*shard{s}
		}
	}
	return nil
}

func (r *RekorV1) getEntryByID(w http.ResponseWriter, req *http.Request) {
	id := req.PathValue("id")
	var last *httptest.ResponseRecorder
	for _, s := range r.shardsForID(id) {
		rec := call(req.Context(), s.h, http.MethodGet, "/api/v1/log/entries/"+url.PathEscape(id), nil)
		if rec.Code == http.StatusOK {
			r.relayEntries(w, s, rec)
			return
		}
		last = rec
	}
	if last != nil && last.Code != http.StatusNotFound {
		relay(w, last)
		return
	}
	w.WriteHeader(http.StatusNotFound)
}

// query is a SearchLogQuery with its proposed entries kept as raw JSON.
type query struct {
	EntryUUIDs []string          `json:"entryUUIDs,omitempty"`
	LogIndexes []*int64          `json:"logIndexes,omitempty"`
	Entries    []json.RawMessage `json:"entries,omitempty"`
}

func (r *RekorV1) retrieve(w http.ResponseWriter, req *http.Request) {
	var q query
	if err := json.NewDecoder(io.LimitReader(req.Body, 1<<20)).Decode(&q); err != nil {
		rekorError(w, http.StatusBadRequest, "decoding the query")
		return
	}
	if len(q.EntryUUIDs)+len(q.LogIndexes)+len(q.Entries) > 10 {
		rekorError(w, http.StatusUnprocessableEntity, "maximum number of search terms is 10")
		return
	}
	r.mu.RLock()
	shards := append([]*shard(nil), r.shards...)
	r.mu.RUnlock()
	per := map[*shard]*query{}
	ask := func(s *shard) *query {
		if per[s] == nil {
			per[s] = &query{}
		}
		return per[s]
	}
	for _, id := range q.EntryUUIDs {
		for _, s := range r.shardsForID(id) {
			ask(s).EntryUUIDs = append(ask(s).EntryUUIDs, id)
		}
	}
	for _, g := range q.LogIndexes {
		if g == nil {
			continue
		}
		if s, local, ok := r.locate(*g); ok {
			ask(s).LogIndexes = append(ask(s).LogIndexes, &local)
		}
	}
	if len(q.Entries) > 0 {
		for _, s := range shards {
			ask(s).Entries = q.Entries
		}
	}
	out := []models.LogEntry{}
	for _, s := range shards {
		sq := per[s]
		if sq == nil {
			continue
		}
		body, err := json.Marshal(sq)
		if err != nil {
			rekorError(w, http.StatusInternalServerError, err.Error())
			return
		}
		rec := call(req.Context(), s.h, http.MethodPost, "/api/v1/log/entries/retrieve", body)
		if rec.Code != http.StatusOK {
			relay(w, rec)
			return
		}
		var got []models.LogEntry
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			rekorError(w, http.StatusInternalServerError, "decoding a shard's entries")
			return
		}
		for _, m := range got {
			for id, e := range m {
				if err := r.globalise(s, &e); err != nil {
					rekorError(w, http.StatusInternalServerError, err.Error())
					return
				}
				m[id] = e
			}
			out = append(out, m)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (r *RekorV1) searchIndex(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		rekorError(w, http.StatusBadRequest, "reading the request")
		return
	}
	r.mu.RLock()
	shards := append([]*shard(nil), r.shards...)
	r.mu.RUnlock()
	out := []string{}
	seen := map[string]bool{}
	for _, s := range shards {
		rec := call(req.Context(), s.h, http.MethodPost, "/api/v1/index/retrieve", body)
		if rec.Code != http.StatusOK {
			relay(w, rec)
			return
		}
		var ids []string
		if err := json.Unmarshal(rec.Body.Bytes(), &ids); err != nil {
			rekorError(w, http.StatusInternalServerError, "decoding a shard's answer")
			return
		}
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// RekorV2 is a Rekor v2 log on 127.0.0.1: it serves the C2SP tlog-tiles
// read API (checkpoint, tile/L/N, tile/entries/N) under TilesURL and
// nothing else, as log2025-1.rekor.sigstore.dev does; provscope reads it as
// `--log tiles+TilesURL --log-key <PublicKeyPEM>`. Its entries are written
// through WriteURL (the embedded log's Rekor v1 API), so tests can sign into
// it with provscope sign or cosign.
type RekorV2 struct {
	// TilesURL is where the checkpoint and tiles are served (…/api/v2).
	TilesURL string
	// WriteURL takes new entries (POST /api/v1/log/entries).
	WriteURL string

	log         *server.Log
	tiles, sink *httptest.Server
}

// StartRekorV2 starts a tiles log whose database is under dir.
func StartRekorV2(dir string) (*RekorV2, error) {
	l, err := server.Open(context.Background(), server.Config{Dir: dir, Hostname: RekorHostname})
	if err != nil {
		return nil, fmt.Errorf("opening the tiles log: %w", err)
	}
	h := l.Handler()
	reads := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet || req.URL.Path != "/api/v2/checkpoint" && !strings.HasPrefix(req.URL.Path, "/api/v2/tile/") {
			http.NotFound(w, req)
			return
		}
		h.ServeHTTP(w, req)
	})
	r := &RekorV2{log: l, tiles: httptest.NewServer(reads), sink: httptest.NewServer(h)}
	r.TilesURL, r.WriteURL = r.tiles.URL+"/api/v2", r.sink.URL
	return r, nil
}

// PublicKeyPEM is the log's key, PEM-encoded; its checkpoints are signed
// notes under the origin Origin.
func (r *RekorV2) PublicKeyPEM() []byte { return r.log.PublicKeyPEM() }

// Origin is the checkpoint origin line.
func (r *RekorV2) Origin() string { return r.log.Origin() }

// Size is the number of entries.
func (r *RekorV2) Size() uint64 { return r.log.Size() }

// Close stops the servers and closes the log.
func (r *RekorV2) Close() {
	r.tiles.Close()
	r.sink.Close()
	_ = r.log.Close()
}
