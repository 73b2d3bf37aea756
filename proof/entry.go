package proof

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sigstore/rekor/pkg/generated/models"

	"github.com/provscope/provscope/model"
)

// MaxEntryResponseSize bounds a saved GET /api/v1/log/entries… response.
const MaxEntryResponseSize = 32 << 20

// ParseEntryResponse parses a saved Rekor v1 entries response into log
// entries, using rekor's generated models: an object mapping entry UUIDs to
// LogEntryAnon (GET /api/v1/log/entries/{uuid} and ?logIndex=), an array of
// such objects (POST /api/v1/log/entries/retrieve), or one bare
// LogEntryAnon (its UUID is then left empty). Entries are returned sorted by
// UUID. Formats are checked strictly (base64, 64-hex hashes, non-negative
// indices); nothing is verified: see VerifyEntry.
func ParseEntryResponse(b []byte) ([]model.LogEntry, error) {
	if len(b) > MaxEntryResponseSize {
		return nil, &MalformedError{What: "entry response", Reason: fmt.Sprintf("%d bytes, larger than the %d-byte limit", len(b), MaxEntryResponseSize)}
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, &MalformedError{What: "entry response", Reason: "empty input"}
	}
	var maps []map[string]json.RawMessage
	switch b[0] {
	case '[':
		if err := json.Unmarshal(b, &maps); err != nil {
			return nil, &MalformedError{What: "entry response", Reason: jsonReason(err)}
		}
	case '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, &MalformedError{What: "entry response", Reason: jsonReason(err)}
		}
		if _, bare := m["body"]; bare {
			e, err := parseEntryAnon("", b)
			if err != nil {
				return nil, err
			}
			return []model.LogEntry{e}, nil
		}
		maps = append(maps, m)
	default:
		return nil, &MalformedError{What: "entry response", Reason: "not a JSON object or array"}
	}
	var out []model.LogEntry
	for _, m := range maps {
		uuids := make([]string, 0, len(m))
		for u := range m {
			uuids = append(uuids, u)
		}
		sort.Strings(uuids)
		for _, u := range uuids {
			e, err := parseEntryAnon(u, m[u])
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, &MalformedError{What: "entry response", Reason: "no entries"}
	}
	return out, nil
}

func jsonReason(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, err)
	}
	return "invalid JSON: " + err.Error()
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// parseEntryAnon converts one LogEntryAnon into a model.LogEntry.
func parseEntryAnon(uuid string, raw []byte) (model.LogEntry, error) {
	what := "entry"
	if uuid != "" {
		what = "entry " + trunc(uuid)
	}
	bad := func(format string, a ...any) (model.LogEntry, error) {
		return model.LogEntry{}, &MalformedError{What: what, Reason: fmt.Sprintf(format, a...)}
	}
	if uuid != "" && !isHex(uuid, 64) && !isHex(uuid, 80) {
		return bad("UUID has %d characters, want 64 or 80 hex digits", len(uuid))
	}
	var a models.LogEntryAnon
	if err := json.Unmarshal(raw, &a); err != nil {
		return bad("%s", jsonReason(err))
	}
	body, ok := a.Body.(string)
	if !ok || body == "" {
		return bad("body is missing or not a base64 string")
	}
	bodyBytes, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		return bad("body is not base64: %v", err)
	}
	switch {
	case a.IntegratedTime == nil:
		return bad("integratedTime is missing")
	case *a.IntegratedTime < 0:
		return bad("integratedTime %d is negative", *a.IntegratedTime)
	case a.LogID == nil || !isHex(*a.LogID, 64):
		return bad("logID is missing or not 64 hex digits")
	case a.LogIndex == nil:
		return bad("logIndex is missing")
	case *a.LogIndex < 0:
		return bad("logIndex %d is negative", *a.LogIndex)
	}
	e := model.LogEntry{
		UUID:           strings.ToLower(uuid),
		LogIndex:       *a.LogIndex,
		IntegratedTime: time.Unix(*a.IntegratedTime, 0).UTC(),
		LogID:          strings.ToLower(*a.LogID),
		Body:           bodyBytes,
	}
	var head struct {
		Kind       string `json:"kind"`
		APIVersion string `json:"apiVersion"`
	}
	if json.Unmarshal(bodyBytes, &head) == nil {
		e.Kind, e.APIVersion = model.EntryKind(head.Kind), head.APIVersion
	}
	if v := a.Verification; v != nil {
		e.SET = v.SignedEntryTimestamp
		if p := v.InclusionProof; p != nil {
			switch {
			case p.LogIndex == nil:
				return bad("inclusionProof.logIndex is missing")
			case *p.LogIndex < 0:
				return bad("inclusionProof.logIndex %d is negative", *p.LogIndex)
			case p.TreeSize == nil:
				return bad("inclusionProof.treeSize is missing")
			case *p.TreeSize < 1:
				return bad("inclusionProof.treeSize %d is not positive", *p.TreeSize)
			case p.RootHash == nil || !isHex(*p.RootHash, 64):
				return bad("inclusionProof.rootHash is missing or not 64 hex digits")
			case len(p.Hashes) > 64:
				return bad("inclusionProof has %d hashes, more than 64", len(p.Hashes))
			}
			ip := &model.InclusionProof{LogIndex: *p.LogIndex, TreeSize: *p.TreeSize}
			ip.RootHash, _ = hex.DecodeString(*p.RootHash)
			for i, h := range p.Hashes {
				if !isHex(h, 64) {
					return bad("inclusionProof.hashes[%d] is not 64 hex digits", i)
				}
				hb, _ := hex.DecodeString(h)
				ip.Hashes = append(ip.Hashes, hb)
			}
			if p.Checkpoint != nil {
				ip.Checkpoint = *p.Checkpoint
			}
			e.Proof = ip
		}
	}
	return e, nil
}

// LogKeys are the keys a Rekor v1 log entry is checked with.
type LogKeys struct {
	// Public is the log's public key: it signs SETs and checkpoints; its
	// DER SHA-256 is the log ID.
	Public crypto.PublicKey
	// Name is the checkpoint signer name (the log's host name for Rekor v1,
	// such as "rekor.sigstore.dev"). When empty, the host of the
	// checkpoint's origin line is used.
	Name string
	// Witnesses are optional witness keys for checkpoint cosignatures, and
	// MinWitnesses how many must have cosigned.
	Witnesses    []NoteKey
	MinWitnesses int
}

// EntryOptions tune VerifyEntry.
type EntryOptions struct {
	// AllowSETOnly accepts entries without an inclusion proof or without a
	// signed checkpoint: those steps are then skipped and trust rests on
	// the SET alone (a promise of inclusion, not a proof). By default they
	// fail.
	AllowSETOnly bool
	// Now, when not zero, is the verification time: an integrated time
	// after Now fails.
	Now time.Time
}

// EntryReport is VerifyEntry's result with the details behind it.
type EntryReport struct {
	Result   *model.Result
	LeafHash []byte
	// Inclusion is the hash walk of the inclusion proof, when it could be built.
	Inclusion *InclusionTrace
	// Checkpoint is the opened checkpoint, when there was one.
	Checkpoint *VerifiedCheckpoint
}

// CheckpointMismatchError reports a checkpoint that commits to another tree
// than the inclusion proof claims.
type CheckpointMismatchError struct {
	Field     string
	Got, Want string
}

func (e *CheckpointMismatchError) Error() string {
	return fmt.Sprintf("checkpoint %s %s does not match the inclusion proof's %s", e.Field, e.Got, e.Want)
}

// Step names of VerifyEntry, stable for JSON output and the UI.
const (
	StepEntryBody       = "entry-body"
	StepLeafHash        = "leaf-hash"
	StepLogID           = "log-id"
	StepSET             = "signed-entry-timestamp"
	StepIntegratedTime  = "integrated-time"
	StepInclusionProof  = "inclusion-proof"
	StepCheckpoint      = "checkpoint-signature"
	StepCheckpointMatch = "checkpoint-match"
)

func evid(label, value string) model.Evidence { return model.Evidence{Label: label, Value: value} }

// VerifyEntry verifies a saved Rekor v1 log entry offline. See ExplainEntry.
func VerifyEntry(e model.LogEntry, keys LogKeys, opts EntryOptions) *model.Result {
	return ExplainEntry(e, keys, opts).Result
}

// ExplainEntry verifies a saved Rekor v1 log entry offline and explains
// each step, with evidence:
//
//  1. the body is present and names its kind;
//  2. its RFC 6962 leaf hash SHA-256(0x00||body) equals the last 64 hex
//     digits of the UUID (the first 16, when present, are the shard's tree ID);
//  3. the entry's log ID is the SHA-256 of the trusted log key;
//  4. the SET verifies over {body, integratedTime, logID, logIndex} with the
//     GLOBAL log index;
//  5. (when opts.Now is set) the integrated time is not in the future;
//  6. the inclusion proof verifies from the leaf hash to the proof's root,
//     at the SHARD-LOCAL index inclusionProof.logIndex;
//  7. the checkpoint is signed by the log key (VerifyCheckpoint);
//  8. the checkpoint's size and root are the proof's tree size and root,
//     and its origin's tree ID is the UUID's.
//
// Every step runs that can; a step that depends on a failed one is skipped.
func ExplainEntry(e model.LogEntry, keys LogKeys, opts EntryOptions) *EntryReport {
	subject := "entry"
	if e.UUID != "" {
		subject = "entry " + shortHex(e.UUID)
	}
	r := &model.Result{Subject: fmt.Sprintf("%s (log index %d)", subject, e.LogIndex)}
	rep := &EntryReport{Result: r}

	// 1. Body.
	if len(e.Body) == 0 {
		r.Fail(StepEntryBody, "Entry body", &MalformedError{What: "entry", Reason: "empty body"})
	} else {
		sum := sha256.Sum256(e.Body)
		kind := string(e.Kind)
		if kind == "" {
			kind = "unknown (body is not a Rekor entry JSON)"
		}
		r.Pass(StepEntryBody, "Entry body", fmt.Sprintf("%s %s, %d bytes", kind, e.APIVersion, len(e.Body)),
			evid("kind", kind), evid("apiVersion", e.APIVersion), evid("body sha256", hex.EncodeToString(sum[:])))
	}

	// 2. Leaf hash and UUID.
	leaf := LeafHash(e.Body)
	rep.LeafHash = leaf
	leafHex := hex.EncodeToString(leaf)
	uuidTreeID := ""
	switch u := strings.ToLower(e.UUID); {
	case u == "":
		r.Pass(StepLeafHash, "Leaf hash", "no UUID given; leaf hash computed from the body", evid("leaf hash", leafHex))
	case !isHex(u, 64) && !isHex(u, 80):
		r.Fail(StepLeafHash, "Leaf hash", &MalformedError{What: "entry UUID", Reason: fmt.Sprintf("%d characters, want 64 or 80 hex digits", len(u))})
	default:
		ev := []model.Evidence{evid("leaf hash", leafHex), evid("UUID", u)}
		if len(u) == 80 {
			tid, _ := strconv.ParseUint(u[:16], 16, 64)
			uuidTreeID = strconv.FormatUint(tid, 10)
			ev = append(ev, evid("tree ID (UUID prefix)", uuidTreeID))
		}
		if u[len(u)-64:] != leafHex {
			r.Fail(StepLeafHash, "Leaf hash", fmt.Errorf("leaf hash %s of the body is not the UUID's %s: the body was changed or belongs to another entry", leafHex, u[len(u)-64:]), ev...)
		} else {
			r.Pass(StepLeafHash, "Leaf hash", "SHA-256(0x00 || body) equals the UUID's last 64 hex digits", ev...)
		}
	}

	// 3. Log ID.
	fp, fpErr := KeyFingerprint(keys.Public)
	switch {
	case fpErr != nil:
		r.Fail(StepLogID, "Log ID", fmt.Errorf("reading log key: %w", fpErr))
	case e.LogID != fp:
		r.Fail(StepLogID, "Log ID", &UnknownKeyError{What: "entry", Signers: []string{e.LogID}, Known: []string{fp}},
			evid("entry log ID", e.LogID), evid("trusted key", fp))
	default:
		r.Pass(StepLogID, "Log ID", "the entry's log ID is the SHA-256 of the trusted log key", evid("log ID", fp))
	}

	// 4. SET.
	payload := SETPayload{Body: e.Body, IntegratedTime: e.IntegratedTime.Unix(), LogID: e.LogID, LogIndex: e.LogIndex}
	setEv := []model.Evidence{
		evid("global log index", strconv.FormatInt(e.LogIndex, 10)),
		evid("integrated time", fmt.Sprintf("%d (%s)", e.IntegratedTime.Unix(), e.IntegratedTime.UTC().Format(time.RFC3339))),
		evid("log ID", e.LogID),
	}
	if c, err := payload.Canonical(); err == nil {
		sum := sha256.Sum256(c)
		setEv = append(setEv, evid("signed payload", fmt.Sprintf("RFC 8785 JSON {body, integratedTime, logID, logIndex}, %d bytes, sha256 %x", len(c), sum)))
	}
	switch {
	case len(e.SET) == 0:
		r.Fail(StepSET, "Signed entry timestamp", errors.New("the entry has no signed entry timestamp"), setEv...)
	case fpErr != nil:
		r.Skip(StepSET, "Signed entry timestamp", "no usable log key")
	default:
		if err := VerifySET(e.SET, payload, keys.Public); err != nil {
			r.Fail(StepSET, "Signed entry timestamp", err, setEv...)
		} else {
			r.Pass(StepSET, "Signed entry timestamp", "the log signed this body, time and global index", setEv...)
		}
	}

	// 5. Integrated time.
	if !opts.Now.IsZero() {
		if e.IntegratedTime.After(opts.Now) {
			r.Fail(StepIntegratedTime, "Integrated time", fmt.Errorf("integrated time %s is after the verification time %s", e.IntegratedTime.UTC().Format(time.RFC3339), opts.Now.UTC().Format(time.RFC3339)))
		} else {
			r.Pass(StepIntegratedTime, "Integrated time", "not in the future", evid("integrated time", e.IntegratedTime.UTC().Format(time.RFC3339)))
		}
	}

	// 6. Inclusion proof.
	p := e.Proof
	if p == nil {
		missing(r, opts, StepInclusionProof, "Inclusion proof", "the entry has no inclusion proof")
		missing(r, opts, StepCheckpoint, "Signed checkpoint", "no inclusion proof, so no checkpoint")
		return rep
	}
	proofEv := []model.Evidence{
		evid("leaf index in shard", strconv.FormatInt(p.LogIndex, 10)),
		evid("global log index", strconv.FormatInt(e.LogIndex, 10)),
		evid("tree size", strconv.FormatInt(p.TreeSize, 10)),
		evid("root hash", hex.EncodeToString(p.RootHash)),
		evid("proof hashes", strconv.Itoa(len(p.Hashes))),
	}
	if p.LogIndex < 0 || p.TreeSize < 0 {
		r.Fail(StepInclusionProof, "Inclusion proof", &RangeError{Msg: fmt.Sprintf("negative leaf index %d or tree size %d", p.LogIndex, p.TreeSize)}, proofEv...)
	} else {
		tr, err := TraceInclusion(uint64(p.LogIndex), uint64(p.TreeSize), leaf, p.Hashes, p.RootHash)
		rep.Inclusion = tr
		if tr != nil {
			proofEv = append(proofEv, evid("computed root", hex.EncodeToString(tr.Computed)))
		}
		indices := fmt.Sprintf("leaf %d of %d", p.LogIndex, p.TreeSize)
		if p.LogIndex != e.LogIndex {
			indices += fmt.Sprintf(" in its shard (global index %d counts all shards; the SET signs the global index, the proof uses the shard's)", e.LogIndex)
		}
		if err != nil {
			r.Fail(StepInclusionProof, "Inclusion proof", fmt.Errorf("verifying inclusion of %s: %w", indices, err), proofEv...)
		} else {
			r.Pass(StepInclusionProof, "Inclusion proof", fmt.Sprintf("%s: %d hashes lead from the leaf to the root", indices, len(tr.Steps)), proofEv...)
		}
	}

	// 7. Checkpoint signature.
	if p.Checkpoint == "" {
		missing(r, opts, StepCheckpoint, "Signed checkpoint", "the inclusion proof carries no signed checkpoint, so its root is not signed")
		return rep
	}
	vc, err := verifyEntryCheckpoint([]byte(p.Checkpoint), keys)
	rep.Checkpoint = vc
	if err != nil {
		var ev []model.Evidence
		if vc != nil && vc.Note != nil {
			for _, s := range vc.Note.Signatures {
				ev = append(ev, evid(s.ID(), s.Status.String()))
			}
		}
		r.Fail(StepCheckpoint, "Signed checkpoint", fmt.Errorf("verifying checkpoint: %w", err), ev...)
	} else {
		ev := []model.Evidence{evid("origin", vc.Origin), evid("tree size", strconv.FormatUint(vc.Size, 10)), evid("root hash", hex.EncodeToString(vc.RootHash))}
		for _, x := range vc.Extra {
			ev = append(ev, evid("extension", x))
		}
		for _, s := range vc.Note.Signatures {
			ev = append(ev, evid(s.ID(), s.Status.String()))
		}
		r.Pass(StepCheckpoint, "Signed checkpoint", "signed by the log key", ev...)
	}

	// 8. Checkpoint matches the proof.
	if vc == nil || vc.Origin == "" {
		r.Skip(StepCheckpointMatch, "Checkpoint matches proof", "the checkpoint could not be parsed")
		return rep
	}
	var mismatch error
	switch _, tid, isV1 := RekorV1Origin(vc.Origin); {
	case p.TreeSize < 0 || vc.Size != uint64(p.TreeSize):
		mismatch = &CheckpointMismatchError{Field: "tree size", Got: strconv.FormatUint(vc.Size, 10), Want: strconv.FormatInt(p.TreeSize, 10)}
	case !bytes.Equal(vc.RootHash, p.RootHash):
		mismatch = &CheckpointMismatchError{Field: "root hash", Got: hex.EncodeToString(vc.RootHash), Want: hex.EncodeToString(p.RootHash)}
	case isV1 && uuidTreeID != "" && tid != uuidTreeID:
		mismatch = &CheckpointMismatchError{Field: "tree ID", Got: tid, Want: uuidTreeID + " (from the UUID)"}
	}
	mev := []model.Evidence{
		evid("checkpoint", fmt.Sprintf("size %d, root %x", vc.Size, vc.RootHash)),
		evid("inclusion proof", fmt.Sprintf("size %d, root %x", p.TreeSize, p.RootHash)),
	}
	if mismatch != nil {
		r.Fail(StepCheckpointMatch, "Checkpoint matches proof", mismatch, mev...)
	} else {
		r.Pass(StepCheckpointMatch, "Checkpoint matches proof", "the signed checkpoint commits to the proof's tree size and root", mev...)
	}
	return rep
}

// missing records a step whose input is absent: skipped under
// AllowSETOnly, failed otherwise.
func missing(r *model.Result, opts EntryOptions, name, title, why string) {
	if opts.AllowSETOnly {
		r.Skip(name, title, why+" (accepted: trust rests on the SET alone)")
		return
	}
	r.Fail(name, title, errors.New(why))
}

// verifyEntryCheckpoint verifies a Rekor v1 checkpoint with the log key,
// naming the key after keys.Name or the origin's host.
func verifyEntryCheckpoint(msg []byte, keys LogKeys) (*VerifiedCheckpoint, error) {
	name := keys.Name
	if name == "" {
		n, err := OpenNote(msg, nil)
		if err != nil {
			return nil, err
		}
		c, err := ParseCheckpoint([]byte(n.Text))
		if err != nil {
			return &VerifiedCheckpoint{Note: n, Raw: string(msg)}, err
		}
		name = c.Origin
		if host, _, ok := RekorV1Origin(c.Origin); ok {
			name = host
		}
	}
	k, err := NewLogKey(name, keys.Public)
	if err != nil {
		return nil, err
	}
	return VerifyCheckpoint(msg, append([]NoteKey{k}, keys.Witnesses...), CheckpointOptions{MinWitnesses: keys.MinWitnesses})
}
