package inspect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/proof/body"
	"github.com/provscope/provscope/registry"
)

// How an entry was found, in AboutEntry.FoundBy.
const (
	FoundBySimpleSigning = "simple-signing payload rebuilt for the repository and digest, searched by its hash"
	FoundBySubject       = "image digest searched in the log's index (in-toto subjects)"
	FoundByPayload       = "payload of attachment %s, searched by its hash"
	FoundByAttachment    = "attachment %s records this entry's signature"
	FoundByBundle        = "attachment %s carries this entry"
)

// maxAboutEntries bounds how many entries About fetches in all.
const maxAboutEntries = 200

// DigestInputError is a reference or digest that cannot name an image: a
// short or malformed digest. It is an input error, never a log failure.
type DigestInputError struct {
	Input  string
	Reason string
}

func (e *DigestInputError) Error() string {
	return fmt.Sprintf("%q: %s", e.Input, e.Reason)
}

// AboutEntry is one log entry about an image digest.
type AboutEntry struct {
	UUID           string       `json:"uuid"`
	LogIndex       int64        `json:"logIndex"`
	Kind           string       `json:"kind"`
	IntegratedTime time.Time    `json:"integratedTime"`
	Signer         model.Signer `json:"signer,omitzero"`
	PredicateType  string       `json:"predicateType,omitempty"`
	// FoundBy says every way the entry was found.
	FoundBy []string `json:"foundBy"`
	// Binding is proof's answer to "is this entry about the digest".
	Binding       proof.DigestBinding `json:"binding"`
	BindingDetail string              `json:"bindingDetail"`
	// Entry is the entry as the log returned it.
	Entry model.LogEntry `json:"-"`
	// Envelope is the DSSE envelope of a dsse or intoto entry, when an
	// attachment carried it (the body keeps only its hashes).
	Envelope *registry.Envelope `json:"-"`
	// Payload is the signed payload of a hashedrekord entry when one at
	// hand hashes to what the body records (the simple-signing payload).
	Payload []byte `json:"-"`
}

// AboutSearch is one question asked of the log's index.
type AboutSearch struct {
	Hash  string `json:"hash"`
	Why   string `json:"why"`
	Found int    `json:"found"`
	Err   string `json:"error,omitempty"`
}

// AboutReport is every log entry About found for one image digest.
type AboutReport struct {
	Reference  string        `json:"reference"`
	Repository string        `json:"repository,omitempty"`
	Digest     string        `json:"digest"`
	Log        string        `json:"log"`
	Searches   []AboutSearch `json:"searches"`
	Entries    []AboutEntry  `json:"entries"`
	Notes      []string      `json:"notes,omitempty"`
	// Attachments are what the registry holds for the digest.
	Attachments []model.Attachment `json:"-"`
}

// ParseImageOrDigest splits what a user typed into a repository (may be
// empty) and a digest (empty for a tag reference, to be resolved). A
// digest must be sha256:<64 hex digits>: a short digest, as a screen shows
// it, names no image (*DigestInputError).
func ParseImageOrDigest(s string) (repo, ref, digest string, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "", "", &DigestInputError{Input: s, Reason: "empty image reference"}
	}
	repoPart, dig, hasAt := strings.Cut(s, "@")
	looksDigest := strings.HasPrefix(strings.ToLower(s), "sha") && strings.Contains(s, ":") && !strings.Contains(s, "/")
	if !hasAt && (looksDigest || isHexDigits(s)) {
		repoPart, dig = "", s
	}
	if hasAt || repoPart == "" {
		d := strings.ToLower(dig)
		if !strings.Contains(d, ":") {
			d = "sha256:" + d
		}
		h, ok := strings.CutPrefix(d, "sha256:")
		if !ok || len(h) != 64 || !isHexDigits(h) {
			return "", "", "", &DigestInputError{Input: s, Reason: "want a full digest, sha256:<64 hex digits> (a shortened digest names no image)"}
		}
		if repoPart == "" {
			return "", "", d, nil
		}
		return repoPart, repoPart + "@" + d, d, nil
	}
	return "", s, "", nil
}

func isHexDigits(s string) bool {
	if s == "" {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && len(s)%2 == 0
}

// About lists every log entry about the image ref names (a tag or digest
// reference, or a bare digest): the entries the registry's attachments
// record or carry, the entry of cosign's simple-signing payload for
// (repository, digest) rebuilt and looked up by its hash (found even after
// the .sig tag was deleted), and the entries the index lists under the
// digest itself (in-toto subjects). proof.BindEntryToDigest decides, for
// each, whether it is about the digest; each says how it was found.
//
// The entries are looked up in deps.Log's Rekor v1 search index and tree,
// or, with AboutIn, in another EntryIndex such as a tiles log's mirror.
func About(ctx context.Context, deps Deps, ref string) (*AboutReport, error) {
	if deps.Log == nil || deps.Log.Rekor == nil {
		return nil, errNoIndex
	}
	return AboutIn(ctx, deps, RekorIndex{Log: deps.Log}, ref)
}

// AboutIn is About with the entries looked up in idx (deps.Log is not
// used).
func AboutIn(ctx context.Context, deps Deps, idx EntryIndex, ref string) (*AboutReport, error) {
	_, named, digest, err := ParseImageOrDigest(ref)
	if err != nil {
		return nil, err
	}
	rep := &AboutReport{Reference: ref, Digest: digest, Log: idx.Describe(), Entries: []AboutEntry{}, Searches: []AboutSearch{}}
	if named != "" || digest == "" {
		if named == "" {
			named = ref
		}
		r, err := deps.Registry.ParseReference(named)
		if err != nil {
			return nil, &DigestInputError{Input: ref, Reason: err.Error()}
		}
		rep.Repository = r.Context().Name()
		if digest == "" {
			img, err := deps.Registry.Resolve(ctx, named)
			if err != nil {
				return rep, fmt.Errorf("resolving %s: %w", ref, err)
			}
			rep.Digest = img.Digest
		}
		atts, derr := deps.Registry.Discover(ctx, rep.Repository+"@"+rep.Digest)
		if derr != nil {
			rep.Notes = append(rep.Notes, "some attachment sources could not be read: "+derr.Error())
		}
		rep.Attachments = atts
	} else {
		rep.Notes = append(rep.Notes, "no repository given: cosign's simple-signing payload names the repository, so signatures are found only through attestation subjects; give REPO@"+digest+" to find them too")
	}
	g := &aboutGatherer{idx: idx, rep: rep, byUUID: map[string]*AboutEntry{}}
	g.gather(ctx)
	return rep, nil
}

type aboutGatherer struct {
	idx        EntryIndex
	rep        *AboutReport
	byUUID     map[string]*AboutEntry
	order      []string
	candidates [][]byte
	envelopes  []registry.Envelope
	indexed    map[string]bool
}

func (g *aboutGatherer) gather(ctx context.Context) {
	rep := g.rep
	type search struct{ hash, why string }
	var searches []search
	if rep.Repository != "" {
		p, err := simpleSigningPayload(rep.Repository, rep.Digest)
		if err == nil {
			g.candidates = append(g.candidates, p)
			searches = append(searches, search{sha256Hex(p), FoundBySimpleSigning})
		}
	}
	if g.idx.SubjectIndex() {
		searches = append(searches, search{rep.Digest, FoundBySubject})
	} else {
		rep.Notes = append(rep.Notes, "the mirror's index holds no in-toto subjects (a log's canonical entries do not keep the payload): attestations are found through the registry's attachments")
	}
	var bundleBodies []struct {
		body []byte
		why  string
	}
	for _, a := range rep.Attachments {
		switch {
		case a.Kind == model.AttachSignature && len(a.Payload) > 0:
			g.candidates = append(g.candidates, a.Payload)
			searches = append(searches, search{sha256Hex(a.Payload), fmt.Sprintf(FoundByPayload, a.Source)})
		case a.Kind == model.AttachAttestation && len(a.Payload) > 0:
			if env, err := registry.ParseEnvelope(a.Payload); err == nil {
				g.envelopes = append(g.envelopes, env)
				g.candidates = append(g.candidates, env.Payload)
				searches = append(searches, search{sha256Hex(env.Payload), fmt.Sprintf(FoundByPayload, a.Source)})
			}
		}
		if a.RekorBundle != nil && len(a.RekorBundle.Body) > 0 {
			bundleBodies = append(bundleBodies, struct {
				body []byte
				why  string
			}{a.RekorBundle.Body, fmt.Sprintf(FoundByBundle, a.Source)})
		}
		if len(a.Bundle) > 0 {
			env, bodies := bundleContent(a.Bundle)
			if env != nil {
				g.envelopes = append(g.envelopes, *env)
				g.candidates = append(g.candidates, env.Payload)
				searches = append(searches, search{sha256Hex(env.Payload), fmt.Sprintf(FoundByPayload, a.Source)})
			}
			for _, b := range bodies {
				bundleBodies = append(bundleBodies, struct {
					body []byte
					why  string
				}{b, fmt.Sprintf(FoundByBundle, a.Source)})
			}
		}
	}
	g.indexed = map[string]bool{}
	seen := map[string]bool{}
	for _, s := range searches {
		h := s.hash
		if !strings.HasPrefix(h, "sha256:") {
			h = "sha256:" + h
		}
		if seen[h] {
			continue
		}
		seen[h] = true
		as := AboutSearch{Hash: h, Why: s.why}
		uuids, err := g.idx.SearchHash(ctx, h)
		if err != nil {
			as.Err = err.Error()
		}
		as.Found = len(uuids)
		rep.Searches = append(rep.Searches, as)
		for _, u := range uuids {
			g.add(u, s.why)
			if s.why == FoundBySubject {
				g.indexed[normUUID(u)] = true
			}
		}
	}
	for _, l := range bundleBodies {
		e, err := g.idx.EntryFor(ctx, l.body)
		if err != nil {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: the log holds no entry with leaf hash %s", l.why, hex.EncodeToString(proof.LeafHash(l.body))))
			continue
		}
		g.add(e.UUID, l.why)
	}
	g.fetch(ctx)
}

func normUUID(u string) string {
	u = strings.ToLower(u)
	if len(u) > 64 {
		u = u[len(u)-64:]
	}
	return u
}

func (g *aboutGatherer) add(uuid, why string) {
	k := normUUID(uuid)
	if e, ok := g.byUUID[k]; ok {
		if !slices.Contains(e.FoundBy, why) {
			e.FoundBy = append(e.FoundBy, why)
		}
		return
	}
	g.byUUID[k] = &AboutEntry{UUID: uuid, FoundBy: []string{why}}
	g.order = append(g.order, uuid)
}

// fetch retrieves the entries found, decides their binding and fills the
// report in log order.
func (g *aboutGatherer) fetch(ctx context.Context) {
	rep := g.rep
	uuids := g.order
	if len(uuids) > maxAboutEntries {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d entries found; only the first %d were fetched", len(uuids), maxAboutEntries))
		uuids = uuids[:maxAboutEntries]
	}
	if len(uuids) == 0 {
		return
	}
	entries, err := g.idx.Retrieve(ctx, uuids)
	if err != nil {
		rep.Notes = append(rep.Notes, "fetching the entries: "+err.Error())
		return
	}
	for _, e := range entries {
		ae, ok := g.byUUID[normUUID(e.UUID)]
		if !ok {
			continue // an entry the log added unasked
		}
		ae.UUID, ae.LogIndex, ae.Kind, ae.IntegratedTime, ae.Entry = e.UUID, e.LogIndex, string(e.Kind), e.IntegratedTime.UTC(), e
		b, err := body.Decode(e.Body)
		if err != nil {
			ae.Binding, ae.BindingDetail = proof.BindNone, "the entry body cannot be decoded: "+err.Error()
			rep.Entries = append(rep.Entries, *ae)
			continue
		}
		ae.Signer = b.Signer()
		g.attach(ae, b)
		for _, a := range rep.Attachments {
			if sig := attachmentSignature(a); sig != nil && body.CheckSignatures(b, [][]byte{sig}) == nil {
				why := fmt.Sprintf(FoundByAttachment, a.Source)
				if !slices.Contains(ae.FoundBy, why) {
					ae.FoundBy = append(ae.FoundBy, why)
				}
			}
		}
		ae.Binding, ae.BindingDetail = proof.BindEntryToDigest(b, rep.Digest, g.candidates, g.indexed[normUUID(e.UUID)])
		rep.Entries = append(rep.Entries, *ae)
	}
	sort.SliceStable(rep.Entries, func(i, j int) bool { return rep.Entries[i].LogIndex < rep.Entries[j].LogIndex })
}

// attachmentSignature is the signature an attachment presents.
func attachmentSignature(a model.Attachment) []byte {
	if len(a.Signature) > 0 {
		return a.Signature
	}
	if a.Kind == model.AttachAttestation {
		if env, err := registry.ParseEnvelope(a.Payload); err == nil && len(env.Signatures) > 0 {
			return env.Signatures[0].Sig
		}
	}
	return nil
}

// bundleContent returns a Sigstore bundle's DSSE envelope (nil for a
// message signature) and its log entries' canonical bodies.
func bundleContent(raw []byte) (*registry.Envelope, [][]byte) {
	var b protobundle.Bundle
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw, &b); err != nil {
		return nil, nil
	}
	var bodies [][]byte
	for _, t := range b.GetVerificationMaterial().GetTlogEntries() {
		if len(t.GetCanonicalizedBody()) > 0 {
			bodies = append(bodies, t.GetCanonicalizedBody())
		}
	}
	d := b.GetDsseEnvelope()
	if d == nil || len(d.GetPayload()) == 0 {
		return nil, bodies
	}
	env := &registry.Envelope{PayloadType: d.GetPayloadType(), Payload: d.GetPayload()}
	for _, s := range d.GetSignatures() {
		env.Signatures = append(env.Signatures, struct {
			KeyID string `json:"keyid"`
			Sig   []byte `json:"sig"`
		}{s.GetKeyid(), s.GetSig()})
	}
	return env, bodies
}

// simpleSigningPayload is the payload cosign v2 signs for an image: the
// exact bytes of sigstore's payload.Cosign with no annotations
// (`"optional":null`).
func simpleSigningPayload(repo, digest string) ([]byte, error) {
	var p registry.SimpleSigning
	p.Critical.Identity.DockerReference = repo
	p.Critical.Image.DockerManifestDigest = digest
	p.Critical.Type = "cosign container image signature"
	return json.Marshal(p)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}
