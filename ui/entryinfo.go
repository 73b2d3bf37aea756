package ui

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strconv"

	"github.com/provscope/provscope/model"
)

// entryInfo is what the explorer shows about a log entry's body: decoded
// for display only. Nothing here decides trust; verification is proof/'s.
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

// Fulcio certificate extensions carrying the OIDC issuer
// (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md).
var (
	oidIssuerV1 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}
	oidIssuerV2 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}
)

type bodyHash struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"value"`
}

func (h *bodyHash) String() string {
	if h == nil || h.Value == "" {
		return ""
	}
	return h.Algorithm + ":" + h.Value
}

type rawBody struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Spec       json.RawMessage `json:"spec"`
}

type hashedRekordSpec struct {
	Data struct {
		Hash *bodyHash `json:"hash"`
	} `json:"data"`
	Signature struct {
		Content   string `json:"content"`
		PublicKey struct {
			Content string `json:"content"`
		} `json:"publicKey"`
	} `json:"signature"`
}

type dsseSpec struct {
	EnvelopeHash *bodyHash `json:"envelopeHash"`
	PayloadHash  *bodyHash `json:"payloadHash"`
	Signatures   []struct {
		Verifier string `json:"verifier"`
	} `json:"signatures"`
}

type intotoSpec struct {
	Content struct {
		Envelope struct {
			PayloadType string `json:"payloadType"`
			Signatures  []struct {
				PublicKey string `json:"publicKey"`
			} `json:"signatures"`
		} `json:"envelope"`
		Hash        *bodyHash `json:"hash"`
		PayloadHash *bodyHash `json:"payloadHash"`
	} `json:"content"`
	PublicKey string `json:"publicKey"` // 0.0.1
}

// decodeEntry decodes an entry body for display. It never fails: a body it
// cannot read comes back with Err set.
func decodeEntry(e model.LogEntry) entryInfo {
	var rb rawBody
	if err := json.Unmarshal(e.Body, &rb); err != nil {
		return entryInfo{Kind: e.Kind, Err: fmt.Sprintf("decoding body: %v", err)}
	}
	info := entryInfo{Kind: model.EntryKind(rb.Kind), APIVersion: rb.APIVersion}
	var pemB64 string
	switch info.Kind {
	case model.KindHashedRekord:
		var s hashedRekordSpec
		if err := json.Unmarshal(rb.Spec, &s); err != nil {
			info.Err = fmt.Sprintf("decoding hashedrekord spec: %v", err)
			return info
		}
		info.ArtifactHash = s.Data.Hash.String()
		pemB64 = s.Signature.PublicKey.Content
	case model.KindDSSE:
		var s dsseSpec
		if err := json.Unmarshal(rb.Spec, &s); err != nil {
			info.Err = fmt.Sprintf("decoding dsse spec: %v", err)
			return info
		}
		info.EnvelopeHash = s.EnvelopeHash.String()
		info.ArtifactHash = s.PayloadHash.String()
		if len(s.Signatures) > 0 {
			pemB64 = s.Signatures[0].Verifier
		}
	case model.KindIntoto:
		var s intotoSpec
		if err := json.Unmarshal(rb.Spec, &s); err != nil {
			info.Err = fmt.Sprintf("decoding intoto spec: %v", err)
			return info
		}
		info.EnvelopeHash = s.Content.Hash.String()
		info.ArtifactHash = s.Content.PayloadHash.String()
		info.PayloadType = s.Content.Envelope.PayloadType
		pemB64 = s.PublicKey
		if len(s.Content.Envelope.Signatures) > 0 {
			pemB64 = s.Content.Envelope.Signatures[0].PublicKey
		}
	default:
		info.Err = fmt.Sprintf("kind %q is not decoded by the explorer", rb.Kind)
		return info
	}
	if pemB64 != "" {
		if err := info.readVerifier(pemB64); err != nil {
			info.Err = err.Error()
		}
	}
	return info
}

// readVerifier fills the signer from a base64 PEM public key or certificate.
func (info *entryInfo) readVerifier(b64 string) error {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return fmt.Errorf("decoding verifier base64: %w", err)
	}
	blk, _ := pem.Decode(raw)
	if blk == nil {
		return fmt.Errorf("verifier is not PEM (%d bytes)", len(raw))
	}
	switch blk.Type {
	case "CERTIFICATE":
		cert, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return fmt.Errorf("parsing certificate: %w", err)
		}
		info.HasCert = true
		sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
		info.Signer.KeyFingerprint = hex.EncodeToString(sum[:])
		info.Signer.NotBefore, info.Signer.NotAfter = cert.NotBefore, cert.NotAfter
		info.CertIssuer = cert.Issuer.String()
		switch {
		case len(cert.EmailAddresses) > 0:
			info.Signer.Subject = cert.EmailAddresses[0]
		case len(cert.URIs) > 0:
			info.Signer.Subject = cert.URIs[0].String()
		default:
			info.Signer.Subject = cert.Subject.String()
		}
		for _, ext := range cert.Extensions {
			switch {
			case ext.Id.Equal(oidIssuerV2):
				var s string
				if _, err := asn1.Unmarshal(ext.Value, &s); err == nil {
					info.Signer.Issuer = s
				}
			case ext.Id.Equal(oidIssuerV1) && info.Signer.Issuer == "":
				info.Signer.Issuer = string(ext.Value)
			}
		}
	default:
		sum := sha256.Sum256(blk.Bytes)
		info.Signer.KeyFingerprint = hex.EncodeToString(sum[:])
	}
	return nil
}

// leafHash is the RFC 6962 leaf hash of an entry body: SHA-256(0x00 || body).
func leafHash(body []byte) []byte {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(body)
	return h.Sum(nil)
}

// setPayload is the JSON the SET signs: RFC 8785 canonical JSON of body,
// integratedTime, logID and logIndex (keys sorted, no spaces).
func setPayload(e model.LogEntry) string {
	return `{"body":"` + base64.StdEncoding.EncodeToString(e.Body) +
		`","integratedTime":` + strconv.FormatInt(e.IntegratedTime.Unix(), 10) +
		`,"logID":"` + e.LogID + `","logIndex":` + strconv.FormatInt(e.LogIndex, 10) + `}`
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
