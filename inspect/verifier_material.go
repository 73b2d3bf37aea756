package inspect

import (
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof/body/decoded"
)

// decodedVerifier returns the PEM public key and signer of a PEM key or
// certificate.
func decodedVerifier(material []byte) ([]byte, model.Signer, error) {
	return decoded.ParseVerifier(material)
}
