// Package backend adapts provscope's registry/, rekor/ and inspect/
// packages to the explorer's ui.Backend: the registry client lists and
// resolves images and discovers their attachments, the Rekor client reads
// the log (info, search, entries, consistency proofs), and inspect
// verifies images and entries step by step (trust decided by proof/).
//
// Rekor v1 API: https://github.com/sigstore/rekor/blob/v1.5.4/openapi.yaml.
package backend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/report"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/rekor/client"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/state"
	"github.com/provscope/provscope/ui"
)

// Config says what a Backend reads.
type Config struct {
	// RegistryHost is the registry to browse (host[:port]); empty means no
	// registry (the images pane says so).
	RegistryHost string
	// Insecure allows plain HTTP to a non-loopback registry.
	Insecure bool
	// SignatureRepository is where cosign's attachments live when not
	// beside the image ("" means $COSIGN_REPOSITORY, else beside it).
	SignatureRepository string
	// Log is the transparency log; KeyPEM pins its key (else it is fetched).
	Log    logs.Log
	KeyPEM []byte
	// Policy is the signature policy for image verification (key, identity,
	// trusted root); the zero value checks each signature against the key
	// its own log entry records.
	Policy inspect.Policy
	// Now is the verification clock; nil means time.Now.
	Now func() time.Time
	// Store holds the checkpoints remembered by earlier runs (shared with
	// `provscope loginfo`): image verification proves consistency with
	// them, and the explorer remembers each head it verified there
	// (Recall, Remember). Nil remembers nothing.
	Store *state.Store
	// Capabilities says what the session may do with the host's files
	// (search by key file, evidence export, pinning a key file); the zero
	// value allows none of it. The local explorer passes
	// AllCapabilities(), SSH sessions nothing.
	Capabilities Capabilities
	// MirrorDir is where `provscope mirror` keeps the mirror of a tiles
	// log (mirror.DefaultDir of its URL): the explorer's search on a tiles
	// log answers from it. Empty or absent: the search says how to make
	// one.
	MirrorDir string
}

// Backend implements ui.Backend over the real packages. It is safe for
// concurrent use (its clients are).
type Backend struct {
	cfg Config
	reg *registry.Client
	log *inspect.Log
	// tiles keeps a tiles log's search results for Entries.
	tiles *tilesCache
}

var (
	_ ui.Backend        = (*Backend)(nil)
	_ ui.LogKeyReporter = (*Backend)(nil)
)

// LogKeyPinned says whether the log's key was pinned (configuration, flag,
// trust root) rather than fetched from the log itself, whose signatures
// then show only that this server signed.
func (b *Backend) LogKeyPinned() bool { return b.log.KeySource != inspect.KeyFetched }

// Open connects to the log (fetching its key unless pinned) and prepares
// the registry client. It does no registry I/O.
func Open(ctx context.Context, cfg Config) (*Backend, error) {
	l, err := inspect.OpenLog(ctx, cfg.Log, inspect.LogOptions{KeyPEM: cfg.KeyPEM, UserAgent: "provscope-explorer"})
	if err != nil {
		return nil, fmt.Errorf("opening log %s: %w", cfg.Log.URL, err)
	}
	// A tiles log has no search API: its search answers from its mirror
	// (tiles.go).
	b := &Backend{cfg: cfg, log: l, tiles: &tilesCache{}, reg: registry.New(registry.Config{Insecure: cfg.Insecure, SignatureRepository: cfg.SignatureRepository, UserAgent: "provscope-explorer", PageSize: tagPageSize})}
	return b, nil
}

// WithSigner returns a Backend over the same registry and log clients that
// requires pol's signer (its KeyPEM or Identity; neither checks each
// signature against the key its own log entry records) and keeps this
// one's trusted root. b itself is unchanged: sessions sharing it keep
// their own signer.
func (b *Backend) WithSigner(pol inspect.Policy) *Backend {
	nb := *b
	nb.cfg.Policy.KeyPEM, nb.cfg.Policy.Identity, nb.cfg.Policy.Trusted = pol.KeyPEM, pol.Identity, pol.Trusted
	return &nb
}

// WithRegistryHost returns a Backend like b (same clients, log and
// signer) that browses the registry at host; b itself is unchanged.
func (b *Backend) WithRegistryHost(host string) *Backend {
	nb := *b
	nb.cfg.RegistryHost = host
	return &nb
}

// LogName is how the header names the log.
func (b *Backend) LogName() string { return b.log.Name() }

func (b *Backend) now() time.Time {
	if b.cfg.Now != nil {
		return b.cfg.Now()
	}
	return time.Now()
}

var _ ui.CheckpointMemory = (*Backend)(nil)

// Recall implements ui.CheckpointMemory: the checkpoint remembered for the
// log's tree treeID in Config.Store (rekor/state, where `provscope
// loginfo` keeps them), or nil when none is or there is no store.
func (b *Backend) Recall(_ context.Context, treeID string) (*model.LogInfo, error) {
	if b.cfg.Store == nil {
		return nil, nil
	}
	cp, err := b.cfg.Store.Load(b.log.StateKey(), treeID)
	if err != nil || cp == nil {
		return nil, err
	}
	root, err := hex.DecodeString(cp.RootHash)
	if err != nil {
		return nil, fmt.Errorf("decoding the remembered root: %w", err)
	}
	if cp.Size > math.MaxInt64 {
		return nil, fmt.Errorf("reading the remembered checkpoint: tree size %d, want at most %d", cp.Size, int64(math.MaxInt64))
	}
	return &model.LogInfo{TreeID: cp.TreeID, TreeSize: int64(cp.Size), RootHash: root, SignedTreeHead: cp.Note}, nil
}

// Remember implements ui.CheckpointMemory: it saves cur in Config.Store
// the way `provscope loginfo` does (origin, size, root, the signed note,
// the log key's fingerprint) if the store still holds old for the tree
// (nothing, when old is nil). cur's signed note must verify with the log
// key and agree with its size and root. Without a store it does nothing.
func (b *Backend) Remember(_ context.Context, old *model.LogInfo, cur model.LogInfo) (bool, error) {
	if b.cfg.Store == nil {
		return false, nil
	}
	cp, err := b.log.VerifyNote(cur.SignedTreeHead)
	if err != nil {
		return false, fmt.Errorf("verifying the checkpoint to remember: %w", err)
	}
	// The size and root the log reported must be the ones it signed
	// (proof.CheckClaimedHead): never remember an unsigned claim.
	if proof.CheckClaimedHead(cur.TreeID, *cp, cur.TreeSize, cur.RootHash) != nil {
		return false, fmt.Errorf("checkpoint to remember: signed note says size %d root %x, log info says size %d root %x", cp.Size, cp.RootHash, cur.TreeSize, cur.RootHash)
	}
	prev, err := b.cfg.Store.Load(b.log.StateKey(), cur.TreeID)
	if err != nil {
		return false, err
	}
	switch {
	case old == nil && prev != nil,
		old != nil && (prev == nil || old.TreeSize < 0 || prev.Size != uint64(old.TreeSize) || prev.RootHash != hex.EncodeToString(old.RootHash)),
		prev != nil && prev.Size >= cp.Size:
		return false, nil // another run remembered something else meanwhile
	}
	fp, _ := inspect.KeyFingerprint(b.log.KeyPEM)
	err = b.cfg.Store.Save(state.Checkpoint{
		LogURL: b.log.StateKey(), TreeID: cur.TreeID, Origin: cp.Origin, Size: cp.Size,
		RootHash: hex.EncodeToString(cp.RootHash), Note: cur.SignedTreeHead, KeyFingerprint: fp, SeenAt: b.now().UTC(),
	})
	return err == nil, err
}

// maxPages bounds a listing (catalog or tags) at maxPages×page size names.
const maxPages = 50

// Repositories implements ui.Backend.
func (b *Backend) Repositories(ctx context.Context) ([]model.Repository, error) {
	if b.cfg.RegistryHost == "" {
		return nil, errors.New("no registry configured (use --registry HOST)")
	}
	var out []model.Repository
	last := ""
	for range maxPages {
		p, err := b.reg.Repositories(ctx, b.cfg.RegistryHost, last)
		if err != nil {
			return out, err
		}
		out = append(out, p.Items...)
		if p.Next == "" {
			break
		}
		last = p.Next
	}
	return out, nil
}

// tagPageSize is the explorer's page size for tags/list (and the
// catalog): a repository of up to this many tags costs one request.
// Docker Hub and distribution answer up to 1000 names a page.
const tagPageSize = 1000

// Tags implements ui.Backend with registry.ListTags (paged tags/list, no
// catalog needed, bounded at Config.MaxTagPages pages): names only, no
// request per tag; the explorer resolves a tag when its row is on screen
// or selected. cosign's attachment tags (sha256-….sig and friends) are not
// images and are left out; a tag breaking the OCI grammar keeps its name
// and carries registry.InvalidTagErr.
func (b *Backend) Tags(ctx context.Context, repo string) ([]model.Tag, error) {
	if b.cfg.RegistryHost == "" {
		return nil, errors.New("no registry configured (use --registry HOST or HOST/REPO)")
	}
	l, err := b.reg.ListTags(ctx, b.cfg.RegistryHost+"/"+repo)
	out := make([]model.Tag, 0, len(l.Tags))
	for _, n := range l.Tags {
		if registry.IsAttachmentTag(n) {
			continue
		}
		t := model.Tag{Repository: l.Repository, Name: n}
		if !registry.ValidTag(n) {
			t.Err = registry.InvalidTagErr
		}
		out = append(out, t)
	}
	return out, err
}

var _ ui.QuotaReporter = (*Backend)(nil)

// Quota implements ui.QuotaReporter: the pull quota the registry stated
// in its last answer (Docker Hub's ratelimit headers), if it did.
func (b *Backend) Quota() (remaining, limit int, ok bool) {
	q, ok := b.reg.Quota()
	if !ok || q.Remaining < 0 {
		return 0, 0, false
	}
	return q.Remaining, q.Limit, true
}

func (b *Backend) fullRef(ref string) string {
	if b.cfg.RegistryHost == "" || strings.HasPrefix(ref, b.cfg.RegistryHost+"/") {
		return ref
	}
	return b.cfg.RegistryHost + "/" + ref
}

// Image implements ui.Backend.
func (b *Backend) Image(ctx context.Context, ref string) (model.Image, []model.Attachment, error) {
	full := b.fullRef(ref)
	img, err := b.reg.Resolve(ctx, full)
	if err != nil {
		return model.Image{}, nil, err
	}
	repo := full
	if i := strings.Index(repo, "@"); i >= 0 {
		repo = repo[:i]
	} else if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	atts, err := b.reg.Discover(ctx, repo+"@"+img.Digest)
	if err != nil && len(atts) == 0 {
		return img, nil, fmt.Errorf("discovering attachments: %w", err)
	}
	return img, atts, nil
}

// LogInfo implements ui.Backend. The signed tree head's signature is
// verified with the log's key and the size and root the log reports must
// be the signed ones (inspect.Log.SignedHead): a head that does not verify
// or does not match is an error, so the explorer sees only signed values.
func (b *Backend) LogInfo(ctx context.Context) (model.LogInfo, error) {
	if b.isTiles() {
		return b.logInfoTiles(ctx)
	}
	li, err := b.log.Rekor.LogInfo(ctx)
	if err != nil {
		return model.LogInfo{}, err
	}
	if _, err := b.log.SignedHead(*li); err != nil {
		return model.LogInfo{}, fmt.Errorf("verifying the signed tree head: %w", err)
	}
	return *li, nil
}

var _ ui.HeadChecker = (*Backend)(nil)

// CheckHead implements ui.HeadChecker with inspect.CheckLog, the watcher
// `provscope loginfo` runs, over Config.Store (it remembers each head that
// passes there, as loginfo does; without a store it checks signatures,
// origins and the reported heads only).
func (b *Backend) CheckHead(ctx context.Context) (ui.HeadCheck, error) {
	c, err := inspect.CheckLog(ctx, b.log, inspect.CheckOptions{Store: b.cfg.Store, Now: b.now()})
	if err != nil {
		return ui.HeadCheck{}, err
	}
	return headCheck(c), nil
}

// headCheck converts the watcher's outcome: the active tree's signed head,
// and the failing (else the active) tree's remembered checkpoint and proof.
func headCheck(c *inspect.LogCheck) ui.HeadCheck {
	out := ui.HeadCheck{Problem: c.Problem()}
	tree := c.Active()
	for i := range c.Trees {
		if c.Trees[i].Result.FirstFailure() != nil {
			tree = &c.Trees[i]
			break
		}
	}
	if a := c.Active(); a != nil && a.Checkpoint != nil && a.Checkpoint.Size <= math.MaxInt64 {
		out.Head = model.LogInfo{TreeID: a.TreeID, TreeSize: int64(a.Checkpoint.Size), RootHash: a.Checkpoint.RootHash, SignedTreeHead: a.Note} //nolint:gosec // G115: checked <= MaxInt64
	}
	if tree == nil {
		return out
	}
	out.Result, out.Proof = tree.Result, tree.Proof
	if tree != c.Active() && tree.Checkpoint != nil && tree.Checkpoint.Size <= math.MaxInt64 {
		out.Head = model.LogInfo{TreeID: tree.TreeID, TreeSize: int64(tree.Checkpoint.Size), RootHash: tree.Checkpoint.RootHash, SignedTreeHead: tree.Note} //nolint:gosec // G115: checked <= MaxInt64
	}
	if p := tree.Previous; p != nil && p.Size <= math.MaxInt64 {
		root, _ := hex.DecodeString(p.RootHash)
		out.Remembered = &model.LogInfo{TreeID: p.TreeID, TreeSize: int64(p.Size), RootHash: root, SignedTreeHead: p.Note} //nolint:gosec // G115: checked <= MaxInt64
	}
	return out
}

// EntriesFor implements ui.Backend: entries whose artifact hash is the
// image digest, entries over each attachment's signed payload, and the
// entries cosign's Rekor bundles point to, without duplicates.
func (b *Backend) EntriesFor(ctx context.Context, img model.Image, atts []model.Attachment) ([]model.LogEntry, error) {
	hashes := []string{img.Digest}
	var indexes []int64
	for _, a := range atts {
		if len(a.Payload) > 0 {
			sum := sha256.Sum256(a.Payload)
			hashes = append(hashes, "sha256:"+hex.EncodeToString(sum[:]))
		}
		if a.RekorBundle != nil {
			indexes = append(indexes, a.RekorBundle.LogIndex)
		}
	}
	if b.isTiles() {
		return b.entriesForTiles(ctx, hashes)
	}
	seen := map[string]bool{}
	var uuids []string
	var errs []error
	for _, h := range hashes {
		us, err := b.log.Rekor.Search(ctx, client.SearchQuery{Hash: h})
		if err != nil {
			errs = append(errs, fmt.Errorf("searching %s: %w", h, err))
			continue
		}
		for _, u := range us {
			if k := leafPart(u); !seen[k] {
				seen[k] = true
				uuids = append(uuids, u)
			}
		}
	}
	es, err := b.log.Rekor.Retrieve(ctx, uuids, indexes)
	if err != nil {
		errs = append(errs, err)
	}
	var out []model.LogEntry
	got := map[string]bool{}
	for _, e := range es {
		if k := leafPart(e.UUID); !got[k] {
			got[k] = true
			out = append(out, e)
		}
	}
	if len(out) == 0 && len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LogIndex < out[j].LogIndex })
	return out, nil
}

// leafPart is the 64-hex leaf hash of a 64- or 80-hex entry ID.
func leafPart(uuid string) string {
	if len(uuid) > 64 {
		return strings.ToLower(uuid[len(uuid)-64:])
	}
	return strings.ToLower(uuid)
}

var (
	hex64 = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
	hex80 = regexp.MustCompile(`^[0-9a-fA-F]{80}$`)
)

// Search implements ui.Backend. q is a log index, an entry UUID (80 hex),
// a digest (sha256:… or 64 hex, which may also be a UUID), a PEM public key
// or the path of a PEM file on the host (only with
// Capabilities.ReadHostFiles), else an identity (email, URI) or its start:
// on a log with provscope's identity extension, the entries of every
// identity starting with q (case-insensitive); on another Rekor log, whose
// index matches identities exactly only, the exact match, with a note
// saying so. On a tiles log, which has no search API, the answer comes
// from the log's mirror (Config.MirrorDir; tiles.go).
func (b *Backend) Search(ctx context.Context, q string) (ui.SearchResult, error) {
	q = strings.TrimSpace(q)
	var uuids []string
	var err error
	switch {
	case q == "":
		return ui.SearchResult{}, errors.New("empty search")
	case b.isTiles():
		return b.searchTiles(ctx, q)
	case isImageQuery(q):
		return b.searchImage(ctx, q)
	case isDecimal(q):
		idx, perr := strconv.ParseInt(q, 10, 64)
		if perr != nil {
			return ui.SearchResult{}, fmt.Errorf("parsing log index: %w", perr)
		}
		var e *model.LogEntry
		if e, err = b.log.Rekor.EntryByIndex(ctx, idx); err == nil {
			uuids = []string{e.UUID}
		} else if errors.Is(err, client.ErrNotFound) {
			// A 404 for an index the log's own signed checkpoints cover
			// is the log misbehaving, not an absent entry (proof judges).
			if merr := b.log.MissingEntry(ctx, idx); merr != nil {
				return ui.SearchResult{}, merr
			}
		}
	case hex80.MatchString(q):
		var e *model.LogEntry
		if e, err = b.log.Rekor.EntryByUUID(ctx, q); err == nil {
			uuids = []string{e.UUID}
		}
	case hex64.MatchString(q) || strings.HasPrefix(q, "sha256:"):
		uuids, err = b.log.Rekor.Search(ctx, client.SearchQuery{Hash: q})
		if hex64.MatchString(q) {
			if e, uerr := b.log.Rekor.EntryByUUID(ctx, q); uerr == nil {
				uuids = append([]string{e.UUID}, uuids...)
				err = nil
			}
		}
	case strings.HasPrefix(q, "-----BEGIN"):
		uuids, err = b.log.Rekor.Search(ctx, client.SearchQuery{PublicKey: []byte(q), PublicKeyFormat: "x509"})
	case strings.HasSuffix(q, ".pem") || strings.HasSuffix(q, ".pub"):
		pemBytes, rerr := readKeyFile(b.cfg.Capabilities.ReadHostFiles, "ReadHostFiles", "reading public key file", q)
		if rerr != nil {
			return ui.SearchResult{}, rerr
		}
		uuids, err = b.log.Rekor.Search(ctx, client.SearchQuery{PublicKey: pemBytes, PublicKeyFormat: "x509"})
	default:
		return b.searchIdentity(ctx, q)
	}
	return ui.SearchResult{UUIDs: uuids}, err
}

// maxIdentities bounds how many identities one prefix search follows.
const maxIdentities = 50

// NoteExactOnly is the search note when the log cannot match prefixes.
const NoteExactOnly = "prefix match needs a provscope log; searched exact"

// searchIdentity finds the entries of every identity starting with q
// (provscope's identity extension, then Rekor's exact index per identity),
// or of q exactly when the log lacks the extension.
func (b *Backend) searchIdentity(ctx context.Context, q string) (ui.SearchResult, error) {
	page, err := b.log.Rekor.Identities(ctx, q, maxIdentities)
	if errors.Is(err, client.ErrUnsupported) {
		sq := client.SearchQuery{Subject: q}
		if strings.Contains(q, "@") && !strings.Contains(q, "://") {
			sq = client.SearchQuery{Email: q}
		}
		uuids, err := b.log.Rekor.Search(ctx, sq)
		return ui.SearchResult{UUIDs: uuids, Note: NoteExactOnly}, err
	}
	if err != nil {
		return ui.SearchResult{}, err
	}
	seen := map[string]bool{}
	var uuids []string
	for _, id := range page.Identities {
		us, err := b.log.Rekor.Search(ctx, client.SearchQuery{Subject: id})
		if err != nil {
			return ui.SearchResult{UUIDs: uuids}, fmt.Errorf("searching the entries of %s: %w", id, err)
		}
		for _, u := range us {
			if k := leafPart(u); !seen[k] {
				seen[k] = true
				uuids = append(uuids, u)
			}
		}
	}
	sort.Strings(uuids)
	var note strings.Builder
	switch n := len(page.Identities); {
	case page.Truncated:
		fmt.Fprintf(&note, "the first %d identities starting with %q", n, q)
	case n == 0:
		fmt.Fprintf(&note, "no identity starts with %q", q)
	case n == 1:
		fmt.Fprintf(&note, "1 identity starts with %q: %s", q, page.Identities[0])
	default:
		fmt.Fprintf(&note, "%d identities start with %q", n, q)
	}
	if !page.Complete() {
		fmt.Fprintf(&note, " (the log has indexed %d of %d entries so far; r searches again)", page.Indexed, page.TreeSize)
	}
	return ui.SearchResult{UUIDs: uuids, Note: note.String()}, nil
}

func isDecimal(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != "" && len(s) < 19
}

// Entries implements ui.Backend.
func (b *Backend) Entries(ctx context.Context, uuids []string) ([]model.LogEntry, error) {
	if b.isTiles() {
		return b.entriesTiles(uuids)
	}
	es, err := b.log.Rekor.Retrieve(ctx, uuids, nil)
	if err != nil {
		return nil, err
	}
	byLeaf := make(map[string]model.LogEntry, len(es))
	for _, e := range es {
		byLeaf[leafPart(e.UUID)] = e
	}
	out := make([]model.LogEntry, 0, len(uuids))
	for _, u := range uuids {
		e, ok := byLeaf[leafPart(u)]
		if !ok {
			return nil, fmt.Errorf("entry %s: %w", u, client.ErrNotFound)
		}
		out = append(out, e)
	}
	return out, nil
}

// ConsistencyProof implements ui.Backend (active shard).
func (b *Backend) ConsistencyProof(ctx context.Context, first, last int64) ([][]byte, error) {
	if b.isTiles() {
		if first < 0 || last < first {
			return nil, fmt.Errorf("consistency proof %d→%d: want 0 <= first <= last", first, last)
		}
		return b.log.Tiles.ConsistencyProof(ctx, uint64(first), uint64(last)) //nolint:gosec // G115: 0 <= first <= last, checked above
	}
	return b.log.Rekor.ConsistencyProof(ctx, first, last, "")
}

// Verify implements ui.Backend: an entry with inspect's offline entry
// check (leaf hash, log ID, SET, inclusion proof, checkpoint), an image
// with inspect.VerifyImage, each step reported as it completes.
func (b *Backend) Verify(ctx context.Context, s ui.Subject, progress func(model.Step)) (model.Result, error) {
	if s.Entry != nil {
		chk := b.log.VerifyEntry(*s.Entry, b.now())
		res := model.Result{Subject: s.Name()}
		if chk != nil && chk.Result != nil {
			res = *chk.Result
			res.Subject = s.Name()
		}
		if progress != nil {
			for _, st := range res.Steps {
				progress(st)
			}
		}
		return res, nil
	}
	deps := inspect.Deps{Registry: b.reg, Log: b.log, Now: b.now, Store: b.cfg.Store}
	emit := func(ev inspect.Event) {
		if progress == nil {
			return
		}
		st := ev.Step
		if ev.Attachment >= 0 {
			kind := "attachment"
			if ev.Attachment < len(s.Attachments) {
				kind = s.Attachments[ev.Attachment].Kind.String()
			}
			st.Title = fmt.Sprintf("%s %d · ", kind, ev.Attachment+1) + st.Title
		}
		progress(st)
	}
	var rep *inspect.ImageReport
	var err error
	if s.Image != nil && s.Image.Digest != "" {
		// The explorer resolved and discovered this image already: do
		// not ask the registry again (each request may count against a
		// pull quota).
		rep = inspect.VerifyResolved(ctx, deps, b.fullRef(s.Ref), *s.Image, s.Attachments, b.cfg.Policy, emit)
	} else {
		rep, err = inspect.VerifyImage(ctx, deps, b.fullRef(s.Ref), b.cfg.Policy, emit)
	}
	res := model.Result{Subject: s.Name()}
	if rep == nil {
		return res, err
	}
	// The passing signatures first: "1 of 2 verified" opens on the one
	// that verified, not on the other's red lines.
	for _, i := range report.VerifiedFirst(rep.Results()) {
		a := rep.Attachments[i]
		if a.Result == nil {
			continue
		}
		for _, st := range a.Result.Steps {
			st.Title = fmt.Sprintf("%s %d · ", a.Kind, i+1) + st.Title
			res.Steps = append(res.Steps, st)
		}
	}
	res.Override = rep.Verdict
	if rep.Verdict == model.VerdictError {
		return res, err
	}
	res.Add(model.Step{Name: "image-verdict", Title: "Image", Status: verdictStatus(rep.Verdict), Detail: rep.Reason})
	if progress != nil {
		progress(res.Steps[len(res.Steps)-1])
	}
	return res, nil
}

func verdictStatus(v model.Verdict) model.Status {
	switch v {
	case model.VerdictVerified:
		return model.StatusPass
	case model.VerdictUnpinned:
		// Intact and logged, not failed: the signer was not checked.
		return model.StatusSkipped
	}
	return model.StatusFail
}
