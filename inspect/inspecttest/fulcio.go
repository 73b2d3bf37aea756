package inspecttest

import (
	"crypto/ecdsa"
	"crypto/rand"
	"time"

	"github.com/provscope/provscope/internal/keyless"
)

// Fulcio is a test certificate authority with its own CT log
// (internal/keyless.CA) that issues ten-minute certificates, as Fulcio does,
// from a fresh random seed.
type Fulcio struct {
	ca *keyless.CA
}

// NewFulcio returns a CA with fresh keys, valid from an hour before now to a
// day after.
func NewFulcio(now time.Time) (*Fulcio, error) {
	ca, err := keyless.NewCA(keyless.Config{
		Seed:         "inspecttest fulcio " + rand.Text(),
		CommonName:   "provscope test fulcio",
		Organization: "provscope.test",
		URI:          "https://fulcio.provscope.test",
		CTLogURL:     "https://ct.provscope.test",
		NotBefore:    now.Add(-time.Hour).Truncate(time.Second),
		NotAfter:     now.Add(24 * time.Hour),
	})
	if err != nil {
		return nil, err
	}
	return &Fulcio{ca: ca}, nil
}

// CA returns the underlying CA.
func (f *Fulcio) CA() *keyless.CA { return f.ca }

// Issue returns a PEM certificate naming identity (an email address, or a
// URI when it has a scheme) and the OIDC issuer, valid for ten minutes from
// a minute before now, with an embedded SCT, and the key it certifies.
func (f *Fulcio) Issue(identity, issuer string, now time.Time) ([]byte, *ecdsa.PrivateKey, error) {
	return f.ca.Issue(identity, issuer, now.Add(-time.Minute), now.Add(9*time.Minute))
}

// signer is who Issue certifies at now.
func signer(identity, issuer string, now time.Time) keyless.Signer {
	return keyless.Signer{Identity: identity, Issuer: issuer, NotBefore: now.Add(-time.Minute), NotAfter: now.Add(9 * time.Minute)}
}

// RootPEM returns the CA certificate (cosign's chain annotation).
func (f *Fulcio) RootPEM() []byte { return f.ca.RootPEM() }

// TrustedRoot returns a Sigstore trusted_root.json naming this CA, its CT
// log and the Rekor v1 log at logURL with the PEM key logKeyPEM.
func (f *Fulcio) TrustedRoot(logURL string, logKeyPEM []byte) ([]byte, error) {
	return f.ca.TrustedRoot(logURL, logKeyPEM)
}
