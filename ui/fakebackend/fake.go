// Package fakebackend is an in-memory ui.Backend for tests, goldens and
// benchmarks: a small deterministic registry and an RFC 6962 log whose
// inclusion and consistency proofs are real (built with
// transparency-dev/merkle's reference tree), so the explorer's proof pane
// draws and checks genuine proofs. Its verifier is a stand-in: it checks
// inclusion proofs for real and reads the other outcomes from the world it
// built (tampered, not logged, unsigned); it is not provscope's verifier.
package fakebackend

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/ui"
)

// Two signing keys (a rotation) and a Fulcio-style certificate with an
// email SAN and the OIDC-issuer extension, fixed so views are stable.
const (
	keyA = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEl0BooGuAGcu5LUvhhBq6MQs1ge7c
e5l18LJNEAD0D9vds0bXtLrZtjZvEYmRqid5ACuj1LzT54qw8wC+Cy8gew==
-----END PUBLIC KEY-----
`
	keyB = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEeMtJewUm0/0999N8TtDM6LgzNtXX
VVPE+X1oFsubmu01ErEWcpgnDiq2WkGImcQ0c5JuK0OqYtw95iRaposUCg==
-----END PUBLIC KEY-----
`
)

// TreeID is the fake log's tree ID (the first 16 hex digits of UUIDs).
const TreeID = 0x1d4b9e2ac0ffee01

// Backend is the fake. Its methods are safe for concurrent use.
type Backend struct {
	// StepDelay slows Verify down between steps, to watch them arrive.
	StepDelay time.Duration
	// Err, when set, makes every method fail with it.
	Err error

	mu      sync.Mutex
	repos   []model.Repository
	tags    map[string][]model.Tag
	images  map[string]image // by digest
	tree    *testonly.Tree
	bodies  [][]byte
	times   []time.Time
	byHash  map[string][]int // artifact digest → leaf indices
	tamper  map[string]bool  // digest whose signature does not verify
	stealth map[string]bool  // digest signed but not logged
	frozen  int              // the head only shows this many leaves when > 0
	// memory is the CheckpointMemory: the one remembered checkpoint.
	memory *model.LogInfo
	// RecallErr, when set, makes Recall fail with it.
	RecallErr error
}

type image struct {
	img  model.Image
	atts []model.Attachment
}

// Epoch is the fake world's clock origin.
var epoch = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// New builds the world: 6 repositories, an index, a rotation, a tampered
// signature, a stealth-signed image, an unsigned one, a moved tag, and
// noise entries in the log.
func New() *Backend {
	b := &Backend{
		tags:    map[string][]model.Tag{},
		images:  map[string]image{},
		tree:    testonly.New(rfc6962.DefaultHasher),
		byHash:  map[string][]int{},
		tamper:  map[string]bool{},
		stealth: map[string]bool{},
	}
	noise := func(n int) {
		for range n {
			i := len(b.bodies)
			b.appendEntry(digestOf("noise-"+strconv.Itoa(i)), keyB, i%3 == 0)
		}
	}
	noise(9)
	b.addImage("demo/app", "v1.0", keyA, "signed")
	noise(3)
	b.addImage("demo/app", "v1.1", keyB, "signed")
	b.addIndex("demo/app", "latest", keyA)
	noise(5)
	b.addImage("demo/tampered", "v1", keyA, "tampered")
	b.addImage("demo/stealth", "v1", keyA, "stealth")
	b.addImage("demo/unsigned", "v1", "", "unsigned")
	b.addImage("demo/moved", "v1", keyA, "signed")
	// The tag moved after signing: v1 now points to an unsigned digest.
	b.tags["demo/moved"][0].Digest = digestOf("demo/moved:v1-new")
	b.images[digestOf("demo/moved:v1-new")] = image{img: model.Image{
		Reference: "demo/moved:v1", Digest: digestOf("demo/moved:v1-new"),
		MediaType: "application/vnd.oci.image.manifest.v1+json", Platform: &model.Platform{OS: "linux", Architecture: "amd64"}, LayerCount: 3, Size: 31 << 20,
	}}
	noise(7)
	for _, r := range []string{"demo/app", "demo/moved", "demo/stealth", "demo/tampered", "demo/unsigned"} {
		b.repos = append(b.repos, model.Repository{Registry: "127.0.0.1:5000", Name: r})
	}
	return b
}

// DigestOf is the digest the fake world gives the image named s.
func DigestOf(s string) string { return digestOf(s) }

func digestOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func (b *Backend) appendEntry(digest, pubPEM string, cert bool) int {
	_ = cert
	hexd := strings.TrimPrefix(digest, "sha256:")
	sig := base64.StdEncoding.EncodeToString([]byte("sig-" + hexd[:16]))
	body := fmt.Sprintf(`{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"%s"}},"signature":{"content":"%s","publicKey":{"content":"%s"}}}}`,
		hexd, sig, base64.StdEncoding.EncodeToString([]byte(pubPEM)))
	i := len(b.bodies)
	b.bodies = append(b.bodies, []byte(body))
	b.times = append(b.times, epoch.Add(time.Duration(i)*37*time.Minute))
	b.tree.AppendData([]byte(body))
	b.byHash[digest] = append(b.byHash[digest], i)
	return i
}

func (b *Backend) addImage(repo, tag, key, kind string) {
	ref := repo + ":" + tag
	d := digestOf(ref)
	img := model.Image{
		Reference: ref, Digest: d, MediaType: "application/vnd.oci.image.manifest.v1+json",
		Platform: &model.Platform{OS: "linux", Architecture: "amd64"}, Created: epoch.Add(-24 * time.Hour),
		LayerCount: 4, Size: 48 << 20, Labels: map[string]string{"org.opencontainers.image.source": "https://example.com/" + repo},
	}
	var atts []model.Attachment
	if kind != "unsigned" {
		atts = append(atts, model.Attachment{
			Kind: model.AttachSignature, Source: "tag:" + strings.Replace(d, ":", "-", 1) + ".sig",
			Digest: digestOf("sig:" + ref), MediaType: "application/vnd.dev.cosign.simplesigning.v1+json", SignedDigest: d,
		})
	}
	switch kind {
	case "signed":
		b.appendEntry(d, key, false)
		atts = append(atts, model.Attachment{
			Kind: model.AttachAttestation, Source: "tag:" + strings.Replace(d, ":", "-", 1) + ".att",
			Digest: digestOf("att:" + ref), PredicateType: "https://slsa.dev/provenance/v1", SignedDigest: d,
		},
			model.Attachment{Kind: model.AttachSBOM, Source: "referrer", Digest: digestOf("sbom:" + ref), SBOMFormat: "spdx", SBOMPackages: 142})
	case "tampered":
		b.appendEntry(d, key, false)
		b.tamper[d] = true
	case "stealth":
		b.stealth[d] = true
	}
	b.tags[repo] = append(b.tags[repo], model.Tag{Repository: repo, Name: tag, Digest: d})
	b.images[d] = image{img: img, atts: atts}
}

func (b *Backend) addIndex(repo, tag, key string) {
	ref := repo + ":" + tag
	d := digestOf(ref)
	idx := model.Image{Reference: ref, Digest: d, MediaType: "application/vnd.oci.image.index.v1+json"}
	for _, arch := range []string{"amd64", "arm64"} {
		cd := digestOf(ref + "/" + arch)
		child := model.Image{
			Reference: repo + "@" + cd, Digest: cd, MediaType: "application/vnd.oci.image.manifest.v1+json",
			Platform: &model.Platform{OS: "linux", Architecture: arch}, LayerCount: 4, Size: 40 << 20,
		}
		idx.Children = append(idx.Children, child)
		b.images[cd] = image{img: child}
	}
	b.appendEntry(d, key, false)
	atts := []model.Attachment{{
		Kind: model.AttachSignature, Source: "referrer", Digest: digestOf("sig:" + ref),
		MediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", SignedDigest: d,
	}}
	b.tags[repo] = append(b.tags[repo], model.Tag{Repository: repo, Name: tag, Digest: d})
	b.images[d] = image{img: idx, atts: atts}
}

// AppendNoise adds n entries to the log (the head grows).
func (b *Backend) AppendNoise(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for range n {
		b.appendEntry(digestOf("noise-"+strconv.Itoa(len(b.bodies))), keyB, false)
	}
}

// Rewrite changes the first entry and rebuilds the tree: the log now shows
// a history inconsistent with every checkpoint it signed before.
func (b *Backend) Rewrite() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bodies[0] = append([]byte(nil), b.bodies[0]...)
	b.bodies[0][len(b.bodies[0])-3] ^= 1
	b.tree = testonly.New(rfc6962.DefaultHasher)
	for _, body := range b.bodies {
		b.tree.AppendData(body)
	}
}

var _ ui.Backend = (*Backend)(nil)

// Repositories implements ui.Backend.
func (b *Backend) Repositories(context.Context) ([]model.Repository, error) {
	if b.Err != nil {
		return nil, b.Err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]model.Repository(nil), b.repos...), nil
}

// Tags implements ui.Backend.
func (b *Backend) Tags(_ context.Context, repo string) ([]model.Tag, error) {
	if b.Err != nil {
		return nil, b.Err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	ts, ok := b.tags[repo]
	if !ok {
		return nil, fmt.Errorf("repository %q not found", repo)
	}
	return append([]model.Tag(nil), ts...), nil
}

// Image implements ui.Backend.
func (b *Backend) Image(_ context.Context, ref string) (model.Image, []model.Attachment, error) {
	if b.Err != nil {
		return model.Image{}, nil, b.Err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.resolve(ref)
}

func (b *Backend) resolve(ref string) (model.Image, []model.Attachment, error) {
	if repo, d, ok := strings.Cut(ref, "@"); ok {
		im, ok := b.images[d]
		if !ok {
			return model.Image{}, nil, fmt.Errorf("manifest %s not found in %s", d, repo)
		}
		return im.img, append([]model.Attachment(nil), im.atts...), nil
	}
	repo, tag, _ := strings.Cut(ref, ":")
	for _, t := range b.tags[repo] {
		if t.Name == tag {
			im := b.images[t.Digest]
			return im.img, append([]model.Attachment(nil), im.atts...), nil
		}
	}
	return model.Image{}, nil, fmt.Errorf("tag %q not found", ref)
}

func (b *Backend) size() uint64 {
	if b.frozen > 0 {
		return uint64(b.frozen)
	}
	return b.tree.Size()
}

// LogInfo implements ui.Backend.
func (b *Backend) LogInfo(context.Context) (model.LogInfo, error) {
	if b.Err != nil {
		return model.LogInfo{}, b.Err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.size()
	return model.LogInfo{
		TreeID: strconv.FormatUint(TreeID, 10), TreeSize: int64(n), RootHash: b.tree.HashAt(n), //nolint:gosec // G115: the fake log holds a few dozen entries
		SignedTreeHead: b.checkpoint(n),
	}, nil
}

var _ ui.CheckpointMemory = (*Backend)(nil)

// Recall implements ui.CheckpointMemory (one tree).
func (b *Backend) Recall(context.Context, string) (*model.LogInfo, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.RecallErr != nil {
		return nil, b.RecallErr
	}
	if b.memory == nil {
		return nil, nil
	}
	m := *b.memory
	return &m, nil
}

// Remember implements ui.CheckpointMemory: cur replaces the remembered
// checkpoint if that is still old.
func (b *Backend) Remember(_ context.Context, old *model.LogInfo, cur model.LogInfo) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	same := func(x, y *model.LogInfo) bool {
		return x == nil && y == nil || x != nil && y != nil && x.TreeSize == y.TreeSize && bytes.Equal(x.RootHash, y.RootHash)
	}
	if !same(old, b.memory) {
		return false, nil
	}
	b.memory = &cur
	return true, nil
}

// Remembered is the checkpoint the memory holds (nil: none).
func (b *Backend) Remembered() *model.LogInfo {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.memory == nil {
		return nil
	}
	m := *b.memory
	return &m
}

// SetRemembered makes the memory hold li, as an earlier run would have.
func (b *Backend) SetRemembered(li model.LogInfo) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.memory = &li
}

func (b *Backend) checkpoint(n uint64) string {
	return fmt.Sprintf("fake.provscope.test - %d\n%d\n%s\n\n— fake.provscope.test AAAAAA==\n", uint64(TreeID), n,
		base64.StdEncoding.EncodeToString(b.tree.HashAt(n)))
}

func (b *Backend) entry(i int) model.LogEntry {
	n := b.size()
	leaf := b.tree.LeafHash(uint64(i))          //nolint:gosec // G115: i indexes the fake's few dozen entries
	p, _ := b.tree.InclusionProof(uint64(i), n) //nolint:gosec // G115: i indexes the fake's few dozen entries
	return model.LogEntry{
		UUID:           fmt.Sprintf("%016x%x", uint64(TreeID), leaf),
		LogIndex:       int64(i) + 1000, // one earlier shard of 1000 entries
		IntegratedTime: b.times[i],
		LogID:          "c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d",
		Body:           b.bodies[i],
		Kind:           model.KindHashedRekord,
		APIVersion:     "0.0.1",
		SET:            []byte("fake-set"),
		Proof: &model.InclusionProof{
			LogIndex: int64(i), TreeSize: int64(n), RootHash: b.tree.HashAt(n), Hashes: p, //nolint:gosec // G115: the fake log holds a few dozen entries
			Checkpoint: b.checkpoint(n),
		},
	}
}

// EntriesFor implements ui.Backend.
func (b *Backend) EntriesFor(_ context.Context, img model.Image, _ []model.Attachment) ([]model.LogEntry, error) {
	if b.Err != nil {
		return nil, b.Err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []model.LogEntry
	for _, i := range b.byHash[img.Digest] {
		if uint64(i) < b.size() { //nolint:gosec // G115: i indexes the fake's few dozen entries
			out = append(out, b.entry(i))
		}
	}
	return out, nil
}

// Search implements ui.Backend: a digest, a log index, a UUID (or its
// end), or "*" for every entry.
func (b *Backend) Search(_ context.Context, q string) (ui.SearchResult, error) {
	uuids, err := b.search(q)
	return ui.SearchResult{UUIDs: uuids}, err
}

func (b *Backend) search(q string) ([]string, error) {
	if b.Err != nil {
		return nil, b.Err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	q = strings.ToLower(strings.TrimSpace(q))
	n := int(b.size()) //nolint:gosec // G115: the fake log holds a few dozen entries
	var idx []int
	switch {
	case q == "*":
		for i := range n {
			idx = append(idx, i)
		}
	case strings.HasPrefix(q, "sha256:") || len(q) == 64:
		d := q
		if !strings.HasPrefix(d, "sha256:") {
			d = "sha256:" + d
		}
		idx = b.byHash[d]
	default:
		if li, err := strconv.Atoi(q); err == nil {
			if li-1000 < 0 || li-1000 >= n {
				return nil, fmt.Errorf("log index %d is outside the log (1000..%d)", li, 1000+n-1)
			}
			idx = []int{li - 1000}
			break
		}
		for i := range n {
			if strings.HasSuffix(b.uuid(i), q) {
				idx = append(idx, i)
			}
		}
	}
	out := make([]string, 0, len(idx))
	for _, i := range idx {
		if i < n {
			out = append(out, b.uuid(i))
		}
	}
	return out, nil
}

func (b *Backend) uuid(i int) string {
	return fmt.Sprintf("%016x%x", uint64(TreeID), b.tree.LeafHash(uint64(i))) //nolint:gosec // G115: TreeID is a positive constant; i indexes the fake's entries
}

// Entries implements ui.Backend.
func (b *Backend) Entries(_ context.Context, uuids []string) ([]model.LogEntry, error) {
	if b.Err != nil {
		return nil, b.Err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]model.LogEntry, 0, len(uuids))
	for _, u := range uuids {
		found := false
		for i := range int(b.size()) { //nolint:gosec // G115: the fake log holds a few dozen entries
			if b.uuid(i) == u {
				out = append(out, b.entry(i))
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("entry %s not found", u)
		}
	}
	return out, nil
}

// ConsistencyProof implements ui.Backend.
func (b *Backend) ConsistencyProof(_ context.Context, first, last int64) ([][]byte, error) {
	if b.Err != nil {
		return nil, b.Err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if first < 0 || last < first || uint64(last) > b.tree.Size() { //nolint:gosec // G115: first and last are checked non-negative first
		return nil, fmt.Errorf("bad sizes %d..%d for a tree of %d", first, last, b.tree.Size())
	}
	return b.tree.ConsistencyProof(uint64(first), uint64(last)) //nolint:gosec // G115: first and last are checked non-negative above
}

// Verify implements ui.Backend.
func (b *Backend) Verify(ctx context.Context, s ui.Subject, progress func(model.Step)) (model.Result, error) {
	if b.Err != nil {
		return model.Result{}, b.Err
	}
	res := model.Result{Subject: s.Name()}
	step := func(st model.Step) error {
		if b.StepDelay > 0 {
			select {
			case <-time.After(b.StepDelay):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		res.Add(st)
		if progress != nil {
			progress(st)
		}
		return nil
	}
	if s.Entry != nil {
		return res, b.verifyEntry(*s.Entry, step)
	}
	b.mu.Lock()
	img, atts := model.Image{}, []model.Attachment(nil)
	var err error
	if s.Image != nil {
		img, atts = *s.Image, s.Attachments
	} else {
		img, atts, err = b.resolve(s.Ref)
	}
	var entries []model.LogEntry
	if err == nil {
		for _, i := range b.byHash[img.Digest] {
			entries = append(entries, b.entry(i))
		}
	}
	tampered := b.tamper[img.Digest]
	b.mu.Unlock()
	if err != nil {
		return res, fmt.Errorf("resolving %s: %w", s.Ref, err)
	}
	sigs := 0
	for _, a := range atts {
		if a.Kind == model.AttachSignature {
			sigs++
		}
	}
	if sigs == 0 {
		res.Override = model.VerdictUnsigned
		return res, step(model.Step{Name: "signatures", Title: "Signatures found", Status: model.StatusFail, Detail: "no signature is attached to " + shortD(img.Digest)})
	}
	if err := step(model.Step{Name: "signatures", Title: "Signatures found", Status: model.StatusPass, Detail: fmt.Sprintf("%d signature(s) for %s", sigs, shortD(img.Digest))}); err != nil {
		return res, err
	}
	if len(entries) == 0 {
		res.Override = model.VerdictNotLogged
		return res, step(model.Step{
			Name: "log-entry", Title: "Log entry", Status: model.StatusFail,
			Detail: "no log entry records a signature over " + shortD(img.Digest) + " (signed, never logged: stealth signing)",
		})
	}
	if err := step(model.Step{Name: "log-entry", Title: "Log entry", Status: model.StatusPass, Detail: fmt.Sprintf("found at log index %d", entries[0].LogIndex)}); err != nil {
		return res, err
	}
	if tampered {
		return res, step(model.Step{Name: "signature", Title: "Signature", Status: model.StatusFail, Detail: "signature does not verify with the logged key: the signature was altered"})
	}
	if err := step(model.Step{Name: "signature", Title: "Signature", Status: model.StatusPass, Detail: "verifies with the logged key"}); err != nil {
		return res, err
	}
	return res, b.verifyEntry(entries[0], step)
}

func (b *Backend) verifyEntry(e model.LogEntry, step func(model.Step) error) error {
	if e.Proof == nil {
		return step(model.Step{Name: "inclusion-proof", Title: "Inclusion proof", Status: model.StatusFail, Detail: "the entry has no inclusion proof"})
	}
	h := rfc6962.DefaultHasher
	leaf := h.HashLeaf(e.Body)
	if err := step(model.Step{Name: "leaf-hash", Title: "Leaf hash", Status: model.StatusPass, Detail: "SHA-256(0x00‖body) = " + hex.EncodeToString(leaf)[:16] + "…"}); err != nil {
		return err
	}
	err := proof.VerifyInclusion(h, uint64(e.Proof.LogIndex), uint64(e.Proof.TreeSize), leaf, e.Proof.Hashes, e.Proof.RootHash) //nolint:gosec // G115: the fake's own proofs, never negative
	if err != nil {
		return step(model.Step{Name: "inclusion-proof", Title: "Inclusion proof", Status: model.StatusFail, Detail: err.Error(), Err: err})
	}
	if err := step(model.Step{
		Name: "inclusion-proof", Title: "Inclusion proof", Status: model.StatusPass,
		Detail: fmt.Sprintf("leaf %d is in the tree of size %d", e.Proof.LogIndex, e.Proof.TreeSize),
	}); err != nil {
		return err
	}
	b.mu.Lock()
	root := b.tree.HashAt(uint64(e.Proof.TreeSize)) //nolint:gosec // G115: the fake's own proofs, never negative
	b.mu.Unlock()
	if !bytes.Equal(root, e.Proof.RootHash) {
		return step(model.Step{Name: "checkpoint", Title: "Checkpoint", Status: model.StatusFail, Detail: "root differs from the log's checkpoint", Err: errors.New("root mismatch")})
	}
	if err := step(model.Step{Name: "checkpoint", Title: "Checkpoint", Status: model.StatusPass, Detail: "root matches the log's checkpoint (fake: not signed)"}); err != nil {
		return err
	}
	return step(model.Step{Name: "set", Title: "Signed entry timestamp", Status: model.StatusSkipped, Detail: "the fake log does not sign SETs"})
}

func shortD(d string) string {
	if len(d) > 19 {
		return d[:19] + "…"
	}
	return d
}

// SyntheticUUIDs returns n entry IDs for SyntheticEntry: the tree ID and
// the row number.
func SyntheticUUIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%016x%064x", uint64(TreeID), i)
	}
	return out
}

// SyntheticEntry returns row i of a synthetic log of n entries, shaped like
// a real log's entry (a hashedrekord body with a key, 17 proof hashes, a
// checkpoint), for load tests. Its proof is not valid.
func SyntheticEntry(uuid string, n int) (model.LogEntry, error) {
	if len(uuid) != 80 {
		return model.LogEntry{}, fmt.Errorf("synthetic uuid has %d hex digits, want 80", len(uuid))
	}
	i, err := strconv.ParseInt(uuid[64:], 16, 64)
	if err != nil {
		return model.LogEntry{}, fmt.Errorf("parsing synthetic uuid: %w", err)
	}
	keyB64 := base64.StdEncoding.EncodeToString([]byte(keyA))
	root := sha256.Sum256([]byte("root"))
	cp := fmt.Sprintf("fake.provscope.test - %d\n%d\n%s\n\n— fake.provscope.test AAAAAA==\n", uint64(TreeID), n, base64.StdEncoding.EncodeToString(root[:]))
	d := sha256.Sum256([]byte(strconv.FormatInt(i, 10)))
	body := fmt.Sprintf(`{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"%x"}},"signature":{"content":"MEUCIQD%08dAiEA","publicKey":{"content":"%s"}}}}`, d, i, keyB64)
	hashes := make([][]byte, 17)
	for j := range hashes {
		h := sha256.Sum256([]byte{byte(i), byte(i >> 8), byte(i >> 16), byte(j)}) //nolint:gosec // G115: truncation to bytes is the intent (a seed)
		hashes[j] = h[:]
	}
	return model.LogEntry{
		UUID: uuid, LogIndex: i, IntegratedTime: epoch.Add(time.Duration(i) * time.Second),
		LogID: "c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d", Body: []byte(body),
		Kind: model.KindHashedRekord, APIVersion: "0.0.1", SET: make([]byte, 71),
		Proof: &model.InclusionProof{LogIndex: i, TreeSize: int64(n), RootHash: root[:], Hashes: hashes, Checkpoint: cp},
	}, nil
}
