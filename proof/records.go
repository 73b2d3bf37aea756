package proof

import (
	"fmt"

	"github.com/provscope/provscope/proof/body"
)

// EntryRecordsEnvelope says why the canonical log entry body entryBody does
// not record an attestation's envelope (nil when it does): the hash of the
// envelope's payload, its signature sig and the key keyPEM it verified
// with. A search by payload hash returns entries anyone could have logged
// about the same payload; only one that records this signature and key is
// this attestation's entry.
func EntryRecordsEnvelope(entryBody, payload, sig, keyPEM []byte) error {
	b, err := body.Decode(entryBody)
	if err != nil {
		return fmt.Errorf("decoding the entry body: %w", err)
	}
	if err := body.CheckPayloadHash(b, payload); err != nil {
		return err
	}
	if err := body.CheckSignatures(b, [][]byte{sig}); err != nil {
		return err
	}
	return body.CheckVerifier(b, keyPEM)
}
