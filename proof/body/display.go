package body

// This file reads certificate fields for display (the explorer shows
// them; it may not parse certificates itself).

import (
	"crypto/x509"
	"encoding/pem"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof/body/decoded"
)

// ParseVerifier reads a public key or certificate (PEM or DER) into its PEM
// form and the signer it names (decoded.ParseVerifier).
func ParseVerifier(material []byte) (pemBytes []byte, signer model.Signer, err error) {
	return decoded.ParseVerifier(material)
}

// CertificateIssuer returns the X.509 issuer name (the certificate
// authority) of the PEM certificate verifierPEM, for display; ok is false
// when verifierPEM holds no certificate (a bare public key) or one that
// does not parse. It decides nothing: which issuers are trusted is checked
// against the trusted root (package proof).
func CertificateIssuer(verifierPEM []byte) (issuer string, ok bool) {
	blk, _ := pem.Decode(verifierPEM)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return "", false
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return "", false
	}
	return cert.Issuer.String(), true
}
