package inspect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/provscope/provscope/internal/report"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/proof/body"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/registry/cosignfmt"
	"github.com/provscope/provscope/rekor/client"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/state"
)

// Step names VerifyImage adds for each attachment, besides those of
// proof.ExplainEntry (SET, inclusion proof, checkpoint…) and
// proof.VerifyBundle.
const (
	StepSignature    = proof.StepAttachmentSignature
	StepSignedDigest = proof.StepSignedDigest
	StepLogEntry     = proof.StepLogEntry
	StepBodyBinding  = proof.StepBodyBinding
	StepConsistency2 = "checkpoint-consistency"
)

// consistencyTitle is the title of the StepConsistency2 step.
const consistencyTitle = "Consistency with remembered checkpoint"

// Policy says what a valid signature is.
type Policy struct {
	// KeyPEM is the signer's public key. Without it (and without an
	// identity), each signature is checked against the key its own log entry
	// records: that proves it was logged, not who signed it.
	KeyPEM []byte
	// Identity is the certificate identity to require for keyless signatures.
	Identity *proof.IdentityPolicy
	// TrustedRoot is a trusted_root.json for Sigstore bundles; nil means the
	// public-good root.
	TrustedRoot []byte
	// Trusted lists the signers accepted when neither KeyPEM nor Identity
	// is set (the demo world's keys and identities): each signature is
	// verified as without a policy, then its signer must be one of these.
	Trusted []proof.TrustedSigner
}

// Pinned reports whether p says who must have signed
// (proof.KeyPolicy.Pinned decides). Without that, a signature that is
// intact and logged is only that: anyone's logged key passes (verdict
// unpinned, never verified).
func (p Policy) Pinned() bool {
	return p.keyPolicy().Pinned()
}

// keyPolicy is what p says about the key a legacy signature is checked
// with (proof.ChooseKey decides).
func (p Policy) keyPolicy() proof.KeyPolicy {
	return proof.KeyPolicy{Key: p.KeyPEM, Identity: p.Identity != nil, Trusted: p.Trusted}
}

// Deps are the clients VerifyImage uses.
type Deps struct {
	Registry *registry.Client
	Log      *Log
	// Store holds remembered checkpoints for the consistency step; nil
	// skips it. VerifyImage only reads it.
	Store *state.Store
	// OtherLogs are logs a Sigstore bundle's entry may be in besides Log
	// (the built-in and configured ones): a bundle checkpoint that Log's
	// key does not sign is compared with what is remembered for the one of
	// these whose pinned key signs it. Logs without a pinned key are
	// ignored.
	OtherLogs []logs.Log
	// Now is the verification time; nil means time.Now.
	Now func() time.Time
}

// Event reports one finished step: which attachment (index into
// ImageReport.Attachments, -1 for the image itself) and the step.
type Event struct {
	Attachment int
	Step       model.Step
}

// Progress receives events as verification advances; it may be nil. It is
// called from VerifyImage's goroutine.
type Progress func(Event)

// CheckpointRef identifies the checkpoint an entry's proof led to.
type CheckpointRef = report.CheckpointRef

// AttachmentReport is one verified attachment: what was found about it
// (report.AttachmentFacts, the same fields every output shows) and its
// result.
type AttachmentReport struct {
	report.AttachmentFacts
	// Result is nil for SBOMs (attached, not signed).
	Result *model.Result `json:"-"`
}

// Verdict is the attachment's verdict; SBOMs have none (pending).
func (a *AttachmentReport) Verdict() model.Verdict {
	if a.Result == nil {
		return model.VerdictPending
	}
	return a.Result.Verdict()
}

// ImageReport is the outcome of VerifyImage.
type ImageReport struct {
	Reference   string             `json:"reference"`
	Digest      string             `json:"digest"`
	Attachments []AttachmentReport `json:"attachments"`
	Verdict     model.Verdict      `json:"verdict"`
	Reason      string             `json:"reason"`
	// SignerPinned says whether a signer policy was given; without one the
	// best verdict is unpinned.
	SignerPinned bool `json:"signerPinned"`
	// Signers are the distinct signers of the attachments, as found.
	Signers []model.Signer `json:"signers"`
}

// AttachmentVerdict is attachment i's verdict under the report's policy
// (proof.AttachmentVerdict): "verified" only when a signer was pinned.
func (r *ImageReport) AttachmentVerdict(i int) model.Verdict {
	return proof.AttachmentVerdict(r.Attachments[i].Result, r.SignerPinned)
}

// VerifyImage resolves ref, discovers what is attached to its digest and
// verifies every signature and attestation: the signature with the policy,
// the digest it claims, its log entry (from the attached bundle, else looked
// up online by the entry's leaf hash; none means stealth signing, verdict
// not-logged), SET, inclusion proof, checkpoint signature and consistency
// with the remembered checkpoint.
//
// The image verdict: unsigned when no signature is attached; verified when
// at least one signature verified (as cosign verify); else not-logged when a
// valid signature has no log entry; else failed. The error is for an image
// that could not be read at all (verdict error).
func VerifyImage(ctx context.Context, deps Deps, ref string, pol Policy, progress Progress) (*ImageReport, error) {
	rep := &ImageReport{Reference: ref, Attachments: []AttachmentReport{}, SignerPinned: pol.Pinned(), Signers: []model.Signer{}}
	img, err := deps.Registry.Resolve(ctx, ref)
	if err != nil {
		rep.Verdict, rep.Reason = model.VerdictError, err.Error()
		return rep, fmt.Errorf("resolving %s: %w", ref, err)
	}
	rep.Digest = img.Digest
	atts, derr := deps.Registry.Discover(ctx, digestRef(ref, img.Digest))
	if derr != nil && len(atts) == 0 {
		rep.Verdict, rep.Reason = model.VerdictError, derr.Error()
		return rep, fmt.Errorf("discovering attachments of %s: %w", ref, derr)
	}
	return verifyResolved(ctx, deps, rep, img, atts, derr, pol, progress), nil
}

// VerifyResolved is VerifyImage on an image the caller has already
// resolved and discovered with deps.Registry (the explorer, which resolves
// each image once): img must be what ref resolved to and atts what is
// attached to img.Digest. Every attachment is verified as VerifyImage
// does; only the registry round trips are saved.
func VerifyResolved(ctx context.Context, deps Deps, ref string, img model.Image, atts []model.Attachment, pol Policy, progress Progress) *ImageReport {
	rep := &ImageReport{Reference: ref, Digest: img.Digest, Attachments: []AttachmentReport{}, SignerPinned: pol.Pinned(), Signers: []model.Signer{}}
	return verifyResolved(ctx, deps, rep, img, atts, nil, pol, progress)
}

func verifyResolved(ctx context.Context, deps Deps, rep *ImageReport, img model.Image, atts []model.Attachment, derr error, pol Policy, progress Progress) *ImageReport {
	now := time.Now
	if deps.Now != nil {
		now = deps.Now
	}
	v := &verifier{deps: deps, pol: pol, now: now(), progress: progress, consistent: map[string]error{}}
	for i, a := range atts {
		ar := AttachmentReport{AttachmentFacts: report.AttachmentFacts{Kind: a.Kind, Source: a.Source, Digest: a.Digest, PredicateType: a.PredicateType}}
		if a.Kind == model.AttachSBOM {
			rep.Attachments = append(rep.Attachments, ar)
			continue
		}
		ar.Result = &model.Result{Subject: fmt.Sprintf("%s %s", a.Kind, shortDigest(a.Digest))}
		v.index = i
		v.verifyAttachment(ctx, img.Digest, a, &ar)
		v.checkTrusted(&ar)
		rep.Attachments = append(rep.Attachments, ar)
	}
	for _, a := range rep.Attachments {
		if a.Signer != (model.Signer{}) && !slices.Contains(rep.Signers, a.Signer) {
			rep.Signers = append(rep.Signers, a.Signer)
		}
	}
	rep.Verdict, rep.Reason = imageVerdict(rep.Attachments, rep.SignerPinned)
	if derr != nil && rep.Verdict != model.VerdictVerified {
		rep.Reason += " (some attachment sources could not be read: " + derr.Error() + ")"
	}
	return rep
}

func digestRef(ref, digest string) string {
	repo := ref
	if i := strings.Index(repo, "@"); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	return repo + "@" + digest
}

func shortDigest(d string) string {
	if _, h, ok := strings.Cut(d, ":"); ok && len(h) > 12 {
		return h[:12]
	}
	return d
}

// imageVerdict hands the attachments' results to proof.ImageVerdict, the
// judge of an image's verdict.
func imageVerdict(atts []AttachmentReport, pinned bool) (model.Verdict, string) {
	outs := make([]proof.SignatureOutcome, 0, len(atts))
	for _, a := range atts {
		o := proof.SignatureOutcome{
			Name:      fmt.Sprintf("%s %s", a.Kind, shortDigest(a.Digest)),
			Signature: a.Kind == model.AttachSignature, Result: a.Result, Signer: a.Signer,
		}
		o.ValidSignature = a.Result != nil && stepPassed(a.Result, StepSignature)
		outs = append(outs, o)
	}
	return proof.ImageVerdict(outs, pinned)
}

// StepTrustedSigner is the step that checks a signer against
// Policy.Trusted.
const StepTrustedSigner = proof.StepTrustedSigner

// checkTrusted adds proof.JudgeTrustedSigner's step, when it applies, to an
// attachment's result.
func (v *verifier) checkTrusted(ar *AttachmentReport) {
	r := ar.Result
	if r == nil {
		return
	}
	if step, ok := proof.JudgeTrustedSigner(v.keyPolicy(), ar.Signer, r.Verdict() == model.VerdictVerified); ok {
		r.Add(step)
	}
}

// keyPolicy is the verifier's Policy.keyPolicy.
func (v *verifier) keyPolicy() proof.KeyPolicy { return v.pol.keyPolicy() }

type verifier struct {
	deps     Deps
	pol      Policy
	now      time.Time
	progress Progress
	index    int
	// consistent caches the consistency outcome per tree and size.
	mu         sync.Mutex
	consistent map[string]error
}

func (v *verifier) emit(r *model.Result, from int) {
	if v.progress == nil {
		return
	}
	for _, s := range r.Steps[from:] {
		v.progress(Event{Attachment: v.index, Step: s})
	}
}

func (v *verifier) verifyAttachment(ctx context.Context, imageDigest string, a model.Attachment, ar *AttachmentReport) {
	r := ar.Result
	n := 0 // steps already reported
	flush := func() {
		v.emit(r, n)
		n = len(r.Steps)
	}
	defer flush()
	if a.Err != "" {
		r.Fail("parse", "Attachment", errors.New(a.Err))
		return
	}
	if len(a.Bundle) > 0 {
		v.verifyBundle(ctx, imageDigest, a, ar)
		return
	}
	// 1. Which key, and the signature: proof.JudgeSignature. The
	// attachment's own key is its certificate's, else its bundle entry's:
	// who signed, whoever the policy pins.
	ev := proof.SignatureEvidence{Kind: a.Kind, Payload: a.Payload, Signature: a.Signature}
	if len(a.Certificate) > 0 {
		if pemb, s, err := decodedVerifier(a.Certificate); err == nil {
			ev.Attached, ev.AttachedSigner = pemb, s
		}
	}
	var entryBody *body.Body
	if a.RekorBundle != nil {
		entryBody, _ = body.Decode(a.RekorBundle.Body)
	}
	if len(ev.Attached) == 0 && entryBody != nil && len(entryBody.Signatures) > 0 {
		ev.Attached, ev.AttachedSigner = entryBody.Signatures[0].VerifierPEM, entryBody.Signer()
	}
	keyPol := v.keyPolicy()
	if proof.NeedsLoggedKey(keyPol, ev) {
		ev.Logged, ev.LoggedSigner = v.keyFromLog(ctx, a)
	}
	sig := proof.JudgeSignature(r, keyPol, ev)
	ar.Signer = sig.Signer
	if len(sig.Key) == 0 {
		// Only the index was asked (keyFromLog), and without a key no entry
		// can be rebuilt to look up in the tree.
		index := proof.LookupNone
		if v.deps.Log != nil && v.deps.Log.Rekor != nil && a.Kind == model.AttachSignature {
			index = proof.LookupAbsent
		}
		logged, why := proof.DecideLogged(index, proof.LookupNone)
		r.Override = model.VerdictError
		if logged == proof.LoggedNo {
			r.Override = model.VerdictNotLogged
		}
		r.Skip(StepLogEntry, "Log entry", why+"; it carries no bundle, and no key or certificate to rebuild its entry with")
		return
	}
	keyPEM, sigErr := sig.Key, sig.Err
	var payloadForDigest []byte
	if a.Kind == model.AttachSignature {
		payloadForDigest = a.Payload
	}
	flush()
	// 2. The digest the payload claims.
	proof.JudgeSignedDigest(r, a.SignedDigest, imageDigest)
	if v.deps.Log == nil {
		r.Skip(StepLogEntry, "Log entry", "no log configured")
		return
	}
	flush()
	if v.deps.Log.Rekor == nil {
		// Neither an index nor a lookup by leaf hash: proof.DecideLogged
		// cannot tell, and says so; never "not logged".
		_, why := proof.DecideLogged(proof.LookupNone, proof.LookupNone)
		err := fmt.Errorf("log %s is a tiles log: it has no lookup by leaf hash, so a cosign signature without a Sigstore bundle cannot be found in it (%s); verify against the Rekor v1 log that holds its entry", v.deps.Log.Name(), why)
		r.Add(model.Step{Name: StepLogEntry, Title: "Log entry", Status: model.StatusFail, Detail: err.Error(), Err: err})
		r.Override = model.VerdictError
		return
	}
	// 3. The log entry: from the bundle annotation, else by leaf hash.
	var entry *model.LogEntry
	if a.RekorBundle != nil {
		rb := a.RekorBundle
		entry = &model.LogEntry{Body: rb.Body, LogIndex: rb.LogIndex, IntegratedTime: time.Unix(rb.IntegratedTime, 0).UTC(), LogID: rb.LogID, SET: rb.SignedEntryTimestamp}
		if kv, err := body.Peek(rb.Body); err == nil {
			entry.Kind, entry.APIVersion = model.EntryKind(kv.Kind), kv.Version
		}
		proof.JudgeBodyBinding(r, entryBody, a.Signature, payloadForDigest, keyPEM)
		online, err := v.deps.Log.Rekor.EntryByUUID(ctx, hex.EncodeToString(proof.LeafHash(rb.Body)))
		ev := proof.LogEntryEvidence{Kind: a.Kind, LogURL: v.deps.Log.Def.URL, FromBundle: true, BundleIndex: rb.LogIndex, BundleBody: rb.Body, Online: online, Fetch: entryFetch(err), Err: err}
		if ev.Fetch == proof.FetchNotFound {
			ev.Missing = v.deps.Log.MissingEntry(ctx, rb.LogIndex)
		}
		j := v.judgeLogEntry(r, ev)
		if j.Final {
			return
		}
		if j.Step.Status == model.StatusPass {
			entry.UUID, entry.Proof = online.UUID, online.Proof
		}
	} else {
		online, how, logged, note, err := v.lookUpEntry(ctx, a, keyPEM)
		ev := proof.LogEntryEvidence{
			Kind: a.Kind, LogURL: v.deps.Log.Def.URL, Online: online, Fetch: entryFetch(err), Err: err,
			Logged: logged, Note: note, How: how, EarlierFailure: sigErr != nil || r.FirstFailure() != nil,
		}
		if v.judgeLogEntry(r, ev).Final {
			return
		}
		entry = online
	}
	ar.EntryUUID = entry.UUID
	idx, it := entry.LogIndex, entry.IntegratedTime
	ar.LogIndex, ar.IntegratedTime = &idx, &it
	flush()
	// 4. SET, inclusion proof, checkpoint: proof.ExplainEntry.
	ec := v.deps.Log.VerifyEntry(*entry, v.now)
	for _, s := range ec.Result.Steps {
		if s.Name == proof.StepEntryBody || s.Name == proof.StepLeafHash && s.Status == model.StatusPass {
			continue
		}
		r.Add(s)
	}
	// A certificate's key verified the signature: whose key it is, the
	// certificate says only if a trusted CA issued it
	// (proof.IdentityCheckApplies says when it is checked).
	if proof.IdentityCheckApplies(v.keyPolicy(), len(a.Certificate) > 0) {
		v.checkIdentity(r, a, entry, imageDigest, ar.Signer)
	}
	flush()
	if ec.Checkpoint != nil {
		ar.Checkpoint = &CheckpointRef{Origin: ec.Checkpoint.Origin, Size: ec.Checkpoint.Size, RootHash: hex.EncodeToString(ec.Checkpoint.RootHash)}
		v.checkConsistency(ctx, r, v.deps.Log, *ec.Checkpoint, client.TreeIDOf(entry.UUID))
	}
}

// judgeLogEntry adds proof.JudgeLogEntry's step and verdict override to r
// and returns the judgement.
func (v *verifier) judgeLogEntry(r *model.Result, ev proof.LogEntryEvidence) proof.LogEntryJudgement {
	j := proof.JudgeLogEntry(ev)
	r.Add(j.Step)
	if j.Override != model.VerdictPending {
		r.Override = j.Override
	}
	return j
}

// entryFetch classifies the error of asking the log for an entry.
func entryFetch(err error) proof.EntryFetch {
	switch {
	case err == nil:
		return proof.FetchOK
	case errors.Is(err, errUnreadable):
		return proof.FetchUnreadable
	case errors.Is(err, client.ErrNotFound):
		return proof.FetchNotFound
	}
	return proof.FetchFailed
}

// lookUpEntry finds the log entry of an attachment that carries no bundle,
// and says (proof.DecideLogged) whether the log holds it. A signature's
// entry is the hashedrekord body cosign uploads for it, looked up by its
// leaf hash (GET /api/v1/log/entries/{uuid}, answered from the tree). An
// attestation's is first searched in the index by the envelope payload's
// hash, keeping the entry that records this envelope's signature and key;
// the index is best effort, so when it finds none the log is asked for the
// dsse entry cosign uploads (retrieve with the proposed entry, which the
// log canonicalises and looks up by leaf hash in its tree). It returns how
// it looked (evidence); err is for a lookup that could not be made
// (errUnreadable when the attachment itself cannot be read).
func (v *verifier) lookUpEntry(ctx context.Context, a model.Attachment, keyPEM []byte) (_ *model.LogEntry, how model.Evidence, logged proof.Logged, note string, err error) {
	if a.Kind == model.AttachSignature {
		canonical, err := body.BuildHashedRekord(sha256Digest(a.Payload), a.Signature, keyPEM)
		if err != nil {
			return nil, how, logged, "", fmt.Errorf("%w: building the entry to look up: %w", errUnreadable, err)
		}
		leaf := hex.EncodeToString(proof.LeafHash(canonical))
		how = model.Evidence{Label: "looked up leaf hash", Value: leaf}
		e, err := v.deps.Log.Rekor.EntryByUUID(ctx, leaf)
		tree := proof.LookupFound
		switch {
		case errors.Is(err, client.ErrNotFound):
			e, tree = nil, proof.LookupAbsent
		case err != nil:
			return nil, how, logged, "", err
		}
		logged, note = proof.DecideLogged(proof.LookupNone, tree)
		return e, how, logged, note, nil
	}
	env, err := proof.ParseEnvelope(a.Payload)
	if err != nil {
		return nil, how, logged, "", fmt.Errorf("%w: %w", errUnreadable, err)
	}
	records := func(e *model.LogEntry) bool {
		return proof.EntryRecordsEnvelope(e.Body, env.Payload, env.Signatures[0].Sig, keyPEM) == nil
	}
	hash := "sha256:" + sha256Digest(env.Payload).Hex
	how = model.Evidence{Label: "searched payload hash", Value: hash}
	var found *model.LogEntry
	index, tree := proof.LookupAbsent, proof.LookupNone
	uuids, indexErr := v.deps.Log.Rekor.Search(ctx, client.SearchQuery{Hash: hash})
	if indexErr != nil {
		index = proof.LookupNone
	}
	if len(uuids) > maxLookupEntries {
		uuids = uuids[:maxLookupEntries]
	}
	if len(uuids) > 0 {
		entries, err := v.deps.Log.Rekor.Retrieve(ctx, uuids, nil)
		if err != nil {
			return nil, how, logged, "", err
		}
		for i := range entries {
			if records(&entries[i]) {
				found, index = &entries[i], proof.LookupFound
				break
			}
		}
	}
	if found == nil {
		entries, err := v.deps.Log.Rekor.RetrieveProposed(ctx, cosignfmt.DSSEEntry(a.Payload, keyPEM))
		switch {
		case err != nil && indexErr != nil:
			return nil, how, logged, "", fmt.Errorf("%w; %w", indexErr, err)
		case err != nil:
			// The log could not rebuild the entry (an older log, a key
			// it cannot parse): no answer from the tree.
		default:
			tree = proof.LookupAbsent
			for i := range entries {
				if records(&entries[i]) {
					found, tree = &entries[i], proof.LookupFound
					break
				}
			}
		}
	}
	logged, note = proof.DecideLogged(index, tree)
	return found, how, logged, note, nil
}

// errUnreadable marks a lookup that could not start because the attachment
// itself cannot be read: a failed check, not a failure of the log.
var errUnreadable = errors.New("nothing to look up")

// maxLookupEntries bounds how many index matches a lookup fetches: the same
// payload is rarely logged more than a few times.
const maxLookupEntries = 50

func sha256Digest(b []byte) body.Digest {
	sum := sha256.Sum256(b)
	return body.Digest{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}

// keyFromLog finds, for a signature with neither key nor bundle, the log
// entries about its payload, and proof.LoggedSignatureKey picks the key of
// the one that records this signature.
func (v *verifier) keyFromLog(ctx context.Context, a model.Attachment) ([]byte, model.Signer) {
	if v.deps.Log == nil || v.deps.Log.Rekor == nil {
		return nil, model.Signer{}
	}
	d := sha256Digest(a.Payload)
	uuids, err := v.deps.Log.Rekor.Search(ctx, client.SearchQuery{Hash: "sha256:" + d.Hex})
	if err != nil || len(uuids) == 0 {
		return nil, model.Signer{}
	}
	entries, err := v.deps.Log.Rekor.Retrieve(ctx, uuids[:min(len(uuids), maxLookupEntries)], nil)
	if err != nil {
		return nil, model.Signer{}
	}
	bodies := make([][]byte, len(entries))
	for i := range entries {
		bodies[i] = entries[i].Body
	}
	return proof.LoggedSignatureKey(bodies, a.Signature)
}

// checkConsistency proves the checkpoint an entry's proof led to consistent
// with the checkpoint remembered for its tree of log l (either may be the
// larger). For the opened log it first runs the log-head watcher
// (CheckLog, read-only) once per verification when checkpoints are
// remembered for the log: a log that rolled back, forked, dropped a
// remembered tree, changed origin or reports a head it did not sign fails
// the step with the same words as `provscope loginfo`.
//
// A log that cannot be reached leaves the step skipped (a fork, two roots
// for one size, is still caught offline); a log that answers with no valid
// proof fails it.
func (v *verifier) checkConsistency(ctx context.Context, r *model.Result, l *Log, cp model.Checkpoint, treeID string) {
	const title = consistencyTitle
	if v.deps.Store == nil {
		r.Skip(StepConsistency2, title, "nothing to compare with: this log's checkpoints are not remembered across runs (a throw-away log, like the demo's); the explorer's c proves how it grew since it opened")
		return
	}
	if treeID == "" && l.Rekor != nil {
		// A tiles log is one tree, remembered without a tree ID.
		if _, t, ok := proof.RekorV1Origin(cp.Origin); ok {
			treeID = t
		}
	}
	prev, err := v.deps.Store.Load(l.StateKey(), treeID)
	if err != nil || prev == nil {
		r.Skip(StepConsistency2, title, fmt.Sprintf("no checkpoint remembered for this tree of %s (run provscope loginfo --log %s to start)", l.Name(), l.Def.URL))
		return
	}
	old, err := rememberedCheckpoint(prev)
	if err != nil {
		r.Fail(StepConsistency2, title, err)
		return
	}
	if err := offlineConsistency(treeID, old, prev.Note, cp); err != nil {
		r.Fail(StepConsistency2, title, err) // a fork needs no log to prove it
		return
	}
	if l == v.deps.Log {
		if err := v.headCheck(ctx, l); err != nil {
			var unreachable *UnreachableError
			if errors.As(err, &unreachable) {
				r.Skip(StepConsistency2, title, fmt.Sprintf("not proven: %v", err))
			} else {
				r.Fail(StepConsistency2, title, err, model.Evidence{Label: "log", Value: l.Name()})
			}
			return
		}
	}
	key := fmt.Sprintf("%s/%s/%d/%x", l.Def.URL, treeID, cp.Size, cp.RootHash)
	v.mu.Lock()
	res, seen := v.consistent[key]
	v.mu.Unlock()
	if !seen {
		res = proveConsistent(ctx, l, treeID, old, prev.Note, cp)
		v.mu.Lock()
		v.consistent[key] = res
		v.mu.Unlock()
	}
	var unreachable *UnreachableError
	switch {
	case errors.As(res, &unreachable):
		r.Skip(StepConsistency2, title, fmt.Sprintf("not proven: %v", res))
	case res != nil:
		r.Fail(StepConsistency2, title, res)
	default:
		r.Pass(StepConsistency2, title, fmt.Sprintf("size %d is consistent with the remembered size %d", cp.Size, old.Size),
			model.Evidence{Label: "log", Value: l.Name()})
	}
}

// headCheck runs the log-head watcher (CheckLog, without remembering) on
// l once per verification, when the store remembers a tree of l, and
// returns its problem: nil when the log's heads extend what is remembered.
// A log that cannot be reached is an *UnreachableError.
func (v *verifier) headCheck(ctx context.Context, l *Log) error {
	const key = "head"
	v.mu.Lock()
	res, seen := v.consistent[key]
	v.mu.Unlock()
	if seen {
		return res
	}
	res = func() error {
		remembered, err := v.deps.Store.List(l.StateKey())
		if err != nil || len(remembered) == 0 {
			return nil // nothing to hold the log to; the entry's own check follows
		}
		c, err := CheckLog(ctx, l, CheckOptions{Store: v.deps.Store, DryRun: true})
		if err != nil {
			err = fmt.Errorf("checking the log head: %w", err)
			if isUnreachable(err) {
				return &UnreachableError{Log: l.Name(), Err: err}
			}
			return err
		}
		return c.Problem()
	}()
	v.mu.Lock()
	v.consistent[key] = res
	v.mu.Unlock()
	return res
}

// entryEvidence orders an entry's checkpoint cp and the checkpoint old
// remembered for its tree: the smaller one must be extended by the other.
func entryEvidence(treeID string, old model.Checkpoint, oldNote string, cp model.Checkpoint) proof.ConsistencyEvidence {
	if cp.Size < old.Size {
		// An entry proven against an older tree (a bundle's checkpoint):
		// the remembered tree must extend it.
		return proof.ConsistencyEvidence{TreeID: treeID, Old: cp, New: &old, NewNote: oldNote}
	}
	return proof.ConsistencyEvidence{TreeID: treeID, Old: old, OldNote: oldNote, New: &cp}
}

// offlineConsistency judges an entry's checkpoint against the remembered
// one when no proof is needed (equal sizes: the same root, or a fork).
func offlineConsistency(treeID string, old model.Checkpoint, oldNote string, cp model.Checkpoint) error {
	ev := entryEvidence(treeID, old, oldNote, cp)
	if proof.ConsistencyProofNeeded(ev.Old, *ev.New) {
		return nil
	}
	_, err := proof.JudgeConsistency(ev)
	return err
}

// proveConsistent proves an entry's checkpoint cp consistent with the
// checkpoint old remembered for the same tree of l, whichever is larger:
// it fetches the proof, and proof.JudgeConsistency decides.
func proveConsistent(ctx context.Context, l *Log, treeID string, old model.Checkpoint, oldNote string, cp model.Checkpoint) error {
	return judgeConsistency(ctx, l, entryEvidence(treeID, old, oldNote, cp))
}

// judgeConsistency fetches from l the consistency proof ev needs, if any,
// and proof.JudgeConsistency decides. A log that cannot be reached is an
// *UnreachableError.
func judgeConsistency(ctx context.Context, l *Log, ev proof.ConsistencyEvidence) error {
	treeID := ev.TreeID
	if proof.ConsistencyProofNeeded(ev.Old, *ev.New) {
		hashes, err := l.consistencyProof(ctx, treeID, ev.Old.Size, ev.New.Size)
		if err != nil {
			err = fmt.Errorf("fetching consistency proof %d → %d: %w", ev.Old.Size, ev.New.Size, err)
			if isUnreachable(err) {
				return &UnreachableError{Log: l.Name(), Err: err}
			}
			return err
		}
		ev.Proof = hashes
	}
	_, err := proof.JudgeConsistency(ev)
	return err
}

// UnreachableError reports a log that could not be reached (no HTTP answer
// at all) for a check that needs it online.
type UnreachableError struct {
	Log string
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("log %s could not be reached: %v", e.Log, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// isUnreachable reports an error from the connection itself (refused, DNS,
// timeout), as opposed to an answer from the log.
func isUnreachable(err error) bool {
	var he *client.HTTPError
	if errors.As(err, &he) {
		return false
	}
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne)
}

// verifyBundle verifies a Sigstore bundle attachment with proof.VerifyBundle
// against the image digest, then the consistency of the checkpoint its
// inclusion proof carries with the remembered one.
func (v *verifier) verifyBundle(ctx context.Context, imageDigest string, a model.Attachment, ar *AttachmentReport) {
	alg, hx, _ := strings.Cut(imageDigest, ":")
	// No policy: as for legacy signatures, a key-signed bundle is checked
	// against the key its own log entry records (proof.BundleKey).
	keyPEM := proof.BundleKey(v.keyPolicy(), bundleEntryVerifier(a))
	opts := proof.BundleOptions{
		TrustedRoot: v.pol.TrustedRoot, Key: keyPEM, Identity: v.pol.Identity,
		ArtifactDigest: &proof.ArtifactDigest{Algorithm: alg, Hex: hx},
	}
	res := proof.VerifyBundle(a.Bundle, opts)
	res.Subject = ar.Result.Subject
	*ar.Result = *res
	defer v.explainBundle(ar)
	if rb := a.RekorBundle; rb != nil {
		idx, it := rb.LogIndex, time.Unix(rb.IntegratedTime, 0).UTC()
		ar.LogIndex, ar.IntegratedTime = &idx, &it
		ar.EntryUUID = hex.EncodeToString(proof.LeafHash(rb.Body))
		if b, err := body.Decode(rb.Body); err == nil {
			ar.Signer = b.Signer()
		}
	}
	if len(a.Certificate) > 0 {
		if _, s, err := decodedVerifier(a.Certificate); err == nil {
			ar.Signer = s
		}
	}
	v.bundleConsistency(ctx, a, ar)
}

// explainBundle has proof.ExplainBundleFailure rewrite a failed bundle
// verification's first failure in terms of who signed and what to do.
func (v *verifier) explainBundle(ar *AttachmentReport) {
	proof.ExplainBundleFailure(ar.Result.FirstFailure(), ar.Signer, v.pol.KeyPEM, v.pol.Identity)
}

// bundleConsistency is the consistency step for a Sigstore bundle: the
// checkpoint its inclusion proof carries, once proof.VerifyBundle verified it
// against the trusted root, is proven consistent with the checkpoint
// remembered for its log, as for legacy signatures. Its log is the opened
// one when that log's key signs the checkpoint, else the one of
// Deps.OtherLogs whose pinned key does; in no known log, it is not compared.
func (v *verifier) bundleConsistency(ctx context.Context, a model.Attachment, ar *AttachmentReport) {
	r := ar.Result
	note := ""
	for _, e := range bundleTlogEntries(a.Bundle) {
		if note = e.InclusionProof.Checkpoint.Envelope; note != "" {
			break
		}
	}
	if note == "" || !stepPassed(r, proof.BundleStepCheckpoint) {
		r.Skip(StepConsistency2, consistencyTitle, "the bundle carries no verified checkpoint")
		return
	}
	origin, _, _ := strings.Cut(note, "\n")
	if text, _, ok := strings.Cut(note, "\n\n"); ok {
		if cp, err := proof.ParseCheckpoint([]byte(text + "\n")); err == nil {
			ar.Checkpoint = &CheckpointRef{Origin: cp.Origin, Size: cp.Size, RootHash: hex.EncodeToString(cp.RootHash)}
		}
	}
	if v.deps.Log == nil {
		r.Skip(StepConsistency2, consistencyTitle, "no log configured")
		return
	}
	l, cp := v.deps.Log, (*model.Checkpoint)(nil)
	if c, err := l.VerifyNote(note); err == nil {
		cp = c
	} else {
		l, cp = v.signingLog(ctx, note)
	}
	if cp == nil {
		r.Skip(StepConsistency2, consistencyTitle, fmt.Sprintf("the bundle's checkpoint (%s) is signed by none of the known logs' keys (%s, the built-in and configured logs): nothing remembered to compare with", origin, v.deps.Log.Name()))
		return
	}
	v.checkConsistency(ctx, r, l, *cp, "")
}

// signingLog opens the log of Deps.OtherLogs whose pinned key signs note,
// and returns it with the verified checkpoint; nil when none does.
func (v *verifier) signingLog(ctx context.Context, note string) (*Log, *model.Checkpoint) {
	for _, def := range v.deps.OtherLogs {
		if def.PublicKey == "" || def.URL == v.deps.Log.Def.URL && def.Kind == v.deps.Log.Def.Kind {
			continue
		}
		l, err := OpenLog(ctx, def, LogOptions{})
		if err != nil {
			continue
		}
		if cp, err := l.VerifyNote(note); err == nil {
			return l, cp
		}
	}
	return nil, nil
}

// stepPassed reports whether r has a step named name that passed.
func stepPassed(r *model.Result, name string) bool {
	for _, s := range r.Steps {
		if s.Name == name {
			return s.Status == model.StatusPass
		}
	}
	return false
}

// bundleTlogEntry is what inspect reads of a Sigstore bundle's log entry
// itself; proof.VerifyBundle verifies it.
type bundleTlogEntry struct {
	CanonicalizedBody []byte `json:"canonicalizedBody"`
	InclusionProof    struct {
		Checkpoint struct {
			Envelope string `json:"envelope"`
		} `json:"checkpoint"`
	} `json:"inclusionProof"`
}

// bundleTlogEntries returns a Sigstore bundle's log entries, or nil when
// the bundle cannot be read.
func bundleTlogEntries(bundleJSON []byte) []bundleTlogEntry {
	var b struct {
		VerificationMaterial struct {
			TlogEntries []bundleTlogEntry `json:"tlogEntries"`
		} `json:"verificationMaterial"`
	}
	if json.Unmarshal(bundleJSON, &b) != nil {
		return nil
	}
	return b.VerificationMaterial.TlogEntries
}

// bundleEntryVerifier returns the verifier PEM (key or certificate) that a
// bundle's first log entry records, or nil; proof.BundleKey decides whether
// it is used.
func bundleEntryVerifier(a model.Attachment) []byte {
	raw := []byte(nil)
	if a.RekorBundle != nil {
		raw = a.RekorBundle.Body
	} else {
		entries := bundleTlogEntries(a.Bundle)
		if len(entries) == 0 {
			return nil
		}
		raw = entries[0].CanonicalizedBody
	}
	eb, err := body.Decode(raw)
	if err != nil || len(eb.Signatures) == 0 {
		return nil
	}
	return eb.Signatures[0].VerifierPEM
}

// StepIdentity is the step that checks a keyless signature's certificate
// chain and identity against the policy.
const StepIdentity = proof.StepCertificateIdentity

// checkIdentity gathers what proof.JudgeCertificateIdentity needs to check
// a legacy keyless signature or attestation: the attachment repackaged as
// a Sigstore bundle with its log entry, since only sigstore-go checks what
// the legacy format cannot say alone (Fulcio chain, SCT, SAN and issuer,
// integrated time inside the certificate's validity).
func (v *verifier) checkIdentity(r *model.Result, a model.Attachment, entry *model.LogEntry, imageDigest string, signer model.Signer) {
	ev := proof.IdentityEvidence{Kind: a.Kind, Payload: a.Payload, ImageDigest: imageDigest, HasCertificate: len(a.Certificate) > 0, Signer: signer}
	if ev.HasCertificate {
		b, err := legacyBundle(a, entry, nil)
		if err != nil {
			err = fmt.Errorf("repackaging the %s for verification: %w", a.Kind, err)
		}
		ev.Bundle, ev.BundleErr = b, err
	}
	proof.JudgeCertificateIdentity(r, v.pol.Identity, v.pol.TrustedRoot, ev)
}
