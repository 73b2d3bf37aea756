// Package keyless issues Fulcio-style signing certificates from a small
// certificate authority with its own certificate transparency log, and signs
// container images with them the way `cosign sign` and `cosign attest` do
// without a key. The demo world (demo/) signs its keyless images with it, and
// tests (inspect/inspecttest) sign throw-away images with it.
//
// The certificates follow Fulcio's certificate specification
// (https://github.com/sigstore/fulcio/blob/main/docs/certificate-specification.md):
// the signer's identity as the SAN (an email address, or a URI such as a CI
// workflow), the OIDC issuer in extensions 1.3.6.1.4.1.57264.1.1 (raw
// string) and 1.3.6.1.4.1.57264.1.8 (DER UTF8String), code-signing extended
// key usage, and a signed certificate timestamp from the CA's CT log embedded
// in the certificate (RFC 6962 §3.3). CA.TrustedRoot names the CA, its CT log
// and a Rekor log in a Sigstore trusted_root.json, so that sigstore-go and
// cosign accept what the CA issues.
//
// Everything is derived from Config.Seed and the times the caller gives: the
// root key, the CT log key, each certificate's key and serial number, and
// every ECDSA signature (RFC 6979). The same inputs give the same bytes, which
// lets the demo re-seed its world over a persisted log and find its entries
// already there. A seed is not a secret: this CA is for demos and tests, and
// nothing it issues should be trusted anywhere else.
//
// Real Fulcio certificates live ten minutes: the key signs once and is thrown
// away, and the log's integrated time proves the signature was made while the
// certificate was valid. The demo issues its certificates for a fixed window
// of several years instead: its log integrates the (identical) signatures
// again at every fresh start, at the time of that start, and that time must
// fall inside the certificate's validity. Tests issue ten-minute certificates
// around the time they run, as Fulcio does.
package keyless

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"time"

	ct "github.com/google/certificate-transparency-go"
	"github.com/google/certificate-transparency-go/ctutil"
	cttls "github.com/google/certificate-transparency-go/tls"
	ctx509 "github.com/google/certificate-transparency-go/x509"
	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/provscope/provscope/registry/cosignfmt"
)

// Config fixes everything a CA derives.
type Config struct {
	// Seed derives the root key, the CT log key and every issued key and
	// serial number. Not a secret.
	Seed string
	// CommonName and Organization name the root certificate's subject.
	CommonName   string
	Organization string
	// URI and CTLogURL are the CA's and the CT log's URLs in the trusted
	// root (informational: nothing is fetched from them).
	URI      string
	CTLogURL string
	// NotBefore and NotAfter bound the root certificate; NotBefore also
	// starts the validity periods of the CA, the CT log and the Rekor log in
	// the trusted root. Requires NotBefore < NotAfter.
	NotBefore time.Time
	NotAfter  time.Time
}

// CA is a Fulcio-style certificate authority with its own CT log. It holds
// no mutable state: one CA may issue from many goroutines.
type CA struct {
	cfg     Config
	root    *x509.Certificate
	rootKey *ecdsa.PrivateKey
	ctKey   *ecdsa.PrivateKey
}

// Fulcio's OIDC issuer extensions.
var (
	oidIssuerV1 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}
	oidIssuerV2 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}
)

// NewCA returns the CA that cfg derives: the same cfg gives the same root
// certificate and keys.
func NewCA(cfg Config) (*CA, error) {
	if cfg.Seed == "" {
		return nil, errors.New("creating the ca: empty seed")
	}
	if !cfg.NotBefore.Before(cfg.NotAfter) {
		return nil, fmt.Errorf("creating the ca: validity from %s to %s is empty", cfg.NotBefore.Format(time.RFC3339), cfg.NotAfter.Format(time.RFC3339))
	}
	rootKey, err := cosignfmt.KeyFromSeed(cfg.Seed + "\x00root")
	if err != nil {
		return nil, err
	}
	ctKey, err := cosignfmt.KeyFromSeed(cfg.Seed + "\x00ct log")
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: cfg.CommonName, Organization: []string{cfg.Organization}},
		NotBefore:             cfg.NotBefore,
		NotAfter:              cfg.NotAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	// A nil random source makes the ECDSA signature deterministic (RFC 6979).
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, rootKey.Public(), rootKey)
	if err != nil {
		return nil, fmt.Errorf("creating the root certificate: %w", err)
	}
	rootCert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing the root certificate: %w", err)
	}
	return &CA{cfg: cfg, root: rootCert, rootKey: rootKey, ctKey: ctKey}, nil
}

// Issue returns a PEM certificate for identity (an email address, or a URI
// when it has a scheme) and the OIDC issuer, valid from notBefore to
// notAfter (to the second), with an SCT from the CA's CT log dated
// notBefore embedded, and the P-256 private key it certifies. The key and
// serial number derive from the seed, identity, issuer and notBefore (to the
// nanosecond): issuing again with the same arguments gives the same bytes.
// Requires notBefore < notAfter.
func (ca *CA) Issue(identity, issuer string, notBefore, notAfter time.Time) ([]byte, *ecdsa.PrivateKey, error) {
	if !notBefore.Before(notAfter) {
		return nil, nil, fmt.Errorf("issuing for %s: validity from %s to %s is empty", identity, notBefore.Format(time.RFC3339), notAfter.Format(time.RFC3339))
	}
	var nanos [8]byte
	binary.BigEndian.PutUint64(nanos[:], uint64(notBefore.UnixNano())) //nolint:gosec // G115: only hashed, sign irrelevant
	leafSeed := ca.cfg.Seed + "\x00leaf\x00" + identity + "\x00" + issuer + "\x00" + string(nanos[:])
	key, err := cosignfmt.KeyFromSeed(leafSeed)
	if err != nil {
		return nil, nil, err
	}
	// A positive 127-bit serial, as random as Fulcio's for a given seed.
	sum := sha256.Sum256([]byte(leafSeed + "\x00serial"))
	sum[0] &= 0x7f
	serial := new(big.Int).SetBytes(sum[:16])
	issuerDER, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagUTF8String, Bytes: []byte(issuer)})
	if err != nil {
		return nil, nil, fmt.Errorf("encoding the issuer extension: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		NotBefore:    notBefore.Truncate(time.Second),
		NotAfter:     notAfter.Truncate(time.Second),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		ExtraExtensions: []pkix.Extension{
			{Id: oidIssuerV1, Value: []byte(issuer)},
			{Id: oidIssuerV2, Value: issuerDER},
		},
	}
	if u, err := url.Parse(identity); err == nil && u.Scheme != "" {
		tmpl.URIs = []*url.URL{u}
	} else {
		tmpl.EmailAddresses = []string{identity}
	}
	// The SCT signs the certificate without its SCT list (the
	// precertificate's TBS): issue once with a placeholder list to learn
	// that TBS, then again with the real list.
	placeholder := pkix.Extension{Id: asn1.ObjectIdentifier(ctx509.OIDExtensionCTSCT), Value: []byte{0x04, 0x00}}
	tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, placeholder)
	pre, err := ca.sign(tmpl, key)
	if err != nil {
		return nil, nil, err
	}
	tbs, err := ctx509.RemoveSCTList(pre.RawTBSCertificate)
	if err != nil {
		return nil, nil, fmt.Errorf("building the precertificate: %w", err)
	}
	list, err := ca.sctList(tbs, notBefore)
	if err != nil {
		return nil, nil, err
	}
	tmpl.ExtraExtensions[len(tmpl.ExtraExtensions)-1].Value = list
	cert, err := ca.sign(tmpl, key)
	if err != nil {
		return nil, nil, err
	}
	if err := ca.checkSCT(cert); err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), key, nil
}

func (ca *CA) sign(tmpl *x509.Certificate, key *ecdsa.PrivateKey) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(nil, tmpl, ca.root, key.Public(), ca.rootKey)
	if err != nil {
		return nil, fmt.Errorf("issuing the certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// sctList returns the SCT list extension's value (an OCTET STRING holding
// the TLS-encoded list) with one SCT by the CT log over the precertificate.
func (ca *CA) sctList(tbs []byte, at time.Time) ([]byte, error) {
	logID, err := keyID(ca.ctKey.Public())
	if err != nil {
		return nil, err
	}
	sct := ct.SignedCertificateTimestamp{
		SCTVersion: ct.V1,
		LogID:      ct.LogID{KeyID: logID},
		Timestamp:  uint64(at.UnixMilli()), //nolint:gosec // G115: certificates here are issued after 1970
	}
	entry := ct.LogEntry{Leaf: ct.MerkleTreeLeaf{
		Version:  ct.V1,
		LeafType: ct.TimestampedEntryLeafType,
		TimestampedEntry: &ct.TimestampedEntry{
			Timestamp:    sct.Timestamp,
			EntryType:    ct.PrecertLogEntryType,
			PrecertEntry: &ct.PreCert{IssuerKeyHash: sha256.Sum256(ca.root.RawSubjectPublicKeyInfo), TBSCertificate: tbs},
		},
	}}
	input, err := ct.SerializeSCTSignatureInput(sct, entry)
	if err != nil {
		return nil, fmt.Errorf("serializing the sct input: %w", err)
	}
	digest := sha256.Sum256(input)
	sig, err := ca.ctKey.Sign(nil, digest[:], crypto.SHA256) // nil: RFC 6979
	if err != nil {
		return nil, fmt.Errorf("signing the sct: %w", err)
	}
	sct.Signature = ct.DigitallySigned{
		Algorithm: cttls.SignatureAndHashAlgorithm{Hash: cttls.SHA256, Signature: cttls.ECDSA},
		Signature: sig,
	}
	raw, err := cttls.Marshal(sct)
	if err != nil {
		return nil, fmt.Errorf("encoding the sct: %w", err)
	}
	list, err := cttls.Marshal(ctx509.SignedCertificateTimestampList{SCTList: []ctx509.SerializedSCT{{Val: raw}}})
	if err != nil {
		return nil, fmt.Errorf("encoding the sct list: %w", err)
	}
	return asn1.Marshal(list)
}

// checkSCT verifies the issued certificate's SCT as sigstore-go will.
func (ca *CA) checkSCT(cert *x509.Certificate) error {
	leaf, err := ctx509.ParseCertificate(cert.Raw)
	if err != nil {
		return fmt.Errorf("parsing the issued certificate: %w", err)
	}
	issuer, err := ctx509.ParseCertificate(ca.root.Raw)
	if err != nil {
		return fmt.Errorf("parsing the root certificate: %w", err)
	}
	if n := len(leaf.SCTList.SCTList); n != 1 {
		return fmt.Errorf("the issued certificate has %d scts, want 1", n)
	}
	var sct ct.SignedCertificateTimestamp
	if _, err := cttls.Unmarshal(leaf.SCTList.SCTList[0].Val, &sct); err != nil {
		return fmt.Errorf("decoding the embedded sct: %w", err)
	}
	if err := ctutil.VerifySCT(ca.ctKey.Public(), []*ctx509.Certificate{leaf, issuer}, &sct, true); err != nil {
		return fmt.Errorf("checking the embedded sct: %w", err)
	}
	return nil
}

// RootPEM returns the CA certificate: cosign's chain annotation, and what
// `cosign verify --certificate-chain` takes.
func (ca *CA) RootPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.root.Raw})
}

// CTLogPublicKeyPEM returns the CT log's public key (PKIX PEM): what cosign
// reads from SIGSTORE_CT_LOG_PUBLIC_KEY_FILE.
func (ca *CA) CTLogPublicKeyPEM() ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(ca.ctKey.Public())
	if err != nil {
		return nil, fmt.Errorf("encoding the ct log key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// TrustedRoot returns a Sigstore trusted_root.json naming this CA, its CT
// log and the Rekor v1 log at logURL with the PEM key logKeyPEM, all valid
// from Config.NotBefore with no end.
func (ca *CA) TrustedRoot(logURL string, logKeyPEM []byte) ([]byte, error) {
	blk, _ := pem.Decode(logKeyPEM)
	if blk == nil {
		return nil, errors.New("building the trusted root: the log key is not PEM")
	}
	logKey, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing the log key: %w", err)
	}
	start := ca.cfg.NotBefore
	tlog, err := transparencyLog(logURL, logKey, start)
	if err != nil {
		return nil, err
	}
	ctlog, err := transparencyLog(ca.cfg.CTLogURL, ca.ctKey.Public(), start)
	if err != nil {
		return nil, err
	}
	fulcio := &root.FulcioCertificateAuthority{Root: ca.root, URI: ca.cfg.URI, ValidityPeriodStart: start}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, []root.CertificateAuthority{fulcio},
		map[string]*root.TransparencyLog{string(ctlog.ID): ctlog}, nil,
		map[string]*root.TransparencyLog{string(tlog.ID): tlog})
	if err != nil {
		return nil, fmt.Errorf("building the trusted root: %w", err)
	}
	return tr.MarshalJSON()
}

func transparencyLog(baseURL string, pub crypto.PublicKey, start time.Time) (*root.TransparencyLog, error) {
	id, err := keyID(pub)
	if err != nil {
		return nil, err
	}
	return &root.TransparencyLog{
		BaseURL: baseURL, ID: id[:], ValidityPeriodStart: start,
		HashFunc: crypto.SHA256, PublicKey: pub, SignatureHashFunc: crypto.SHA256,
	}, nil
}

// keyID is a log's ID: the SHA-256 of its DER SPKI (RFC 6962 §3.2, Rekor).
func keyID(pub crypto.PublicKey) ([32]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return [32]byte{}, fmt.Errorf("encoding a log key: %w", err)
	}
	return sha256.Sum256(der), nil
}
