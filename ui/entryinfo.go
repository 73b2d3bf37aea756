package ui

import (
	"encoding/base64"
	"fmt"
	"strconv"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/proof/body"
)

// entryInfo is what the explorer shows about a log entry's body, as
// proof/body decodes it. Nothing here decides trust; verification is
// proof/'s.
type entryInfo struct {
	Kind       model.EntryKind
	APIVersion string
	// ArtifactHash is hashedrekord's data hash, or a DSSE/in-toto payload
	// hash, as "sha256:<hex>".
	ArtifactHash string
	// EnvelopeHash is the DSSE envelope hash (dsse, intoto).
	EnvelopeHash string
	PayloadType  string
	Signer       model.Signer
	// HasCert says the verifier is a certificate (not a bare key).
	HasCert bool
	// CertIssuer is the certificate's X.509 issuer (the CA).
	CertIssuer string
	// Err says why the body could not be decoded.
	Err string
}

// decodeEntry decodes an entry body for display with proof/body. It never
// fails: a body it cannot read comes back with Err set (and its kind and
// version when those could be read).
func decodeEntry(e model.LogEntry) entryInfo {
	b, err := body.Decode(e.Body)
	if err != nil {
		info := entryInfo{Kind: e.Kind, Err: fmt.Sprintf("decoding body: %v", err)}
		if kv, perr := body.Peek(e.Body); perr == nil {
			info.Kind, info.APIVersion = model.EntryKind(kv.Kind), kv.Version
		}
		return info
	}
	info := entryInfo{Kind: b.Kind, APIVersion: b.APIVersion, PayloadType: b.PayloadType, Signer: b.Signer()}
	if b.Kind == model.KindHashedRekord {
		info.ArtifactHash = b.ArtifactDigest.String()
	} else {
		info.ArtifactHash = b.PayloadHash.String()
		info.EnvelopeHash = b.EnvelopeHash.String()
	}
	if len(b.Signatures) > 0 {
		info.CertIssuer, info.HasCert = body.CertificateIssuer(b.Signatures[0].VerifierPEM)
	}
	return info
}

// readVerifier fills the signer from a base64 PEM public key or
// certificate, read by proof/body.
func (info *entryInfo) readVerifier(b64 string) error {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return fmt.Errorf("decoding verifier base64: %w", err)
	}
	pemBytes, signer, err := body.ParseVerifier(raw)
	if err != nil {
		return err
	}
	info.Signer = signer
	info.CertIssuer, info.HasCert = body.CertificateIssuer(pemBytes)
	return nil
}

// leafHash is the RFC 6962 leaf hash of an entry body (proof.LeafHash).
func leafHash(b []byte) []byte { return proof.LeafHash(b) }

// setPayload is the JSON the SET signs, as proof builds and verifies it
// (RFC 8785 canonical JSON of body, integratedTime, logID and logIndex).
func setPayload(e model.LogEntry) string {
	p, err := proof.SETPayload{Body: e.Body, IntegratedTime: e.IntegratedTime.Unix(), LogID: e.LogID, LogIndex: e.LogIndex}.Canonical()
	if err != nil {
		return err.Error()
	}
	return string(p)
}

// treeIDFromUUID reads the tree ID out of an 80-hex entry ID.
func treeIDFromUUID(uuid string) (string, bool) {
	if len(uuid) != 80 {
		return "", false
	}
	v, err := strconv.ParseUint(uuid[:16], 16, 64)
	if err != nil {
		return "", false
	}
	return strconv.FormatUint(v, 10), true
}
