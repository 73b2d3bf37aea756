package demo

import (
	"time"

	"github.com/provscope/provscope/internal/keyless"
)

// The demo's keyless signers: a person who signs by hand, and the release
// workflow of a CI system (a URI SAN, as GitHub Actions' certificates carry).
const (
	aliceIdentity = "alice@provscope.example"
	aliceIssuer   = "https://accounts.provscope.example"
	ciIdentity    = "https://github.com/provscope/demo/.github/workflows/release.yml@refs/heads/main"
	ciIssuer      = "https://token.actions.githubusercontent.com"
)

// caConfig is the demo's Fulcio-style CA: fixed seed and validity, so that
// its root, CT log key and every certificate it issues are the same at every
// start. The trusted root names the CA, its CT log and the demo log, all
// valid from 2025-01-01.
func caConfig() keyless.Config {
	return keyless.Config{
		Seed:         "provscope demo fulcio",
		CommonName:   "provscope demo fulcio",
		Organization: "provscope.example",
		URI:          "https://fulcio.provscope.example",
		CTLogURL:     "https://ct.provscope.example",
		NotBefore:    time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

// keylessSigner is the certificate the demo CA issues for identity: unlike
// Fulcio's ten-minute certificates, valid for ten years from the day the
// demo images were built, because the log integrates the same signatures
// again at every fresh start of the world, at the time of that start (see
// package keyless).
func keylessSigner(identity, issuer string) keyless.Signer {
	from := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	return keyless.Signer{Identity: identity, Issuer: issuer, NotBefore: from, NotAfter: from.AddDate(10, 0, 0)}
}
