package proof

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/provscope/provscope/proof/body"
)

// dsseBody is a canonical dsse 0.0.1 entry body recording payload's hash
// and sig by keyPEM, as Rekor v1 stores it.
func dsseBody(t *testing.T, envelope, payload, sig, keyPEM []byte) []byte {
	t.Helper()
	hash := func(b []byte) map[string]string {
		sum := sha256.Sum256(b)
		return map[string]string{"algorithm": "sha256", "value": hex.EncodeToString(sum[:])}
	}
	b, err := json.Marshal(map[string]any{
		"apiVersion": "0.0.1", "kind": "dsse",
		"spec": map[string]any{
			"envelopeHash": hash(envelope), "payloadHash": hash(payload),
			"signatures": []map[string]string{{"signature": base64.StdEncoding.EncodeToString(sig), "verifier": base64.StdEncoding.EncodeToString(keyPEM)}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEntryRecordsEnvelope(t *testing.T) {
	signer, stranger := newAttKey(t), newAttKey(t)
	payload := []byte(`{"_type":"https://in-toto.io/Statement/v1","predicateType":"x","subject":[]}`)
	env, err := ParseEnvelope(signer.envelope(t, "application/vnd.in-toto+json", payload))
	if err != nil {
		t.Fatal(err)
	}
	sig := env.Signatures[0].Sig
	// The same payload signed by someone else: an entry a search by
	// payload hash also returns.
	strangerSig := stranger.sign(t, body.PAE(env.PayloadType, payload))
	raw := []byte("envelope")
	tests := []struct {
		name    string
		entry   []byte
		wantErr string
	}{
		{"records it", dsseBody(t, raw, payload, sig, signer.pem), ""},
		{"right payload, another signature", dsseBody(t, raw, payload, strangerSig, signer.pem), "signature 0"},
		{"right payload and signature, another key", dsseBody(t, raw, payload, sig, stranger.pem), "public key"},
		{"someone else's entry for the payload", dsseBody(t, raw, payload, strangerSig, stranger.pem), "signature 0"},
		{"another payload", dsseBody(t, raw, []byte(`{"other":true}`), sig, signer.pem), "payload hash"},
		{"garbage body", []byte(`{"kind":"dsse","apiVersion":"0.0.1","spec":`), "decoding the entry body"},
		{"empty body", nil, "decoding the entry body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := EntryRecordsEnvelope(tt.entry, payload, sig, signer.pem)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("EntryRecordsEnvelope = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
