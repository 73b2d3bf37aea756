package server

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-openapi/strfmt"
	"github.com/sigstore/rekor/pkg/generated/models"
	pkix509 "github.com/sigstore/rekor/pkg/pki/x509"
	"github.com/sigstore/rekor/pkg/types"
	"github.com/sigstore/rekor/pkg/types/dsse"
	dsse001 "github.com/sigstore/rekor/pkg/types/dsse/v0.0.1"
	"github.com/sigstore/rekor/pkg/types/hashedrekord"
	hashedrekord001 "github.com/sigstore/rekor/pkg/types/hashedrekord/v0.0.1"
	"github.com/sigstore/rekor/pkg/types/intoto"
	intoto001 "github.com/sigstore/rekor/pkg/types/intoto/v0.0.1"
	intoto002 "github.com/sigstore/rekor/pkg/types/intoto/v0.0.2"
	"github.com/sigstore/sigstore/pkg/signature/options"
	"github.com/transparency-dev/merkle/rfc6962"
)

// kind is one entry type this log accepts: its rekor type constructor and
// the API versions it takes on submission. Each version package registers
// itself with its kind's version map when imported; naming its APIVERSION
// here keeps that import explicit.
type kind struct {
	newType  func() types.TypeImpl
	versions []string
}

// kinds is the registry of every entry kind this log accepts. It is never
// modified after package initialisation.
var kinds = map[string]kind{
	hashedrekord.KIND: {newType: hashedrekord.New, versions: []string{hashedrekord001.APIVERSION}},
	dsse.KIND:         {newType: dsse.New, versions: []string{dsse001.APIVERSION}},
	intoto.KIND:       {newType: intoto.New, versions: []string{intoto001.APIVERSION, intoto002.APIVERSION}},
}

// prepared is a proposed entry after validation: its canonical body (the
// leaf stored in the tree), the RFC 6962 leaf hash and its index keys.
type prepared struct {
	body   []byte
	stored []byte // body as stored (see codec.go); set for inserts
	leaf   []byte
	keys   []string
}

// errEntryInvalid marks a proposed entry that fails validation (HTTP 400).
var errEntryInvalid = errors.New("invalid entry")

// canonicalize validates pe the way Rekor's createLogEntry does (kind and
// version allowed, insertable, signature verified) and returns its canonical
// body, byte-identical to what Rekor stores. Errors wrap errEntryInvalid when
// the entry is at fault.
func canonicalize(ctx context.Context, pe models.ProposedEntry, forInsert bool) (*prepared, error) {
	if pe == nil {
		return nil, fmt.Errorf("%w: proposed entry cannot be nil", errEntryInvalid)
	}
	k, ok := kinds[pe.Kind()]
	if !ok {
		return nil, fmt.Errorf("%w: entry kind %q is not supported by this log (supported: hashedrekord, dsse, intoto)", errEntryInvalid, pe.Kind())
	}
	ei, err := unmarshalEntry(k, pe)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errEntryInvalid, err)
	}
	if forInsert {
		if !slices.Contains(k.versions, ei.APIVersion()) {
			return nil, fmt.Errorf("%w: entry kind %q does not support inserting entries of version %q", errEntryInvalid, pe.Kind(), ei.APIVersion())
		}
		if ok, err := ei.Insertable(); !ok {
			return nil, fmt.Errorf("%w: entry not insertable into log: %w", errEntryInvalid, err)
		}
	}
	if hr, ok := ei.(*hashedrekord001.V001Entry); ok {
		if body, keys, ok := canonicalHashedRekord(hr); ok {
			if !forInsert {
				keys = nil
			}
			return &prepared{body: body, leaf: rfc6962.DefaultHasher.HashLeaf(body), keys: keys}, nil
		}
	}
	body, err := types.CanonicalizeEntry(ctx, ei)
	if err != nil {
		var ve *types.InputValidationError
		if errors.As(err, &ve) {
			return nil, fmt.Errorf("%w: %w", errEntryInvalid, err)
		}
		return nil, fmt.Errorf("canonicalizing entry: %w", err)
	}
	// Rekor computes the index keys after canonicalisation; so do we.
	var keys []string
	if forInsert {
		if keys, err = ei.IndexKeys(); err != nil {
			return nil, fmt.Errorf("%w: computing index keys: %w", errEntryInvalid, err)
		}
	}
	return &prepared{body: body, leaf: rfc6962.DefaultHasher.HashLeaf(body), keys: keys}, nil
}

// canonicalHashedRekord computes, for a valid hashedrekord 0.0.1 entry,
// what Rekor's V001Entry.Canonicalize (with its validate),
// types.CanonicalizeEntry and IndexKeys compute, from the same rekor
// pieces (x509.NewSignatureWithOpts, x509.NewPublicKey, Signature.Verify,
// CanonicalValue, Subjects) but without the JSON round trip: Rekor marshals
// the canonical entry with encoding/json and re-parses it into RFC 8785
// form, a third of a submission's CPU besides the signature check. For
// these values (an enum, hex digits, base64) RFC 8785 is exactly the
// template below (hrPrefix... in codec.go for SHA-256).
//
// ok is false for any entry that fails validation or has another shape;
// the caller then takes Rekor's own path, which gives Rekor's error.
// TestCanonicalHashedRekordMatchesRekor and FuzzCanonicalHashedRekord check
// that both paths agree.
func canonicalHashedRekord(e *hashedrekord001.V001Entry) (body []byte, keys []string, ok bool) {
	obj := e.HashedRekordObj
	sig, data := obj.Signature, obj.Data
	if sig == nil || sig.PublicKey == nil || data == nil || data.Hash == nil || data.Hash.Algorithm == nil || data.Hash.Value == nil {
		return nil, nil, false
	}
	alg, value := *data.Hash.Algorithm, *data.Hash.Value
	var h crypto.Hash
	switch alg {
	case models.HashedrekordV001SchemaDataHashAlgorithmSha256:
		h = crypto.SHA256
	case models.HashedrekordV001SchemaDataHashAlgorithmSha384:
		h = crypto.SHA384
	case models.HashedrekordV001SchemaDataHashAlgorithmSha512:
		h = crypto.SHA512
	default:
		return nil, nil, false
	}
	if len(value) != 2*h.Size() {
		return nil, nil, false
	}
	digest, err := hex.DecodeString(value)
	if err != nil {
		return nil, nil, false
	}
	sigObj, err := pkix509.NewSignatureWithOpts(bytes.NewReader(sig.Content), options.WithED25519ph())
	if err != nil {
		return nil, nil, false
	}
	keyObj, err := pkix509.NewPublicKey(bytes.NewReader(sig.PublicKey.Content))
	if err != nil {
		return nil, nil, false
	}
	if err := sigObj.Verify(nil, keyObj, options.WithDigest(digest), options.WithCryptoSignerOpts(h)); err != nil {
		return nil, nil, false
	}
	sigCanon, err := sigObj.CanonicalValue()
	if err != nil {
		return nil, nil, false
	}
	keyCanon, err := keyObj.CanonicalValue()
	if err != nil {
		return nil, nil, false
	}
	b64 := base64.StdEncoding
	body = make([]byte, 0, len(hrPrefix)+len(value)+len(hrSig)+b64.EncodedLen(len(sigCanon))+len(hrKey)+b64.EncodedLen(len(keyCanon))+len(hrEnd))
	body = append(body, `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"`...)
	body = append(body, alg...)
	body = append(body, `","value":"`...)
	body = append(body, value...)
	body = append(body, hrSig...)
	body = b64.AppendEncode(body, sigCanon)
	body = append(body, hrKey...)
	body = b64.AppendEncode(body, keyCanon)
	body = append(body, hrEnd...)
	// IndexKeys runs on the canonicalised entry: the key hash is over the
	// canonical PEM, which parses to the same key or certificates as the
	// submitted one, so keyObj's subjects are the same.
	keyHash := sha256.Sum256(keyCanon)
	keys = append(keys, hex.EncodeToString(keyHash[:]))
	keys = append(keys, keyObj.Subjects()...)
	keys = append(keys, strings.ToLower(alg+":"+value))
	return body, keys, true
}

// unmarshalEntry decodes pe into its rekor type. Rekor's UnmarshalEntry
// for hashedrekord 0.0.1 verifies the signature, and Canonicalize verifies
// it again; ECDSA verification is the largest cost of a submission, so for
// that kind (nearly every entry cosign and rekor-cli send) this does what
// V001Entry.Unmarshal does except the cross-field validation, which
// Canonicalize (always called next, see canonicalize) performs in full,
// signature check included. The canonical body is the same bytes either
// way; every other kind and version takes Rekor's path unchanged.
func unmarshalEntry(k kind, pe models.ProposedEntry) (types.EntryImpl, error) {
	hr, ok := pe.(*models.Hashedrekord)
	if !ok || hr == nil || hr.APIVersion == nil || *hr.APIVersion != hashedrekord001.APIVERSION {
		return k.newType().UnmarshalEntry(pe)
	}
	e := &hashedrekord001.V001Entry{}
	if err := hashedrekord001.DecodeEntry(hr.Spec, &e.HashedRekordObj); err != nil {
		return nil, err
	}
	if err := e.HashedRekordObj.Validate(strfmt.Default); err != nil {
		return nil, err
	}
	return e, nil
}

// indexKeyHash maps an index key (lower-cased, as Rekor's index storage
// does) to the 16 bytes stored in the idxkeys table. 128 bits keep
// collisions out of reach while saving storage over the full key text.
func indexKeyHash(key string) []byte {
	h := sha256.Sum256([]byte(strings.ToLower(key)))
	return h[:16]
}
