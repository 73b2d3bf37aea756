package cosignfmt

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/go-openapi/strfmt"
	"github.com/sigstore/rekor/pkg/generated/client"
	"github.com/sigstore/rekor/pkg/generated/client/entries"
	"github.com/sigstore/rekor/pkg/generated/models"
)

// Uploader sends a proposed entry to a transparency log and returns the
// logged entry (with its SET and inclusion proof) and its entry ID.
type Uploader func(ctx context.Context, pe models.ProposedEntry) (uuid string, entry *models.LogEntryAnon, err error)

// RekorUploader uploads with Rekor's generated client, as cosign does: a
// 409 Conflict (the entry is already in the log) fetches and returns the
// existing entry.
func RekorUploader(rc *client.Rekor) Uploader {
	return func(ctx context.Context, pe models.ProposedEntry) (string, *models.LogEntryAnon, error) {
		resp, err := rc.Entries.CreateLogEntryContext(ctx, entries.NewCreateLogEntryParams().WithProposedEntry(pe))
		var conflict *entries.CreateLogEntryConflict
		if errors.As(err, &conflict) {
			loc := conflict.Location.String()
			uuid := loc[strings.LastIndex(loc, "/")+1:]
			got, err := rc.Entries.GetLogEntryByUUIDContext(ctx, entries.NewGetLogEntryByUUIDParams().WithEntryUUID(uuid))
			if err != nil {
				return "", nil, fmt.Errorf("fetching existing entry %s: %w", uuid, err)
			}
			return firstEntry(got.Payload)
		}
		if err != nil {
			return "", nil, fmt.Errorf("uploading entry: %w", err)
		}
		return firstEntry(resp.Payload)
	}
}

func firstEntry(m models.LogEntry) (string, *models.LogEntryAnon, error) {
	for k, e := range m {
		return k, &e, nil
	}
	return "", nil, errors.New("log answered with no entry")
}

// HashedRekordEntry is the hashedrekord v0.0.1 entry cosign uploads for a
// signature over payload: the payload's SHA-256, the signature and the PEM
// public key.
func HashedRekordEntry(payload, sig, pubPEM []byte) models.ProposedEntry {
	h := sha256.Sum256(payload)
	return &models.Hashedrekord{
		APIVersion: ptr("0.0.1"),
		Spec: models.HashedrekordV001Schema{
			Data: &models.HashedrekordV001SchemaData{
				Hash: &models.HashedrekordV001SchemaDataHash{
					Algorithm: ptr(models.HashedrekordV001SchemaDataHashAlgorithmSha256),
					Value:     ptr(hex.EncodeToString(h[:])),
				},
			},
			Signature: &models.HashedrekordV001SchemaSignature{
				Content:   strfmt.Base64(sig),
				PublicKey: &models.HashedrekordV001SchemaSignaturePublicKey{Content: strfmt.Base64(pubPEM)},
			},
		},
	}
}

// DSSEEntry is the dsse v0.0.1 entry cosign uploads for a DSSE envelope
// (attestations, and --new-bundle-format image signatures).
func DSSEEntry(envelope, pubPEM []byte) models.ProposedEntry {
	return &models.DSSE{
		APIVersion: ptr("0.0.1"),
		Spec: models.DSSEV001Schema{
			ProposedContent: &models.DSSEV001SchemaProposedContent{
				Envelope:  ptr(string(envelope)),
				Verifiers: []strfmt.Base64{strfmt.Base64(pubPEM)},
			},
		},
	}
}

// LegacyBundleAnnotation is the value of cosign's dev.sigstore.cosign/bundle
// annotation for a logged entry: {SignedEntryTimestamp, Payload{body,
// integratedTime, logIndex, logID}}.
func LegacyBundleAnnotation(e *models.LogEntryAnon) (string, error) {
	if e == nil || e.Verification == nil || e.IntegratedTime == nil || e.LogIndex == nil || e.LogID == nil {
		return "", errors.New("building bundle annotation: entry lacks verification, integratedTime, logIndex or logID")
	}
	b, err := json.Marshal(map[string]any{
		"SignedEntryTimestamp": []byte(e.Verification.SignedEntryTimestamp),
		"Payload": map[string]any{
			"body":           e.Body,
			"integratedTime": *e.IntegratedTime,
			"logIndex":       *e.LogIndex,
			"logID":          *e.LogID,
		},
	})
	if err != nil {
		return "", fmt.Errorf("building bundle annotation: %w", err)
	}
	return string(b), nil
}

func ptr[T any](v T) *T { return &v }
