// Package client fetches from transparency logs: the Rekor v1 REST API
// (https://github.com/sigstore/rekor/blob/v1.5.4/openapi.yaml) through
// sigstore/rekor's generated client, and C2SP tlog-tiles logs
// (https://c2sp.org/tlog-tiles) such as Rekor v2.
//
// It only fetches and parses, converting responses to provscope's model
// types. Verifying what a log returns (signatures, SETs, inclusion and
// consistency proofs, checkpoints) is out of scope here: proof/ decides trust.
//
// Every request has a timeout, responses are read up to a size limit, and
// 429 and 5xx answers are retried with exponential backoff (honouring
// Retry-After).
package client

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-openapi/runtime"
	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	gen "github.com/sigstore/rekor/pkg/generated/client"
	"github.com/sigstore/rekor/pkg/generated/client/entries"
	"github.com/sigstore/rekor/pkg/generated/client/index"
	"github.com/sigstore/rekor/pkg/generated/client/pubkey"
	"github.com/sigstore/rekor/pkg/generated/client/tlog"
	"github.com/sigstore/rekor/pkg/generated/models"

	"github.com/provscope/provscope/model"
)

// Defaults used when a Config field is zero.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultMaxRetries       = 3
	DefaultMaxResponseBytes = 32 << 20
	// MaxRetrieveBatch is the most entries Rekor returns per retrieve
	// request (more gives 422).
	MaxRetrieveBatch = 10
)

// Config says how to reach a Rekor v1 log.
type Config struct {
	// URL is the log's base URL, such as https://rekor.sigstore.dev.
	URL string
	// HTTPClient is used for every request; nil means a new client. Its
	// Transport is wrapped with retries and size limits.
	HTTPClient *http.Client
	// Timeout bounds each request (retries included); 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxRetries is how often a 429 or 5xx is retried; 0 means
	// DefaultMaxRetries, negative means never.
	MaxRetries int
	// RetryWait is the first backoff; 0 means 250ms. Backoff doubles up to 10s.
	RetryWait time.Duration
	// MaxResponseBytes caps every response body; 0 means
	// DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// UserAgent is sent with every request when set.
	UserAgent string
}

// Client talks to one Rekor v1 log. It is safe for concurrent use.
type Client struct {
	url     string
	timeout time.Duration
	rekor   *gen.Rekor
}

// New returns a client for cfg.URL.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	if err != nil {
		return nil, fmt.Errorf("parsing log url %q: %w", cfg.URL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("log url %q: want http(s)://host[/path]", cfg.URL)
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	rt := &retryTransport{
		base:       base,
		maxRetries: cfg.MaxRetries,
		minWait:    cfg.RetryWait,
		maxWait:    10 * time.Second,
		maxBody:    cfg.MaxResponseBytes,
		userAgent:  cfg.UserAgent,
	}
	if rt.maxRetries == 0 {
		rt.maxRetries = DefaultMaxRetries
	}
	if rt.maxRetries < 0 {
		rt.maxRetries = 0
	}
	if rt.minWait <= 0 {
		rt.minWait = 250 * time.Millisecond
	}
	if rt.maxBody <= 0 {
		rt.maxBody = DefaultMaxResponseBytes
	}
	hc.Transport = rt
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	basePath := u.Path + gen.DefaultBasePath
	if basePath == "" {
		basePath = "/"
	}
	tr := httptransport.NewWithClient(u.Host, basePath, []string{u.Scheme}, hc)
	tr.Consumers["application/json"] = runtime.JSONConsumer()
	tr.Consumers["application/x-pem-file"] = runtime.TextConsumer()
	tr.Consumers["text/plain"] = runtime.TextConsumer()
	tr.Producers["application/json"] = runtime.JSONProducer()
	return &Client{url: u.String(), timeout: timeout, rekor: gen.New(tr, strfmt.NewFormats())}, nil
}

// URL returns the log's base URL.
func (c *Client) URL() string { return c.url }

func (c *Client) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.timeout)
}

// ErrNotFound is returned (wrapped) when the log has no such entry.
var ErrNotFound = errors.New("not found in the log")

// HTTPError is a non-success answer from the log.
type HTTPError struct {
	// Op names the request, such as "getting entry 42".
	Op     string
	Status int
	// Message is the log's error message, when it sent one.
	Message string
}

func (e *HTTPError) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("%s: status %d: %s", e.Op, e.Status, e.Message)
	}
	return fmt.Sprintf("%s: status %d", e.Op, e.Status)
}

// Is makes errors.Is(err, ErrNotFound) true for a 404.
func (e *HTTPError) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// apiErr turns an error from the generated client into an *HTTPError when it
// carries a status code, and wraps it with op otherwise.
func apiErr(op string, err error) error {
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		he := &HTTPError{Op: op, Status: coded.Code()}
		if p, ok := payloadOf(err); ok && p != nil {
			he.Message = p.Message
		}
		return he
	}
	var ae *runtime.APIError
	if errors.As(err, &ae) {
		return &HTTPError{Op: op, Status: ae.Code}
	}
	return fmt.Errorf("%s: %w", op, err)
}

func payloadOf(err error) (*models.Error, bool) {
	var p interface{ GetPayload() *models.Error }
	if errors.As(err, &p) {
		return p.GetPayload(), true
	}
	return nil, false
}

// LogInfo fetches the log's current state (GET /api/v1/log), including its
// inactive shards.
func (c *Client) LogInfo(ctx context.Context) (*model.LogInfo, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := c.rekor.Tlog.GetLogInfoContext(ctx, tlog.NewGetLogInfoParams())
	if err != nil {
		return nil, apiErr("getting log info", err)
	}
	p := resp.Payload
	if p == nil || p.TreeSize == nil || p.RootHash == nil || p.SignedTreeHead == nil {
		return nil, errors.New("getting log info: response lacks treeSize, rootHash or signedTreeHead")
	}
	info, err := logInfo(deref(p.TreeID), *p.TreeSize, *p.RootHash, *p.SignedTreeHead)
	if err != nil {
		return nil, fmt.Errorf("getting log info: %w", err)
	}
	for i, s := range p.InactiveShards {
		if s == nil || s.TreeSize == nil || s.RootHash == nil || s.SignedTreeHead == nil {
			return nil, fmt.Errorf("getting log info: inactive shard %d lacks treeSize, rootHash or signedTreeHead", i)
		}
		si, err := logInfo(deref(s.TreeID), *s.TreeSize, *s.RootHash, *s.SignedTreeHead)
		if err != nil {
			return nil, fmt.Errorf("getting log info: inactive shard %d: %w", i, err)
		}
		info.InactiveShards = append(info.InactiveShards, *si)
	}
	return info, nil
}

func logInfo(treeID string, size int64, rootHex, sth string) (*model.LogInfo, error) {
	if size < 0 {
		return nil, fmt.Errorf("negative tree size %d", size)
	}
	root, err := hex.DecodeString(rootHex)
	if err != nil {
		return nil, fmt.Errorf("decoding root hash %q: %w", rootHex, err)
	}
	return &model.LogInfo{TreeID: treeID, TreeSize: size, RootHash: root, SignedTreeHead: sth}, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// PublicKey fetches the log's public key as PEM (GET /api/v1/log/publicKey).
// treeID selects a shard; "" means the active one.
func (c *Client) PublicKey(ctx context.Context, treeID string) ([]byte, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	params := pubkey.NewGetPublicKeyParams()
	if treeID != "" {
		params.TreeID = &treeID
	}
	resp, err := c.rekor.Pubkey.GetPublicKeyContext(ctx, params)
	if err != nil {
		return nil, apiErr("getting log public key", err)
	}
	if !strings.Contains(resp.Payload, "-----BEGIN") {
		return nil, errors.New("getting log public key: response is not PEM")
	}
	return []byte(resp.Payload), nil
}

// ConsistencyProof fetches the proof that the tree of size first is a prefix
// of the tree of size last (GET /api/v1/log/proof). treeID selects a shard; ""
// means the active one. The returned hashes are untrusted until proof/
// verifies them against two signed checkpoints; the response's own rootHash
// is deliberately not returned (clients must take roots from checkpoints).
func (c *Client) ConsistencyProof(ctx context.Context, first, last int64, treeID string) ([][]byte, error) {
	if first < 1 || last < first {
		return nil, fmt.Errorf("consistency proof from size %d to %d: want 1 <= first <= last", first, last)
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	params := tlog.NewGetLogProofParams()
	params.FirstSize = &first
	params.LastSize = last
	if treeID != "" {
		params.TreeID = &treeID
	}
	resp, err := c.rekor.Tlog.GetLogProofContext(ctx, params)
	if err != nil {
		return nil, apiErr(fmt.Sprintf("getting consistency proof %d..%d", first, last), err)
	}
	if resp.Payload == nil {
		return nil, errors.New("getting consistency proof: empty response")
	}
	hashes, err := decodeHashes(resp.Payload.Hashes)
	if err != nil {
		return nil, fmt.Errorf("getting consistency proof: %w", err)
	}
	return hashes, nil
}

func decodeHashes(in []string) ([][]byte, error) {
	out := make([][]byte, 0, len(in))
	for i, h := range in {
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil, fmt.Errorf("decoding hash %d %q: %w", i, h, err)
		}
		if len(b) != 32 {
			return nil, fmt.Errorf("hash %d is %d bytes, want 32", i, len(b))
		}
		out = append(out, b)
	}
	return out, nil
}

// EntryByIndex fetches the entry at global log index idx
// (GET /api/v1/log/entries?logIndex=N).
func (c *Client) EntryByIndex(ctx context.Context, idx int64) (*model.LogEntry, error) {
	if idx < 0 {
		return nil, fmt.Errorf("log index %d: want >= 0", idx)
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	params := entries.NewGetLogEntryByIndexParams()
	params.LogIndex = idx
	resp, err := c.rekor.Entries.GetLogEntryByIndexContext(ctx, params)
	if err != nil {
		return nil, apiErr(fmt.Sprintf("getting entry at index %d", idx), err)
	}
	es, err := convertEntries(resp.Payload)
	if err != nil {
		return nil, fmt.Errorf("getting entry at index %d: %w", idx, err)
	}
	if len(es) != 1 {
		return nil, fmt.Errorf("getting entry at index %d: got %d entries, want 1", idx, len(es))
	}
	return &es[0], nil
}

// ValidUUID reports whether s is an entry UUID: 64 hex digits (leaf hash) or
// 80 (tree ID + leaf hash).
func ValidUUID(s string) bool {
	if len(s) != 64 && len(s) != 80 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// EntryByUUID fetches an entry by its 64- or 80-hex ID
// (GET /api/v1/log/entries/{uuid}).
func (c *Client) EntryByUUID(ctx context.Context, uuid string) (*model.LogEntry, error) {
	uuid = strings.ToLower(strings.TrimSpace(uuid))
	if !ValidUUID(uuid) {
		return nil, fmt.Errorf("entry uuid %q: want 64 or 80 hex digits", uuid)
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	params := entries.NewGetLogEntryByUUIDParams()
	params.EntryUUID = uuid
	resp, err := c.rekor.Entries.GetLogEntryByUUIDContext(ctx, params)
	if err != nil {
		return nil, apiErr("getting entry "+uuid, err)
	}
	es, err := convertEntries(resp.Payload)
	if err != nil {
		return nil, fmt.Errorf("getting entry %s: %w", uuid, err)
	}
	if len(es) != 1 {
		return nil, fmt.Errorf("getting entry %s: got %d entries, want 1", uuid, len(es))
	}
	return &es[0], nil
}

// Retrieve fetches the entries with the given UUIDs and global log indices
// (POST /api/v1/log/entries/retrieve), MaxRetrieveBatch per request, in
// order of the requests. Entries the log does not know are absent from the
// result.
func (c *Client) Retrieve(ctx context.Context, uuids []string, indexes []int64) ([]model.LogEntry, error) {
	var out []model.LogEntry
	for start := 0; start < len(uuids); start += MaxRetrieveBatch {
		batch := uuids[start:min(start+MaxRetrieveBatch, len(uuids))]
		for _, u := range batch {
			if !ValidUUID(u) {
				return nil, fmt.Errorf("entry uuid %q: want 64 or 80 hex digits", u)
			}
		}
		es, err := c.retrieve(ctx, &models.SearchLogQuery{EntryUUIDs: batch})
		if err != nil {
			return nil, err
		}
		out = append(out, es...)
	}
	for start := 0; start < len(indexes); start += MaxRetrieveBatch {
		batch := indexes[start:min(start+MaxRetrieveBatch, len(indexes))]
		ptrs := make([]*int64, len(batch))
		for i := range batch {
			if batch[i] < 0 {
				return nil, fmt.Errorf("log index %d: want >= 0", batch[i])
			}
			ptrs[i] = &batch[i]
		}
		es, err := c.retrieve(ctx, &models.SearchLogQuery{LogIndexes: ptrs})
		if err != nil {
			return nil, err
		}
		out = append(out, es...)
	}
	return out, nil
}

// RetrieveProposed asks the log for the entry it would store for a proposed
// entry (POST /api/v1/log/entries/retrieve with "entries"): the log
// canonicalises it and looks it up by leaf hash. An empty result means the
// log has no such entry.
func (c *Client) RetrieveProposed(ctx context.Context, proposed models.ProposedEntry) ([]model.LogEntry, error) {
	q := &models.SearchLogQuery{}
	q.SetEntries([]models.ProposedEntry{proposed})
	return c.retrieve(ctx, q)
}

func (c *Client) retrieve(ctx context.Context, q *models.SearchLogQuery) ([]model.LogEntry, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	params := entries.NewSearchLogQueryParams()
	params.Entry = q
	resp, err := c.rekor.Entries.SearchLogQueryContext(ctx, params)
	if err != nil {
		return nil, apiErr("retrieving entries", err)
	}
	var out []model.LogEntry
	for _, le := range resp.Payload {
		es, err := convertEntries(le)
		if err != nil {
			return nil, fmt.Errorf("retrieving entries: %w", err)
		}
		out = append(out, es...)
	}
	return out, nil
}

// Operator combines search criteria.
type Operator string

// The operators Rekor's index search accepts.
const (
	OperatorOr  Operator = "or"
	OperatorAnd Operator = "and"
)

// SearchQuery selects entries through the log's index
// (POST /api/v1/index/retrieve). At least one criterion must be set.
type SearchQuery struct {
	// Hash is "sha256:<hex>" (a bare 64-hex digest is accepted too).
	Hash string
	// PublicKey is the key's bytes and PublicKeyFormat its format: "x509"
	// (PEM public key or certificate), "ssh", "pgp", "minisign", "tuf".
	PublicKey       []byte
	PublicKeyFormat string
	Email           string
	Subject         string
	// Operator is OperatorOr (the log's default) or OperatorAnd.
	Operator Operator
}

// Search returns the UUIDs of the entries matching q, sorted and without
// duplicates. Rekor returns them all in one answer; fetch the entries with
// Retrieve, which pages them.
func (c *Client) Search(ctx context.Context, q SearchQuery) ([]string, error) {
	si := &models.SearchIndex{Subject: q.Subject, Email: strfmt.Email(q.Email), Operator: string(q.Operator)}
	if q.Hash != "" {
		h := strings.ToLower(q.Hash)
		if !strings.Contains(h, ":") {
			h = "sha256:" + h
		}
		alg, hexd, _ := strings.Cut(h, ":")
		if b, err := hex.DecodeString(hexd); err != nil || (alg == "sha256" && len(b) != 32) {
			return nil, fmt.Errorf("search hash %q: want sha256:<64 hex digits>", q.Hash)
		}
		si.Hash = h
	}
	if len(q.PublicKey) > 0 {
		format := q.PublicKeyFormat
		if format == "" {
			format = models.SearchIndexPublicKeyFormatX509
		}
		si.PublicKey = &models.SearchIndexPublicKey{Content: strfmt.Base64(q.PublicKey), Format: &format}
	}
	if si.Hash == "" && si.PublicKey == nil && si.Email == "" && si.Subject == "" {
		return nil, errors.New("search: want at least one of hash, public key, email, subject")
	}
	switch q.Operator {
	case "", OperatorOr, OperatorAnd:
	default:
		return nil, fmt.Errorf("search operator %q: want and or or", q.Operator)
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	params := index.NewSearchIndexParams()
	params.Query = si
	resp, err := c.rekor.Index.SearchIndexContext(ctx, params)
	if err != nil {
		return nil, apiErr("searching the index", err)
	}
	seen := make(map[string]bool, len(resp.Payload))
	out := make([]string, 0, len(resp.Payload))
	for _, u := range resp.Payload {
		u = strings.ToLower(u)
		if !ValidUUID(u) {
			return nil, fmt.Errorf("searching the index: malformed uuid %q in response", u)
		}
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Upload submits a proposed entry (POST /api/v1/log/entries). When the log
// already holds it (409), the existing entry is fetched and returned with
// existed set.
func (c *Client) Upload(ctx context.Context, proposed models.ProposedEntry) (entry *model.LogEntry, existed bool, err error) {
	uuid, anon, existed, err := c.UploadAnon(ctx, proposed)
	if err != nil {
		return nil, existed, err
	}
	e, err := ConvertEntry(uuid, *anon)
	if err != nil {
		return nil, existed, fmt.Errorf("uploading entry: %w", err)
	}
	return e, existed, nil
}

// UploadAnon is Upload returning the log's own response object (for
// writers that embed it, such as cosign's bundle annotation).
func (c *Client) UploadAnon(ctx context.Context, proposed models.ProposedEntry) (uuid string, entry *models.LogEntryAnon, existed bool, err error) {
	ctx2, cancel := c.ctx(ctx)
	defer cancel()
	params := entries.NewCreateLogEntryParams()
	params.ProposedEntry = proposed
	resp, err := c.rekor.Entries.CreateLogEntryContext(ctx2, params)
	var m models.LogEntry
	switch err {
	case nil:
		m = resp.Payload
	default:
		var conflict *entries.CreateLogEntryConflict
		if !errors.As(err, &conflict) || conflict.Location == "" {
			return "", nil, false, apiErr("uploading entry", err)
		}
		existed = true
		loc := string(conflict.Location)
		id := strings.ToLower(loc[strings.LastIndex(loc, "/")+1:])
		if !ValidUUID(id) {
			return "", nil, true, fmt.Errorf("uploading entry: conflict location %q names no entry", loc)
		}
		ctx3, cancel3 := c.ctx(ctx)
		defer cancel3()
		params := entries.NewGetLogEntryByUUIDParams()
		params.EntryUUID = id
		got, gerr := c.rekor.Entries.GetLogEntryByUUIDContext(ctx3, params)
		if gerr != nil {
			return "", nil, true, apiErr("fetching the existing entry "+id, gerr)
		}
		m = got.Payload
	}
	if len(m) != 1 {
		return "", nil, existed, fmt.Errorf("uploading entry: got %d entries, want 1", len(m))
	}
	for k, v := range m {
		return strings.ToLower(k), &v, existed, nil
	}
	panic("unreachable")
}

// convertEntries converts a Rekor response map (entry ID → entry) to model
// entries, sorted by log index.
func convertEntries(m models.LogEntry) ([]model.LogEntry, error) {
	out := make([]model.LogEntry, 0, len(m))
	for id, anon := range m {
		e, err := ConvertEntry(id, anon)
		if err != nil {
			return nil, err
		}
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LogIndex < out[j].LogIndex })
	return out, nil
}

// ConvertEntry converts one Rekor v1 LogEntryAnon, keyed by uuid, to a
// model.LogEntry. It checks shapes (base64, hex, sizes), not trust.
func ConvertEntry(uuid string, anon models.LogEntryAnon) (*model.LogEntry, error) {
	uuid = strings.ToLower(uuid)
	if !ValidUUID(uuid) {
		return nil, fmt.Errorf("entry id %q: want 64 or 80 hex digits", uuid)
	}
	if anon.LogIndex == nil || anon.IntegratedTime == nil || anon.LogID == nil || anon.Body == nil {
		return nil, fmt.Errorf("entry %s lacks logIndex, integratedTime, logID or body", uuid)
	}
	bodyB64, ok := anon.Body.(string)
	if !ok {
		return nil, fmt.Errorf("entry %s: body is %T, want a base64 string", uuid, anon.Body)
	}
	body, err := base64.StdEncoding.DecodeString(bodyB64)
	if err != nil {
		return nil, fmt.Errorf("entry %s: decoding body: %w", uuid, err)
	}
	var head struct {
		Kind       string `json:"kind"`
		APIVersion string `json:"apiVersion"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, fmt.Errorf("entry %s: parsing body: %w", uuid, err)
	}
	e := &model.LogEntry{
		UUID:           uuid,
		LogIndex:       *anon.LogIndex,
		IntegratedTime: time.Unix(*anon.IntegratedTime, 0).UTC(),
		LogID:          *anon.LogID,
		Body:           body,
		Kind:           model.EntryKind(head.Kind),
		APIVersion:     head.APIVersion,
	}
	if v := anon.Verification; v != nil {
		if len(v.SignedEntryTimestamp) > 0 {
			e.SET = []byte(v.SignedEntryTimestamp)
		}
		if p := v.InclusionProof; p != nil {
			ip, err := convertProof(p)
			if err != nil {
				return nil, fmt.Errorf("entry %s: %w", uuid, err)
			}
			e.Proof = ip
		}
	}
	return e, nil
}

func convertProof(p *models.InclusionProof) (*model.InclusionProof, error) {
	if p.LogIndex == nil || p.TreeSize == nil || p.RootHash == nil {
		return nil, errors.New("inclusion proof lacks logIndex, treeSize or rootHash")
	}
	root, err := hex.DecodeString(*p.RootHash)
	if err != nil {
		return nil, fmt.Errorf("decoding inclusion proof root hash: %w", err)
	}
	hashes, err := decodeHashes(p.Hashes)
	if err != nil {
		return nil, fmt.Errorf("decoding inclusion proof: %w", err)
	}
	return &model.InclusionProof{
		LogIndex:   *p.LogIndex,
		TreeSize:   *p.TreeSize,
		RootHash:   root,
		Hashes:     hashes,
		Checkpoint: deref(p.Checkpoint),
	}, nil
}

// ParseEntryJSON parses a saved Rekor v1 entry response: either the map
// {"<uuid>": LogEntryAnon, …} the API returns, or a bare LogEntryAnon (then
// uuid is computed by the caller and passed as fallbackUUID).
func ParseEntryJSON(b []byte, fallbackUUID string) ([]model.LogEntry, error) {
	var m models.LogEntry
	if err := json.Unmarshal(b, &m); err == nil && len(m) > 0 {
		if _, bare := m["body"]; !bare {
			return convertEntries(m)
		}
	}
	var anon models.LogEntryAnon
	if err := json.Unmarshal(b, &anon); err != nil {
		return nil, fmt.Errorf("parsing entry json: %w", err)
	}
	e, err := ConvertEntry(fallbackUUID, anon)
	if err != nil {
		return nil, err
	}
	return []model.LogEntry{*e}, nil
}

// TreeIDOf returns the decimal tree ID encoded in an 80-hex entry ID, or ""
// for a 64-hex one.
func TreeIDOf(uuid string) string {
	if len(uuid) != 80 {
		return ""
	}
	n, err := strconv.ParseUint(uuid[:16], 16, 64)
	if err != nil {
		return ""
	}
	return strconv.FormatUint(n, 10)
}
