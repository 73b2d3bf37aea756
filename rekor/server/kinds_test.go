package server

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/sigstore/rekor/pkg/types"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// dsseEnvelope signs an in-toto statement into a DSSE envelope.
func dsseEnvelope(t *testing.T, priv *ecdsa.PrivateKey, subject string) []byte {
	t.Helper()
	const payloadType = "application/vnd.in-toto+json"
	d := sha256.Sum256([]byte(subject))
	payload := fmt.Appendf(nil, `{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://example.com/p","subject":[{"name":%q,"digest":{"sha256":"%x"}}],"predicate":{}}`, subject, d)
	pae := fmt.Appendf(nil, "DSSEv1 %d %s %d %s", len(payloadType), payloadType, len(payload), payload)
	h := sha256.Sum256(pae)
	sig, err := ecdsa.SignASN1(rand.Reader, priv, h[:])
	if err != nil {
		t.Fatal(err)
	}
	env, _ := json.Marshal(map[string]any{
		"payloadType": payloadType,
		"payload":     base64.StdEncoding.EncodeToString(payload),
		"signatures":  []map[string]string{{"keyid": "", "sig": base64.StdEncoding.EncodeToString(sig)}},
	})
	return env
}

// TestEnvelopeKinds submits dsse 0.0.1, intoto 0.0.1 and intoto 0.0.2
// entries built by Rekor's own types and checks the stored body is Rekor's
// canonical body; a wrong key is refused with 400.
func TestEnvelopeKinds(t *testing.T) {
	l, srv := testLog(t, Config{})
	ctx := context.Background()
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, _ := cryptoutils.MarshalPublicKeyToPEM(priv.Public())
	otherPub, _ := cryptoutils.MarshalPublicKeyToPEM(other.Public())
	for i, kv := range [][2]string{{"dsse", "0.0.1"}, {"intoto", "0.0.1"}, {"intoto", "0.0.2"}} {
		t.Run(kv[0]+"/"+kv[1], func(t *testing.T) {
			env := dsseEnvelope(t, priv, fmt.Sprintf("artifact-%d", i))
			pe, err := types.NewProposedEntry(ctx, kv[0], kv[1], types.ArtifactProperties{ArtifactBytes: env, PublicKeyBytes: [][]byte{pub}})
			if err != nil {
				t.Fatal(err)
			}
			body, _ := json.Marshal(pe)
			ei, err := types.UnmarshalEntry(pe)
			if err != nil {
				t.Fatal(err)
			}
			want, err := types.CanonicalizeEntry(ctx, ei)
			if err != nil {
				t.Fatal(err)
			}
			r := call(t, "POST", srv.URL+"/api/v1/log/entries", body)
			if r.status != http.StatusCreated {
				t.Fatalf("POST %s: %d %s", kv, r.status, r.body)
			}
			id, e := oneEntry(t, r.body)
			checkEntry(t, l, id, e)
			if got := e.Body.(string); got != base64.StdEncoding.EncodeToString(want) {
				t.Errorf("stored body differs from Rekor's canonical body:\n got %s\nwant %s", got, base64.StdEncoding.EncodeToString(want))
			}
			// The same entry claiming another key: the signature no longer verifies.
			good, _ := json.Marshal(pe)
			badBody := bytes.ReplaceAll(good, []byte(base64.StdEncoding.EncodeToString(pub)), []byte(base64.StdEncoding.EncodeToString(otherPub)))
			if bytes.Equal(badBody, good) {
				t.Fatal("public key not found in the proposed entry")
			}
			if r := call(t, "POST", srv.URL+"/api/v1/log/entries", badBody); r.status != http.StatusBadRequest {
				t.Errorf("POST %s signed by another key: %d %s, want 400", kv, r.status, r.body)
			}
		})
	}
	if l.Size() != 3 {
		t.Errorf("Size() = %d, want 3", l.Size())
	}
}
