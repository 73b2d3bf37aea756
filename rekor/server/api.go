package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	oaerrors "github.com/go-openapi/errors"
	oaruntime "github.com/go-openapi/runtime"
	"github.com/go-openapi/strfmt"
	"github.com/sigstore/rekor/pkg/generated/models"
	x509pki "github.com/sigstore/rekor/pkg/pki/x509"
	"github.com/sigstore/rekor/pkg/util"
)

// Rekor's fixed limit on one retrieve request.
const maxSearchQueries = 10

// maxBatch is the largest batch POST /api/v1/log/entries/batch accepts.
const maxBatch = 100

var entryIDPattern = regexp.MustCompile(`^([0-9a-fA-F]{64}|[0-9a-fA-F]{80})$`)

// Handler returns the whole HTTP API: Rekor v1 REST under /api/v1, the
// tlog-tiles read API under /api/v2, /healthz and the extensions listed in
// the package documentation.
func (l *Log) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/log", l.getLogInfo)
	mux.HandleFunc("GET /api/v1/log/publicKey", l.getPublicKey)
	mux.HandleFunc("GET /api/v1/log/proof", l.getProof)
	mux.HandleFunc("POST /api/v1/log/entries", l.createEntry)
	mux.HandleFunc("GET /api/v1/log/entries", l.getEntryByIndex)
	mux.HandleFunc("GET /api/v1/log/entries/{entryUUID}", l.getEntryByUUID)
	mux.HandleFunc("POST /api/v1/log/entries/retrieve", l.searchLogQuery)
	mux.HandleFunc("POST /api/v1/log/entries/batch", l.createBatch)
	mux.HandleFunc("POST /api/v1/index/retrieve", l.searchIndex)
	mux.HandleFunc("GET /api/v1/index/identities", l.getIdentities) // extension: identities.go
	mux.HandleFunc("GET /api/v1/version", l.getVersion)
	mux.HandleFunc("GET /api/v2/checkpoint", l.getCheckpoint)
	mux.HandleFunc("GET /api/v2/tile/", l.getTile)
	mux.HandleFunc("GET /healthz", l.healthz)
	return l.middleware(mux)
}

// middleware adds panic recovery, rate limiting, the body size limits and
// the in-flight body budget (limits.go).
func (l *Log) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.lastRequest.Store(time.Now().UnixNano())
		defer func() {
			if v := recover(); v != nil {
				l.log.Error("panic serving request", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				writeError(w, http.StatusInternalServerError, "internal error")
			}
		}()
		if wait, ok := l.limit.allow(clientKey(r)); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(wait))
			writeError(w, http.StatusTooManyRequests, "rate limit exceeded")
			return
		}
		release, ok := l.limitBody(w, r)
		if !ok {
			return
		}
		defer release()
		next.ServeHTTP(w, r)
	})
}

// writeError writes Rekor's error body, {"code":N,"message":"..."}. A 6xx
// go-openapi code is sent as HTTP 422, as go-swagger servers do.
func writeError(w http.ResponseWriter, code int, msg string) {
	status := code
	if status >= 600 {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, &models.Error{Code: int64(code), Message: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	writeEncoded(w, status, b, err)
}

// writeEntryJSON writes models.LogEntry{id: *e} (see appendEntryJSON).
func writeEntryJSON(w http.ResponseWriter, status int, id string, e *models.LogEntryAnon) {
	b, err := appendEntryJSON(make([]byte, 0, 4096), id, e)
	writeEncoded(w, status, b, err)
}

// writeEncoded writes the JSON b, or a 500 when encoding it failed.
func writeEncoded(w http.ResponseWriter, status int, b []byte, err error) {
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"code":500,"message":"encoding response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n')) //nolint:gosec // G705: JSON (escaped by the encoders) sent as application/json, not HTML
}

// bodyError maps a request body decoding error to Rekor's status code.
func bodyError(w http.ResponseWriter, err error) {
	var mbe *http.MaxBytesError
	var oa oaerrors.Error
	switch {
	case errors.As(err, &mbe):
		writeError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
	case errors.As(err, &oa):
		writeError(w, int(oa.Code()), oa.Error())
	case errors.Is(err, io.EOF):
		writeError(w, oaerrors.RequiredFailCode, "body in body is required")
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("parsing request body: %v", err))
	}
}

// entryID returns the 80-hex entry ID: 16 hex digits of the tree ID, then
// the leaf hash.
func (l *Log) entryID(leaf []byte) string {
	return fmt.Sprintf("%016x%s", l.treeID, hex.EncodeToString(leaf))
}

// readProposed decodes one proposed entry from a request body and checks it
// against the openapi schema, as Rekor's generated server does.
func readProposed(r io.Reader) (models.ProposedEntry, error) {
	pe, err := models.UnmarshalProposedEntry(r, oaruntime.JSONConsumer())
	if err != nil {
		return nil, err
	}
	if err := pe.Validate(strfmt.Default); err != nil {
		return nil, err
	}
	return pe, nil
}

func (l *Log) createEntry(w http.ResponseWriter, r *http.Request) {
	pe, err := readProposed(r.Body)
	if err != nil {
		bodyError(w, err)
		return
	}
	all, _ := l.submitEntries(r.Context(), []models.ProposedEntry{pe})
	res := all[0]
	switch res.status {
	case http.StatusCreated:
		w.Header().Set("Location", "/api/v1/log/entries/"+res.id)
		w.Header().Set("ETag", res.id)
		writeEntryJSON(w, http.StatusCreated, res.id, res.entry)
	case http.StatusConflict:
		w.Header().Set("Location", "/api/v1/log/entries/"+res.id)
		writeJSON(w, res.status, res.err)
	default:
		writeJSON(w, res.status, res.err)
	}
}

// errNotFound means no entry matches.
var errNotFound = errors.New("entry not found")

// entryByIndex reads entry index and builds its response.
func (l *Log) entryByIndex(ctx context.Context, s *snapshot, index uint64) (string, *models.LogEntryAnon, error) {
	if index >= s.size {
		return "", nil, errNotFound
	}
	t, body, set, err := l.db.entry(ctx, index)
	if err != nil {
		return "", nil, err
	}
	body, err = l.codec.decode(body)
	if err != nil {
		return "", nil, fmt.Errorf("reading entry %d: %w", index, err)
	}
	// The body must be the leaf the (verified) tree holds at index.
	leaf := hasher.HashLeaf(body)
	inTree, err := l.leafAt(ctx, s, index)
	if err != nil {
		return "", nil, err
	}
	if !bytes.Equal(leaf, inTree) {
		return "", nil, &DamageError{Begin: index, End: index + 1, Reason: "stored body does not hash to the tree's leaf"}
	}
	verify := !l.setsOK.has(index)
	e, err := l.logEntry(ctx, s, index, t, body, set, verify)
	if err != nil {
		return "", nil, err
	}
	if verify {
		l.setsOK.add(index)
	}
	return l.entryID(leaf), e, nil
}

// entryByLeaf finds the entry with leaf hash leaf.
func (l *Log) entryByLeaf(ctx context.Context, s *snapshot, leaf []byte) (string, *models.LogEntryAnon, error) {
	idx, found, err := l.db.leafIndex(ctx, leaf)
	if err != nil {
		return "", nil, err
	}
	if !found {
		return "", nil, errNotFound
	}
	id, e, err := l.entryByIndex(ctx, s, idx)
	if err == nil && !strings.HasSuffix(id, hex.EncodeToString(leaf)) {
		return "", nil, &DamageError{Begin: idx, End: idx + 1, Reason: fmt.Sprintf("the leaf index maps leaf %x to an entry with another leaf", leaf)}
	}
	return id, e, err
}

func (l *Log) getEntryByIndex(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("logIndex")
	if q == "" {
		writeError(w, oaerrors.RequiredFailCode, "logIndex in query is required")
		return
	}
	idx, err := strconv.ParseInt(q, 10, 64)
	if err != nil {
		writeError(w, oaerrors.InvalidTypeCode, fmt.Sprintf("logIndex in query must be of type int64: %q", q))
		return
	}
	if idx < 0 {
		writeError(w, oaerrors.MinFailCode, "logIndex in query should be greater than or equal to 0")
		return
	}
	id, e, err := l.entryByIndex(r.Context(), l.state.Load(), uint64(idx))
	l.writeEntry(w, id, e, err)
}

func (l *Log) writeEntry(w http.ResponseWriter, id string, e *models.LogEntryAnon, err error) {
	switch {
	case errors.Is(err, errNotFound):
		w.WriteHeader(http.StatusNotFound)
	case err != nil:
		l.log.Error("reading entry", "err", err)
		var de *DamageError
		if errors.As(err, &de) {
			writeError(w, http.StatusInternalServerError, "log storage damaged: "+de.Error())
			return
		}
		writeError(w, http.StatusInternalServerError, "unexpected result from transparency log")
	default:
		writeEntryJSON(w, http.StatusOK, id, e)
	}
}

// parseEntryID splits a 64- or 80-hex entry ID into its leaf hash, checking
// the tree ID part. ok is false when the tree ID names another tree.
func (l *Log) parseEntryID(id string) (leaf []byte, ok bool) {
	if len(id) == 80 {
		tid, err := strconv.ParseUint(id[:16], 16, 64)
		if err != nil || int64(tid) != l.treeID { //nolint:gosec // compared bit for bit
			return nil, false
		}
		id = id[16:]
	}
	leaf, err := hex.DecodeString(id)
	return leaf, err == nil
}

func (l *Log) getEntryByUUID(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("entryUUID")
	if !entryIDPattern.MatchString(id) {
		writeError(w, oaerrors.PatternFailCode, "entryUUID in path should match '^([0-9a-fA-F]{64}|[0-9a-fA-F]{80})$'")
		return
	}
	leaf, ok := l.parseEntryID(id)
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	eid, e, err := l.entryByLeaf(r.Context(), l.state.Load(), leaf)
	l.writeEntry(w, eid, e, err)
}

func (l *Log) searchLogQuery(w http.ResponseWriter, r *http.Request) {
	var q models.SearchLogQuery
	if err := json.NewDecoder(r.Body).Decode(&q); err != nil {
		bodyError(w, err)
		return
	}
	if err := q.Validate(strfmt.Default); err != nil {
		bodyError(w, err)
		return
	}
	if n := len(q.EntryUUIDs) + len(q.Entries()) + len(q.LogIndexes); n > maxSearchQueries {
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("more than max allowed %d entries in request", maxSearchQueries))
		return
	}
	ctx := r.Context()
	s := l.state.Load()
	out := []models.LogEntry{}
	add := func(id string, e *models.LogEntryAnon, err error) bool {
		switch {
		case errors.Is(err, errNotFound):
		case err != nil:
			l.log.Error("retrieving entry", "err", err)
			writeError(w, http.StatusInternalServerError, "unexpected result from transparency log")
			return false
		default:
			out = append(out, models.LogEntry{id: *e})
		}
		return true
	}
	var leaves [][]byte
	for _, id := range q.EntryUUIDs {
		if !entryIDPattern.MatchString(id) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid uuid %s", id))
			return
		}
		leaf, ok := l.parseEntryID(id)
		if !ok {
			continue // another tree: not found
		}
		leaves = append(leaves, leaf)
	}
	for _, pe := range q.Entries() {
		p, err := canonicalize(ctx, pe, false)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		leaves = append(leaves, p.leaf)
	}
	for _, leaf := range leaves {
		if !add(l.entryByLeaf(ctx, s, leaf)) {
			return
		}
	}
	for _, idx := range q.LogIndexes {
		if idx == nil || *idx < 0 {
			continue
		}
		if !add(l.entryByIndex(ctx, s, uint64(*idx))) {
			return
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (l *Log) searchIndex(w http.ResponseWriter, r *http.Request) {
	var q models.SearchIndex
	if err := json.NewDecoder(r.Body).Decode(&q); err != nil {
		bodyError(w, err)
		return
	}
	if err := q.Validate(strfmt.Default); err != nil {
		bodyError(w, err)
		return
	}
	op := q.Operator
	if op == "" {
		op = "or"
	}
	var keys []string
	if q.Hash != "" {
		keys = append(keys, strings.ToLower(util.PrefixSHA(q.Hash)))
	}
	if q.PublicKey != nil {
		if f := q.PublicKey.Format; f != nil && *f != models.SearchIndexPublicKeyFormatX509 {
			writeError(w, http.StatusBadRequest, "the PKI format requested is not supported by this server")
			return
		}
		key, err := x509pki.NewPublicKey(bytes.NewReader(q.PublicKey.Content))
		if err != nil {
			writeError(w, http.StatusBadRequest, "public key provided could not be parsed")
			return
		}
		canon, err := key.CanonicalValue()
		if err != nil {
			writeError(w, http.StatusInternalServerError, "error generating canonicalized public key")
			return
		}
		sum := sha256.Sum256(canon)
		keys = append(keys, hex.EncodeToString(sum[:]))
	}
	if q.Email != "" {
		keys = append(keys, strings.ToLower(q.Email.String()))
	}
	if q.Subject != "" {
		keys = append(keys, strings.ToLower(q.Subject))
	}
	ctx := r.Context()
	s := l.state.Load()
	var result map[uint64]bool
	for i, k := range keys {
		set, err := l.lookupKey(ctx, s, k)
		if err != nil {
			l.log.Error("searching index", "err", err)
			writeError(w, http.StatusInternalServerError, "unexpected result from searching index")
			return
		}
		switch {
		case i == 0:
			result = set
		case op == "and":
			for idx := range result {
				if !set[idx] {
					delete(result, idx)
				}
			}
		default:
			for idx := range set {
				result[idx] = true
			}
		}
	}
	ids := []string{}
	for _, idx := range slices.Sorted(maps.Keys(result)) {
		leaf, err := l.leafAt(ctx, s, idx)
		if err != nil {
			l.log.Error("searching index", "err", err)
			writeError(w, http.StatusInternalServerError, "unexpected result from searching index")
			return
		}
		ids = append(ids, l.entryID(leaf))
	}
	writeJSON(w, http.StatusOK, ids)
}

// lookupKey returns the indices of entries indexed under key, up to the
// snapshot size.
func (l *Log) lookupKey(ctx context.Context, s *snapshot, key string) (map[uint64]bool, error) {
	return l.db.keyIndices(ctx, indexKeyHash(key), s.size)
}

// leafAt returns the leaf hash of entry index from the level-0 tiles.
func (l *Log) leafAt(ctx context.Context, s *snapshot, index uint64) ([]byte, error) {
	t, err := l.readTile(ctx, s, 0, index/tileWidth)
	if err != nil {
		return nil, err
	}
	off := (index % tileWidth) * hashSize
	if uint64(len(t)) < off+hashSize {
		return nil, fmt.Errorf("%w: leaf %d", errNodeMissing, index)
	}
	return t[off : off+hashSize], nil
}

func (l *Log) getLogInfo(w http.ResponseWriter, r *http.Request) {
	s := l.state.Load()
	root := hex.EncodeToString(s.root)
	size := int64(s.size) //nolint:gosec // sizes fit int64
	cp := string(s.checkpoint)
	tid := strconv.FormatInt(l.treeID, 10)
	writeJSON(w, http.StatusOK, &models.LogInfo{RootHash: &root, TreeSize: &size, SignedTreeHead: &cp, TreeID: &tid})
}

func (l *Log) getPublicKey(w http.ResponseWriter, r *http.Request) {
	if t := r.URL.Query().Get("treeID"); t != "" && t != strconv.FormatInt(l.treeID, 10) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("tree ID %s not found", t))
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	_, _ = w.Write(l.pubPEM)
}

func (l *Log) getProof(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	first, last := int64(1), int64(0)
	if v := q.Get("firstSize"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeError(w, oaerrors.InvalidTypeCode, fmt.Sprintf("firstSize in query must be of type int64: %q", v))
			return
		}
		first = n
	}
	v := q.Get("lastSize")
	if v == "" {
		writeError(w, oaerrors.RequiredFailCode, "lastSize in query is required")
		return
	}
	last, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		writeError(w, oaerrors.InvalidTypeCode, fmt.Sprintf("lastSize in query must be of type int64: %q", v))
		return
	}
	if first < 1 {
		writeError(w, oaerrors.MinFailCode, "firstSize in query should be greater than or equal to 1")
		return
	}
	if last < 1 {
		writeError(w, oaerrors.MinFailCode, "lastSize in query should be greater than or equal to 1")
		return
	}
	if t := q.Get("treeID"); t != "" && t != strconv.FormatInt(l.treeID, 10) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("tree ID %s not found", t))
		return
	}
	if first > last {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("firstSize(%d) must be less than lastSize(%d)", first, last))
		return
	}
	s := l.state.Load()
	if uint64(last) > s.size {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("the tree size requested(%d) was greater than what is currently observable(%d)", last, s.size))
		return
	}
	ctx := r.Context()
	hashes, err := l.consistencyProof(ctx, s, uint64(first), uint64(last))
	if err != nil {
		l.log.Error("building consistency proof", "err", err)
		writeError(w, http.StatusInternalServerError, "unexpected result from transparency log")
		return
	}
	root, err := l.rootAt(ctx, s, uint64(last))
	if err != nil {
		l.log.Error("computing root", "err", err)
		writeError(w, http.StatusInternalServerError, "unexpected result from transparency log")
		return
	}
	hx := make([]string, len(hashes))
	for i, h := range hashes {
		hx[i] = hex.EncodeToString(h)
	}
	rh := hex.EncodeToString(root)
	writeJSON(w, http.StatusOK, &models.ConsistencyProof{RootHash: &rh, Hashes: hx})
}

func (l *Log) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "treeSize": l.state.Load().size})
}

func (l *Log) getVersion(w http.ResponseWriter, _ *http.Request) {
	v := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	writeJSON(w, http.StatusOK, map[string]string{"version": "provscope-" + v, "apiCompatibility": "rekor v1.5.4"})
}
