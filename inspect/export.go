package inspect

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/proof/body"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/rekor/client"
)

// EvidenceFormat names the evidence.json format.
const EvidenceFormat = "provscope-evidence/v1"

// EvidenceIndexFile is the name of the evidence set's description.
const EvidenceIndexFile = "evidence.json"

// EvidenceBlob is one file of an evidence set.
type EvidenceBlob struct {
	Name string
	Data []byte
}

// EvidenceDoc describes an evidence set. Every field is derived from the
// set's other files by DescribeEvidence, so evidence.json can be checked by
// deriving it again: a changed byte anywhere shows.
type EvidenceDoc struct {
	Format      string                  `json:"format"`
	Images      []string                `json:"images"`
	Entries     []EvidenceEntryDoc      `json:"entries"`
	Checkpoints []EvidenceCheckpointDoc `json:"checkpoints"`
	Files       []EvidenceFileDoc       `json:"files"`
}

// EvidenceEntryDoc is one log entry of the set.
type EvidenceEntryDoc struct {
	LogIndex       int64        `json:"logIndex"`
	LeafHash       string       `json:"leafHash"`
	Kind           string       `json:"kind"`
	IntegratedTime time.Time    `json:"integratedTime"`
	Signer         model.Signer `json:"signer,omitzero"`
	// SignedDigests are the image digests the payload names (a
	// simple-signing payload's, an in-toto statement's subjects).
	SignedDigests []string `json:"signedDigests,omitempty"`
	Bundle        string   `json:"bundle,omitempty"`
	Payload       string   `json:"payload,omitempty"`
	TlogProof     string   `json:"tlogProof,omitempty"`
}

// EvidenceCheckpointDoc is one signed checkpoint of the set.
type EvidenceCheckpointDoc struct {
	File     string `json:"file"`
	Origin   string `json:"origin"`
	Size     uint64 `json:"size"`
	RootHash string `json:"rootHash"`
	// Role is "proof" (an entry's proof leads to it), or on a fork or a
	// rollback "remembered" (the checkpoint remembered for the log) and
	// "log-head" (the log's signed head that conflicts with it).
	Role string `json:"role"`
}

// EvidenceFileDoc is one file with its hash and how to re-verify it.
type EvidenceFileDoc struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Kind   string `json:"kind"`
	Verify string `json:"verify"`
}

var (
	reBundle     = regexp.MustCompile(`^entry-(\d+)\.sigstore\.json$`)
	rePayload    = regexp.MustCompile(`^entry-(\d+)\.payload\.json$`)
	reTlogProof  = regexp.MustCompile(`^entry-(\d+)\.tlog-proof$`)
	reCheckpoint = regexp.MustCompile(`^checkpoint-(remembered-|head-)?\d+-[0-9a-f]{8}\.txt$`)
)

// ExportEvidence gathers the evidence set for ref (an image: every entry
// About binds to its digest) or, when ref is empty, for the entry at
// logIndex: per entry a Sigstore bundle v0.3, the signed payload when known,
// a C2SP tlog-proof; every checkpoint the proofs lead to; when the
// checkpoint remembered for the log (Deps.Store) conflicts with the log's
// (a fork or rollback), both signed checkpoints; and evidence.json. It
// reads the network and the store, decides nothing, and writes nothing.
func ExportEvidence(ctx context.Context, deps Deps, ref string, logIndex int64) ([]EvidenceBlob, []string, error) {
	if deps.Log == nil || deps.Log.Rekor == nil {
		return nil, nil, errors.New("exporting evidence needs a Rekor v1 log")
	}
	var entries []AboutEntry
	var notes []string
	if ref != "" {
		rep, err := About(ctx, deps, ref)
		if err != nil {
			return nil, nil, err
		}
		notes = append(notes, rep.Notes...)
		for _, e := range rep.Entries {
			if e.Binding == proof.BindNone {
				notes = append(notes, fmt.Sprintf("entry %d is not about %s (%s): left out", e.LogIndex, rep.Digest, e.BindingDetail))
				continue
			}
			entries = append(entries, e)
		}
	} else {
		e, err := deps.Log.Rekor.EntryByIndex(ctx, logIndex)
		if err != nil {
			return nil, nil, fmt.Errorf("fetching entry %d: %w", logIndex, err)
		}
		entries = append(entries, AboutEntry{UUID: e.UUID, LogIndex: e.LogIndex, Kind: string(e.Kind), Entry: *e})
	}
	blobs, trees, notes := exportEntries(entries, notes)
	if deps.Store != nil {
		for _, t := range trees {
			blobs, notes = conflictCheckpoint(ctx, deps, t, blobs, notes)
		}
	}
	return finishEvidence(blobs, notes)
}

// EvidenceFromEntries packs log entries that carry their inclusion proofs
// into an evidence set without the network, as the explorer exports what it
// has loaded: attachments (the registry's, for the image digest) supply the
// DSSE envelopes and signed payloads the bodies keep only hashes of.
func EvidenceFromEntries(entries []model.LogEntry, atts []model.Attachment) ([]EvidenceBlob, []string, error) {
	g := &aboutGatherer{rep: &AboutReport{Attachments: atts}}
	for _, a := range atts {
		switch {
		case a.Kind == model.AttachSignature && len(a.Payload) > 0:
			g.candidates = append(g.candidates, a.Payload)
		case a.Kind == model.AttachAttestation && len(a.Payload) > 0:
			if env, err := registry.ParseEnvelope(a.Payload); err == nil {
				g.envelopes = append(g.envelopes, env)
			}
		}
		if len(a.Bundle) > 0 {
			if env, _ := bundleContent(a.Bundle); env != nil {
				g.envelopes = append(g.envelopes, *env)
			}
		}
	}
	var about []AboutEntry
	for _, e := range entries {
		ae := AboutEntry{UUID: e.UUID, LogIndex: e.LogIndex, Kind: string(e.Kind), Entry: e}
		if b, err := body.Decode(e.Body); err == nil {
			g.attach(&ae, b)
		}
		about = append(about, ae)
	}
	blobs, _, notes := exportEntries(about, nil)
	return finishEvidence(blobs, notes)
}

// attach sets the envelope and payload among those at hand that the body
// records the hashes of.
func (g *aboutGatherer) attach(ae *AboutEntry, b *body.Body) {
	for _, env := range g.envelopes {
		if body.CheckPayloadHash(b, env.Payload) == nil {
			env := env
			ae.Envelope = &env
			_, ae.PredicateType = body.Statement(env.PayloadType, env.Payload)
			break
		}
	}
	if b.ArtifactDigest.Hex != "" {
		for _, c := range g.candidates {
			if body.CheckDigest(b, sha256Digest(c)) == nil {
				ae.Payload = c
				break
			}
		}
	}
}

// exportEntries writes, per entry, its tlog-proof, bundle and payload, and
// the checkpoints the proofs lead to; it returns the tree IDs seen.
func exportEntries(entries []AboutEntry, notes []string) ([]EvidenceBlob, []string, []string) {
	var blobs []EvidenceBlob
	trees := map[string]bool{}
	for _, e := range entries {
		if e.Entry.Proof == nil || e.Entry.Proof.Checkpoint == "" {
			notes = append(notes, fmt.Sprintf("entry %d: the log returned no inclusion proof with a checkpoint: left out", e.LogIndex))
			continue
		}
		p := e.Entry.Proof
		blobs = append(blobs, EvidenceBlob{Name: fmt.Sprintf("entry-%d.tlog-proof", e.LogIndex), Data: proof.MarshalTlogProof(proof.TlogProof{
			Extra: e.Entry.Body, Index: uint64(max(p.LogIndex, 0)), Hashes: p.Hashes, Checkpoint: []byte(p.Checkpoint),
		})})
		if b, err := EntryBundle(e); err != nil {
			notes = append(notes, fmt.Sprintf("entry %d: no Sigstore bundle: %v", e.LogIndex, err))
		} else {
			blobs = append(blobs, EvidenceBlob{Name: fmt.Sprintf("entry-%d.sigstore.json", e.LogIndex), Data: b})
		}
		// A signature's payload is its bundle's artifact; an envelope's
		// payload is inside its bundle already.
		if len(e.Payload) > 0 {
			blobs = append(blobs, EvidenceBlob{Name: fmt.Sprintf("entry-%d.payload.json", e.LogIndex), Data: e.Payload})
		}
		blobs = appendCheckpoint(blobs, "", p.Checkpoint)
		trees[client.TreeIDOf(e.Entry.UUID)] = true
	}
	ids := make([]string, 0, len(trees))
	for t := range trees {
		ids = append(ids, t)
	}
	sort.Strings(ids)
	return blobs, ids, notes
}

// finishEvidence adds evidence.json, derived from the other files.
func finishEvidence(blobs []EvidenceBlob, notes []string) ([]EvidenceBlob, []string, error) {
	doc, err := DescribeEvidence(blobs)
	if err != nil {
		return nil, nil, err
	}
	idx, err := MarshalEvidenceDoc(doc)
	if err != nil {
		return nil, nil, err
	}
	blobs = append(blobs, EvidenceBlob{Name: EvidenceIndexFile, Data: idx})
	return blobs, notes, nil
}

// conflictCheckpoint compares the checkpoint remembered for tree with the
// log's current signed head for it. When proof.JudgeConsistency finds no
// consistent history (the log rolled back, forked, or its proof does not
// link the two), both signed checkpoints join the set: the remembered one
// and the log's head.
func conflictCheckpoint(ctx context.Context, deps Deps, tree string, blobs []EvidenceBlob, notes []string) ([]EvidenceBlob, []string) {
	old, err := deps.Store.Load(deps.Log.StateKey(), tree)
	if err != nil || old == nil || old.Note == "" {
		return blobs, notes
	}
	oldCP, err := deps.Log.VerifyNote(old.Note)
	if err != nil {
		return blobs, append(notes, "the remembered checkpoint does not verify with the log's key: not compared")
	}
	info, err := deps.Log.Rekor.LogInfo(ctx)
	if err != nil {
		return blobs, append(notes, "reading the log's head to compare with the remembered checkpoint: "+err.Error())
	}
	if info.TreeID != tree {
		return blobs, notes // an inactive shard: its head is not served
	}
	head, err := deps.Log.VerifyNote(info.SignedTreeHead)
	if err != nil {
		return blobs, append(notes, "the log's head does not verify with its key: "+err.Error())
	}
	ev := proof.ConsistencyEvidence{TreeID: tree, Old: *oldCP, OldNote: old.Note, New: head, NewNote: info.SignedTreeHead}
	conflict := judgeConsistency(ctx, deps.Log, ev)
	var ie *proof.InconsistentError
	switch {
	case conflict == nil:
		return blobs, notes
	case !errors.As(conflict, &ie):
		return blobs, append(notes, "consistency with the remembered checkpoint could not be proven: "+conflict.Error())
	case ie.Kind == proof.Rollback:
		conflict = fmt.Errorf("log rolled back: its head has size %d, smaller than the remembered %d", head.Size, oldCP.Size)
	}
	notes = append(notes, fmt.Sprintf("the log conflicts with the remembered checkpoint: %v; both signed checkpoints are in the set", conflict))
	blobs = appendCheckpoint(blobs, "remembered-", old.Note)
	return appendCheckpoint(blobs, "head-", info.SignedTreeHead), notes
}

func appendCheckpoint(blobs []EvidenceBlob, role, note string) []EvidenceBlob {
	size := uint64(0)
	if text, _, ok := strings.Cut(note, "\n\n"); ok {
		if c, err := proof.ParseCheckpoint([]byte(text + "\n")); err == nil {
			size = c.Size
		}
	}
	sum := sha256.Sum256([]byte(note))
	n := fmt.Sprintf("checkpoint-%s%d-%s.txt", role, size, hex.EncodeToString(sum[:4]))
	for _, b := range blobs {
		if b.Name == n {
			return blobs
		}
	}
	return append(blobs, EvidenceBlob{Name: n, Data: []byte(note)})
}

// EntryBundle packs a log entry as a Sigstore bundle v0.3: the verifier the
// body records (certificate, or key hint), the entry with its SET,
// inclusion proof and checkpoint, and the content: for hashedrekord the
// message signature (digest and signature from the body), for dsse and
// intoto the envelope an attachment carried.
func EntryBundle(e AboutEntry) ([]byte, error) {
	le := e.Entry
	if le.Proof == nil {
		return nil, errors.New("no inclusion proof")
	}
	b, err := body.Decode(le.Body)
	if err != nil {
		return nil, err
	}
	if len(b.Signatures) == 0 {
		return nil, errors.New("the body records no signature")
	}
	vm := &protobundle.VerificationMaterial{}
	verifier := b.Signatures[0].VerifierPEM
	block, _ := pem.Decode(verifier)
	switch {
	case block == nil:
		return nil, errors.New("the body's verifier is not PEM")
	case strings.Contains(block.Type, "CERTIFICATE"):
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return nil, fmt.Errorf("parsing the body's certificate: %w", err)
		}
		vm.Content = &protobundle.VerificationMaterial_Certificate{Certificate: &protocommon.X509Certificate{RawBytes: block.Bytes}}
	default:
		vm.Content = keyHint(block.Bytes)
	}
	tle, err := tlogEntry(&le)
	if err != nil {
		return nil, err
	}
	vm.TlogEntries = []*protorekor.TransparencyLogEntry{tle}
	if len(le.SET) == 0 {
		vm.TlogEntries[0].InclusionPromise = nil
	}
	bundle := &protobundle.Bundle{MediaType: registry.MediaTypeBundleV03, VerificationMaterial: vm}
	switch le.Kind {
	case model.EntryKind("hashedrekord"):
		alg := map[string]protocommon.HashAlgorithm{"sha256": protocommon.HashAlgorithm_SHA2_256, "sha384": protocommon.HashAlgorithm_SHA2_384, "sha512": protocommon.HashAlgorithm_SHA2_512}[b.ArtifactDigest.Algorithm]
		d, err := hex.DecodeString(b.ArtifactDigest.Hex)
		if err != nil || alg == protocommon.HashAlgorithm_HASH_ALGORITHM_UNSPECIFIED {
			return nil, fmt.Errorf("the body's artifact digest %q cannot be used", b.ArtifactDigest)
		}
		bundle.Content = &protobundle.Bundle_MessageSignature{MessageSignature: &protocommon.MessageSignature{
			MessageDigest: &protocommon.HashOutput{Algorithm: alg, Digest: d}, Signature: b.Signatures[0].Sig,
		}}
	default:
		if e.Envelope == nil {
			return nil, fmt.Errorf("a %s body keeps only the envelope's hashes and no attachment carried the envelope", le.Kind)
		}
		de := &protodsse.Envelope{Payload: e.Envelope.Payload, PayloadType: e.Envelope.PayloadType}
		for _, s := range e.Envelope.Signatures {
			de.Signatures = append(de.Signatures, &protodsse.Signature{Sig: s.Sig, Keyid: s.KeyID})
		}
		bundle.Content = &protobundle.Bundle_DsseEnvelope{DsseEnvelope: de}
	}
	out, err := protojson.Marshal(bundle)
	if err != nil {
		return nil, fmt.Errorf("encoding bundle: %w", err)
	}
	return out, nil
}

// MarshalEvidenceDoc encodes doc as evidence.json is written: indented,
// with a final newline.
func MarshalEvidenceDoc(doc EvidenceDoc) ([]byte, error) {
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// DescribeEvidence derives the description of an evidence set from its
// files (evidence.json itself left out). It fails on a file it does not
// know or cannot read: every file of a set must be accounted for.
func DescribeEvidence(blobs []EvidenceBlob) (EvidenceDoc, error) {
	doc := EvidenceDoc{Format: EvidenceFormat, Images: []string{}, Entries: []EvidenceEntryDoc{}, Checkpoints: []EvidenceCheckpointDoc{}, Files: []EvidenceFileDoc{}}
	byIndex := map[int64]*EvidenceEntryDoc{}
	entry := func(idx int64) *EvidenceEntryDoc {
		if e, ok := byIndex[idx]; ok {
			return e
		}
		e := &EvidenceEntryDoc{LogIndex: idx}
		byIndex[idx] = e
		return e
	}
	images := map[string]bool{}
	sorted := append([]EvidenceBlob(nil), blobs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for _, b := range sorted {
		sum := sha256.Sum256(b.Data)
		f := EvidenceFileDoc{Name: b.Name, SHA256: hex.EncodeToString(sum[:])}
		switch {
		case b.Name == EvidenceIndexFile:
			continue
		case reTlogProof.MatchString(b.Name):
			f.Kind, f.Verify = "tlog-proof", "provscope verify-entry "+b.Name+" --log-key LOG.pem"
			p, err := proof.ParseTlogProof(b.Data)
			if err != nil {
				return doc, fmt.Errorf("%s: %w", b.Name, err)
			}
			e := entry(fileIndex(reTlogProof, b.Name))
			e.TlogProof = b.Name
			e.LeafHash = hex.EncodeToString(proof.LeafHash(p.Extra))
			describeBody(e, p.Extra)
		case reBundle.MatchString(b.Name):
			f.Kind, f.Verify = "sigstore-bundle", "provscope verify-bundle "+b.Name+" --trusted-root ROOT.json (--key KEY.pem | --certificate-identity … --certificate-oidc-issuer …) (--artifact PAYLOAD | --digest sha256:…)"
			var pb protobundle.Bundle
			if err := protojson.Unmarshal(b.Data, &pb); err != nil {
				return doc, fmt.Errorf("%s: %w", b.Name, err)
			}
			e := entry(fileIndex(reBundle, b.Name))
			e.Bundle = b.Name
			for _, t := range pb.GetVerificationMaterial().GetTlogEntries() {
				e.IntegratedTime = time.Unix(t.GetIntegratedTime(), 0).UTC()
				if e.LeafHash == "" {
					e.LeafHash = hex.EncodeToString(proof.LeafHash(t.GetCanonicalizedBody()))
					describeBody(e, t.GetCanonicalizedBody())
				}
			}
			if d := pb.GetDsseEnvelope(); d != nil {
				e.SignedDigests = mergeDigests(e.SignedDigests, payloadDigests(d.GetPayload(), images))
			}
		case rePayload.MatchString(b.Name):
			f.Kind, f.Verify = "payload", "the artifact of the entry's bundle: provscope verify-bundle BUNDLE --artifact "+b.Name+" …"
			e := entry(fileIndex(rePayload, b.Name))
			e.Payload = b.Name
			e.SignedDigests = mergeDigests(e.SignedDigests, payloadDigests(b.Data, images))
		case reCheckpoint.MatchString(b.Name):
			f.Kind, f.Verify = "checkpoint", "provscope verify-entry "+b.Name+" --log-key LOG.pem"
			text, _, _ := strings.Cut(string(b.Data), "\n\n")
			c, err := proof.ParseCheckpoint([]byte(text + "\n"))
			if err != nil {
				return doc, fmt.Errorf("%s: %w", b.Name, err)
			}
			role := "proof"
			switch {
			case strings.HasPrefix(b.Name, "checkpoint-remembered-"):
				role = "remembered"
			case strings.HasPrefix(b.Name, "checkpoint-head-"):
				role = "log-head"
			}
			doc.Checkpoints = append(doc.Checkpoints, EvidenceCheckpointDoc{File: b.Name, Origin: c.Origin, Size: c.Size, RootHash: hex.EncodeToString(c.RootHash), Role: role})
		default:
			return doc, fmt.Errorf("%q is not a file of an evidence set", b.Name)
		}
		doc.Files = append(doc.Files, f)
	}
	for _, e := range byIndex {
		doc.Entries = append(doc.Entries, *e)
	}
	sort.Slice(doc.Entries, func(i, j int) bool { return doc.Entries[i].LogIndex < doc.Entries[j].LogIndex })
	for im := range images {
		doc.Images = append(doc.Images, im)
	}
	sort.Strings(doc.Images)
	return doc, nil
}

func fileIndex(re *regexp.Regexp, name string) int64 {
	var n int64
	_, _ = fmt.Sscan(re.FindStringSubmatch(name)[1], &n)
	return n
}

func describeBody(e *EvidenceEntryDoc, canonical []byte) {
	if b, err := body.Decode(canonical); err == nil {
		e.Kind = string(b.Kind)
		e.Signer = b.Signer()
	}
}

// payloadDigests returns the image digests a payload names: a
// simple-signing payload's (and records repository@digest in images), an
// in-toto statement's subjects.
func payloadDigests(p []byte, images map[string]bool) []string {
	var doc struct {
		Critical *struct {
			Identity struct {
				Ref string `json:"docker-reference"`
			} `json:"identity"`
			Image struct {
				Digest string `json:"docker-manifest-digest"`
			} `json:"image"`
		} `json:"critical"`
		Subject []struct {
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
	}
	if json.Unmarshal(p, &doc) != nil {
		return nil
	}
	var out []string
	if doc.Critical != nil && doc.Critical.Image.Digest != "" {
		out = append(out, doc.Critical.Image.Digest)
		images[doc.Critical.Identity.Ref+"@"+doc.Critical.Image.Digest] = true
	}
	for _, s := range doc.Subject {
		if h := s.Digest["sha256"]; h != "" {
			out = append(out, "sha256:"+h)
		}
	}
	return out
}

func mergeDigests(a, b []string) []string {
	for _, d := range b {
		found := false
		for _, x := range a {
			found = found || x == d
		}
		if !found {
			a = append(a, d)
		}
	}
	return a
}

// EvidenceMismatchError reports an evidence.json that is not what its
// files describe.
type EvidenceMismatchError struct{ Detail string }

func (e *EvidenceMismatchError) Error() string {
	return "evidence.json does not describe the files beside it: " + e.Detail
}

// CheckEvidenceIndex derives the description again from the files
// evidence.json lists (read with read) and compares it with evidence.json
// byte for byte.
func CheckEvidenceIndex(index []byte, read func(name string) ([]byte, error)) (EvidenceDoc, []EvidenceBlob, error) {
	var doc EvidenceDoc
	if err := json.Unmarshal(index, &doc); err != nil {
		return doc, nil, fmt.Errorf("parsing evidence.json: %w", err)
	}
	if doc.Format != EvidenceFormat {
		return doc, nil, &EvidenceMismatchError{Detail: fmt.Sprintf("format %q, want %q", doc.Format, EvidenceFormat)}
	}
	var blobs []EvidenceBlob
	for _, f := range doc.Files {
		if f.Name == EvidenceIndexFile || strings.ContainsAny(f.Name, `/\`) || f.Name == ".." {
			return doc, nil, &EvidenceMismatchError{Detail: fmt.Sprintf("file name %q", f.Name)}
		}
		data, err := read(f.Name)
		if err != nil {
			return doc, nil, fmt.Errorf("reading %s: %w", f.Name, err)
		}
		blobs = append(blobs, EvidenceBlob{Name: f.Name, Data: data})
	}
	derived, err := DescribeEvidence(blobs)
	if err != nil {
		return doc, blobs, &EvidenceMismatchError{Detail: err.Error()}
	}
	want, err := MarshalEvidenceDoc(derived)
	if err != nil {
		return doc, blobs, err
	}
	if !bytes.Equal(want, index) {
		return doc, blobs, &EvidenceMismatchError{Detail: firstDifference(index, want)}
	}
	return derived, blobs, nil
}

func firstDifference(got, want []byte) string {
	line := 1
	for i := 0; i < min(len(got), len(want)); i++ {
		if got[i] != want[i] {
			return fmt.Sprintf("line %d differs from what the files say", line)
		}
		if got[i] == '\n' {
			line++
		}
	}
	return fmt.Sprintf("%d bytes, the files say %d", len(got), len(want))
}

// BundleLogEntries returns the log entries a Sigstore bundle carries, as
// model.LogEntry for proof.ExplainEntry. It parses; it decides nothing.
func BundleLogEntries(raw []byte) ([]model.LogEntry, error) {
	var pb protobundle.Bundle
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw, &pb); err != nil {
		return nil, fmt.Errorf("parsing Sigstore bundle: %w", err)
	}
	var out []model.LogEntry
	for _, t := range pb.GetVerificationMaterial().GetTlogEntries() {
		e := model.LogEntry{
			UUID:           hex.EncodeToString(proof.LeafHash(t.GetCanonicalizedBody())),
			LogIndex:       t.GetLogIndex(),
			Body:           t.GetCanonicalizedBody(),
			IntegratedTime: time.Unix(t.GetIntegratedTime(), 0).UTC(),
			LogID:          hex.EncodeToString(t.GetLogId().GetKeyId()),
			SET:            t.GetInclusionPromise().GetSignedEntryTimestamp(),
			Kind:           model.EntryKind(t.GetKindVersion().GetKind()),
			APIVersion:     t.GetKindVersion().GetVersion(),
		}
		if p := t.GetInclusionProof(); p != nil {
			e.Proof = &model.InclusionProof{LogIndex: p.GetLogIndex(), TreeSize: p.GetTreeSize(), RootHash: p.GetRootHash(), Hashes: p.GetHashes(), Checkpoint: p.GetCheckpoint().GetEnvelope()}
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, errors.New("the bundle carries no log entry")
	}
	return out, nil
}

// EntriesResponseJSON renders entries as a Rekor v1 "GET
// /api/v1/log/entries" answer ({uuid: LogEntryAnon}), the shape
// proof.ParseEntryResponse and provscope verify-entry read.
func EntriesResponseJSON(entries []model.LogEntry) ([]byte, error) {
	type proofJSON struct {
		LogIndex   int64    `json:"logIndex"`
		TreeSize   int64    `json:"treeSize"`
		RootHash   string   `json:"rootHash"`
		Hashes     []string `json:"hashes"`
		Checkpoint string   `json:"checkpoint,omitempty"`
	}
	type verification struct {
		SET            []byte     `json:"signedEntryTimestamp,omitempty"`
		InclusionProof *proofJSON `json:"inclusionProof,omitempty"`
	}
	type anon struct {
		Body           []byte       `json:"body"`
		IntegratedTime int64        `json:"integratedTime"`
		LogID          string       `json:"logID"`
		LogIndex       int64        `json:"logIndex"`
		Verification   verification `json:"verification"`
	}
	out := map[string]anon{}
	for _, e := range entries {
		a := anon{Body: e.Body, IntegratedTime: e.IntegratedTime.Unix(), LogID: e.LogID, LogIndex: e.LogIndex, Verification: verification{SET: e.SET}}
		if p := e.Proof; p != nil {
			pj := &proofJSON{LogIndex: p.LogIndex, TreeSize: p.TreeSize, RootHash: hex.EncodeToString(p.RootHash), Checkpoint: p.Checkpoint, Hashes: []string{}}
			for _, h := range p.Hashes {
				pj.Hashes = append(pj.Hashes, hex.EncodeToString(h))
			}
			a.Verification.InclusionProof = pj
		}
		uuid := e.UUID
		if uuid == "" {
			uuid = hex.EncodeToString(proof.LeafHash(e.Body))
		}
		out[uuid] = a
	}
	return json.MarshalIndent(out, "", "  ")
}
