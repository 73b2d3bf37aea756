package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-openapi/strfmt"
	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/sigstore/rekor/pkg/types"
	"github.com/sigstore/rekor/pkg/types/dsse"
	dsse001 "github.com/sigstore/rekor/pkg/types/dsse/v0.0.1"
	"github.com/sigstore/rekor/pkg/types/hashedrekord"
	hashedrekord001 "github.com/sigstore/rekor/pkg/types/hashedrekord/v0.0.1"
	"github.com/sigstore/rekor/pkg/types/intoto"
	intoto001 "github.com/sigstore/rekor/pkg/types/intoto/v0.0.1"
	intoto002 "github.com/sigstore/rekor/pkg/types/intoto/v0.0.2"
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
