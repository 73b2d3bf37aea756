package inspecttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
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
)

// Fulcio is a test certificate authority that issues keyless signing
// certificates the way Fulcio does (https://github.com/sigstore/fulcio
// docs/certificate-specification.md): the identity as the SAN (email or
// URI), the OIDC issuer in extensions 1.3.6.1.4.1.57264.1.1 (raw string) and
// 1.3.6.1.4.1.57264.1.8 (DER UTF8String), code-signing usage, and an SCT
// embedded by its own CT log (RFC 6962 §3.3). TrustedRoot names the CA, the
// CT log and a Rekor log, so sigstore-go accepts what it issues.
type Fulcio struct {
	root    *x509.Certificate
	rootKey *ecdsa.PrivateKey
	ctKey   *ecdsa.PrivateKey
	start   time.Time
}

// Fulcio's OIDC issuer extensions.
var (
	oidIssuerV1 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}
	oidIssuerV2 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}
)

// NewFulcio returns a CA with a fresh root key and CT log key, valid from
// an hour before now.
func NewFulcio(now time.Time) (*Fulcio, error) {
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	ctKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	start := now.Add(-time.Hour).Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "provscope test fulcio", Organization: []string{"provscope.test"}},
		NotBefore:             start,
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, rootKey.Public(), rootKey)
	if err != nil {
		return nil, fmt.Errorf("creating the root certificate: %w", err)
	}
	rootCert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Fulcio{root: rootCert, rootKey: rootKey, ctKey: ctKey, start: start}, nil
}

// Issue returns a fresh P-256 key and a PEM certificate for it naming
// identity (an email address, or a URI when it has a scheme) and the OIDC
// issuer, valid for ten minutes from a minute before now, with an embedded
// SCT.
func (f *Fulcio) Issue(identity, issuer string, now time.Time) ([]byte, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, nil, err
	}
	issuerDER, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagUTF8String, Bytes: []byte(issuer)})
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		NotBefore:    now.Add(-time.Minute).Truncate(time.Second),
		NotAfter:     now.Add(9 * time.Minute).Truncate(time.Second),
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
	pre, err := f.sign(tmpl, key)
	if err != nil {
		return nil, nil, err
	}
	tbs, err := ctx509.RemoveSCTList(pre.RawTBSCertificate)
	if err != nil {
		return nil, nil, fmt.Errorf("building the precertificate: %w", err)
	}
	list, err := f.sctList(tbs, now)
	if err != nil {
		return nil, nil, err
	}
	tmpl.ExtraExtensions[len(tmpl.ExtraExtensions)-1].Value = list
	cert, err := f.sign(tmpl, key)
	if err != nil {
		return nil, nil, err
	}
	if err := f.checkSCT(cert); err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), key, nil
}

func (f *Fulcio) sign(tmpl *x509.Certificate, key *ecdsa.PrivateKey) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, f.root, key.Public(), f.rootKey)
	if err != nil {
		return nil, fmt.Errorf("issuing the certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// sctList returns the SCT list extension's value (an OCTET STRING holding
// the TLS-encoded list) with one SCT by the CT log over the precertificate.
func (f *Fulcio) sctList(tbs []byte, now time.Time) ([]byte, error) {
	logID, err := keyID(f.ctKey.Public())
	if err != nil {
		return nil, err
	}
	sct := ct.SignedCertificateTimestamp{
		SCTVersion: ct.V1,
		LogID:      ct.LogID{KeyID: logID},
		Timestamp:  uint64(now.UnixMilli()), //nolint:gosec // G115: the test clock is after 1970
	}
	entry := ct.LogEntry{Leaf: ct.MerkleTreeLeaf{
		Version:  ct.V1,
		LeafType: ct.TimestampedEntryLeafType,
		TimestampedEntry: &ct.TimestampedEntry{
			Timestamp:    sct.Timestamp,
			EntryType:    ct.PrecertLogEntryType,
			PrecertEntry: &ct.PreCert{IssuerKeyHash: sha256.Sum256(f.root.RawSubjectPublicKeyInfo), TBSCertificate: tbs},
		},
	}}
	input, err := ct.SerializeSCTSignatureInput(sct, entry)
	if err != nil {
		return nil, fmt.Errorf("serializing the sct input: %w", err)
	}
	digest := sha256.Sum256(input)
	sig, err := f.ctKey.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return nil, err
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
func (f *Fulcio) checkSCT(cert *x509.Certificate) error {
	leaf, err := ctx509.ParseCertificate(cert.Raw)
	if err != nil {
		return err
	}
	issuer, err := ctx509.ParseCertificate(f.root.Raw)
	if err != nil {
		return err
	}
	if len(leaf.SCTList.SCTList) != 1 {
		return errors.New("the issued certificate has no sct")
	}
	var sct ct.SignedCertificateTimestamp
	if _, err := cttls.Unmarshal(leaf.SCTList.SCTList[0].Val, &sct); err != nil {
		return err
	}
	if err := ctutil.VerifySCT(f.ctKey.Public(), []*ctx509.Certificate{leaf, issuer}, &sct, true); err != nil {
		return fmt.Errorf("checking the embedded sct: %w", err)
	}
	return nil
}

// RootPEM returns the CA certificate (cosign's chain annotation).
func (f *Fulcio) RootPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.root.Raw})
}

// TrustedRoot returns a Sigstore trusted_root.json naming this CA, its CT
// log and the Rekor v1 log at logURL with the PEM key logKeyPEM.
func (f *Fulcio) TrustedRoot(logURL string, logKeyPEM []byte) ([]byte, error) {
	blk, _ := pem.Decode(logKeyPEM)
	if blk == nil {
		return nil, errors.New("the log key is not PEM")
	}
	logKey, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing the log key: %w", err)
	}
	tlog, err := transparencyLog(logURL, logKey, f.start)
	if err != nil {
		return nil, err
	}
	ctlog, err := transparencyLog("https://ct.provscope.test", f.ctKey.Public(), f.start)
	if err != nil {
		return nil, err
	}
	ca := &root.FulcioCertificateAuthority{Root: f.root, URI: "https://fulcio.provscope.test", ValidityPeriodStart: f.start}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, []root.CertificateAuthority{ca},
		map[string]*root.TransparencyLog{string(ctlog.ID): ctlog}, nil,
		map[string]*root.TransparencyLog{string(tlog.ID): tlog})
	if err != nil {
		return nil, err
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
		return [32]byte{}, err
	}
	return sha256.Sum256(der), nil
}
