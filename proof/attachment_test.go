package proof

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof/body"
)

// attKey is a signer of test attachments.
type attKey struct {
	priv *ecdsa.PrivateKey
	pem  []byte
	fp   string
}

func newAttKey(t testing.TB) attKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	k := attKey{priv: priv, pem: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})}
	if k.fp, err = keyPEMFingerprint(k.pem); err != nil {
		t.Fatal(err)
	}
	return k
}

func (k attKey) sign(t testing.TB, msg []byte) []byte {
	t.Helper()
	d := sha256.Sum256(msg)
	sig, err := ecdsa.SignASN1(rand.Reader, k.priv, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// envelope is a DSSE envelope over payload signed by k.
func (k attKey) envelope(t testing.TB, payloadType string, payload []byte) []byte {
	t.Helper()
	env := map[string]any{"payloadType": payloadType, "payload": payload, "signatures": []map[string]any{{"sig": k.sign(t, body.PAE(payloadType, payload))}}}
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const testPayload = `{"critical":{"image":{"docker-manifest-digest":"sha256:aa"}}}`

func TestChooseKey(t *testing.T) {
	pinned, attached, logged, trusted := newAttKey(t), newAttKey(t), newAttKey(t), newAttKey(t)
	payload := []byte(testPayload)
	sigBy := func(k attKey) SignatureEvidence {
		return SignatureEvidence{Kind: model.AttachSignature, Payload: payload, Signature: k.sign(t, payload)}
	}
	withAttached := func(ev SignatureEvidence) SignatureEvidence {
		ev.Attached, ev.AttachedSigner = attached.pem, model.Signer{Subject: "dev@example.com", Issuer: "https://issuer.example"}
		return ev
	}
	withLogged := func(ev SignatureEvidence) SignatureEvidence {
		ev.Logged, ev.LoggedSigner = logged.pem, model.Signer{}
		return ev
	}
	other := newAttKey(t)
	trustedList := []TrustedSigner{{KeyPEM: other.pem}, {KeyPEM: trusted.pem}}
	attEv := SignatureEvidence{Kind: model.AttachAttestation, Payload: trusted.envelope(t, "application/vnd.in-toto+json", []byte(`{}`))}
	tests := []struct {
		name       string
		pol        KeyPolicy
		ev         SignatureEvidence
		wantKey    []byte
		wantSrc    KeySource
		wantSigner model.Signer
	}{
		{"pinned wins over attached", KeyPolicy{Key: pinned.pem}, withAttached(sigBy(pinned)), pinned.pem, KeyPinned, model.Signer{KeyFingerprint: pinned.fp}},
		{"pinned even when it does not verify", KeyPolicy{Key: pinned.pem}, withLogged(sigBy(logged)), pinned.pem, KeyPinned, model.Signer{KeyFingerprint: pinned.fp}},
		{"attached before logged", KeyPolicy{}, withLogged(withAttached(sigBy(attached))), attached.pem, KeyAttached, model.Signer{Subject: "dev@example.com", Issuer: "https://issuer.example"}},
		{"logged when nothing attached", KeyPolicy{Trusted: trustedList}, withLogged(sigBy(logged)), logged.pem, KeyLogged, model.Signer{KeyFingerprint: logged.fp}},
		{"logged key is ignored for an attestation", KeyPolicy{}, withLogged(attEv), nil, KeyNone, model.Signer{}},
		{"first trusted key that verifies", KeyPolicy{Trusted: trustedList}, sigBy(trusted), trusted.pem, KeyTrusted, model.Signer{KeyFingerprint: trusted.fp}},
		{"trusted key for an attestation", KeyPolicy{Trusted: trustedList}, attEv, trusted.pem, KeyTrusted, model.Signer{KeyFingerprint: trusted.fp}},
		{"identity policy never tries trusted keys", KeyPolicy{Identity: true, Trusted: trustedList}, sigBy(trusted), nil, KeyNone, model.Signer{}},
		{"hostile: a signature no trusted key made", KeyPolicy{Trusted: trustedList}, sigBy(newAttKey(t)), nil, KeyNone, model.Signer{}},
		{"hostile: a mutated signature by a trusted key", KeyPolicy{Trusted: trustedList}, func() SignatureEvidence { ev := sigBy(trusted); ev.Payload = flipLast(ev.Payload); return ev }(), nil, KeyNone, model.Signer{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key, signer, src := ChooseKey(tc.pol, tc.ev)
			if !bytes.Equal(key, tc.wantKey) || src != tc.wantSrc || signer != tc.wantSigner {
				t.Errorf("ChooseKey() = %q, %+v, %v; want %q, %+v, %v", key, signer, src, tc.wantKey, tc.wantSigner, tc.wantSrc)
			}
		})
	}
}

func TestNeedsLoggedKey(t *testing.T) {
	pinned, other := newAttKey(t), newAttKey(t)
	payload := []byte(testPayload)
	sig := SignatureEvidence{Kind: model.AttachSignature, Payload: payload, Signature: pinned.sign(t, payload)}
	attached := sig
	attached.Attached = other.pem
	att := SignatureEvidence{Kind: model.AttachAttestation, Payload: pinned.envelope(t, "t", []byte("x"))}
	tests := []struct {
		name string
		pol  KeyPolicy
		ev   SignatureEvidence
		want bool
	}{
		{"no key anywhere", KeyPolicy{}, sig, true},
		{"pinned key verifies", KeyPolicy{Key: pinned.pem}, sig, false},
		{"hostile: pinned key does not verify", KeyPolicy{Key: other.pem}, sig, true},
		{"attached key", KeyPolicy{}, attached, false},
		{"attestation", KeyPolicy{}, att, false},
	}
	for _, tc := range tests {
		if got := NeedsLoggedKey(tc.pol, tc.ev); got != tc.want {
			t.Errorf("%s: NeedsLoggedKey() = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestJudgeSignature(t *testing.T) {
	pinned, signer := newAttKey(t), newAttKey(t)
	payload := []byte(testPayload)
	sigBy := func(k attKey) SignatureEvidence {
		return SignatureEvidence{Kind: model.AttachSignature, Payload: payload, Signature: k.sign(t, payload)}
	}
	keyless := model.Signer{Subject: "dev@example.com", Issuer: "https://issuer.example"}
	tests := []struct {
		name       string
		pol        KeyPolicy
		ev         SignatureEvidence
		wantStatus model.Status
		wantErr    any // nil, or a pointer to the error type
		wantKey    []byte
		wantSigner model.Signer
		wantBy     string // the "signed by" evidence, "" for none
	}{
		{
			name: "pinned key verifies", pol: KeyPolicy{Key: pinned.pem}, ev: sigBy(pinned),
			wantStatus: model.StatusPass, wantKey: pinned.pem, wantSigner: model.Signer{KeyFingerprint: pinned.fp},
		},
		{
			name: "another key signed: who", pol: KeyPolicy{Key: pinned.pem}, ev: func() SignatureEvidence { ev := sigBy(signer); ev.Attached = signer.pem; return ev }(),
			wantStatus: model.StatusFail, wantErr: new(*WrongKeyError), wantKey: signer.pem, wantSigner: model.Signer{KeyFingerprint: signer.fp}, wantBy: "key sha256:" + signer.fp,
		},
		{
			name: "the logged key signed", pol: KeyPolicy{Key: pinned.pem}, ev: func() SignatureEvidence { ev := sigBy(signer); ev.Logged = signer.pem; return ev }(),
			wantStatus: model.StatusFail, wantErr: new(*WrongKeyError), wantKey: signer.pem, wantSigner: model.Signer{KeyFingerprint: signer.fp}, wantBy: "key sha256:" + signer.fp,
		},
		{
			name: "a certificate identity signed", pol: KeyPolicy{Key: pinned.pem}, ev: func() SignatureEvidence {
				ev := sigBy(signer)
				ev.Attached, ev.AttachedSigner = signer.pem, keyless
				return ev
			}(),
			wantStatus: model.StatusFail, wantErr: new(*WrongIdentityError), wantKey: signer.pem, wantSigner: keyless, wantBy: DescribeSigner(keyless),
		},
		{
			name: "hostile: the attached key does not verify either", pol: KeyPolicy{Key: pinned.pem}, ev: func() SignatureEvidence {
				ev := sigBy(signer)
				ev.Attached, ev.Signature = signer.pem, flipLast(ev.Signature)
				return ev
			}(),
			wantStatus: model.StatusFail, wantErr: new(*body.BadSignatureError), wantKey: pinned.pem, wantSigner: model.Signer{KeyFingerprint: pinned.fp},
		},
		{
			name: "hostile: mutated payload, attached key", pol: KeyPolicy{}, ev: func() SignatureEvidence {
				ev := sigBy(signer)
				ev.Attached, ev.Payload = signer.pem, []byte(strings.Replace(testPayload, "aa", "bb", 1))
				return ev
			}(),
			wantStatus: model.StatusFail, wantErr: new(*body.BadSignatureError), wantKey: signer.pem, wantSigner: model.Signer{KeyFingerprint: signer.fp},
		},
		{name: "no key", pol: KeyPolicy{}, ev: sigBy(signer), wantStatus: model.StatusSkipped},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &model.Result{}
			j := JudgeSignature(r, tc.pol, tc.ev)
			if len(r.Steps) != 1 || r.Steps[0].Name != StepAttachmentSignature {
				t.Fatalf("steps = %+v, want one %q step", r.Steps, StepAttachmentSignature)
			}
			s := r.Steps[0]
			if s.Status != tc.wantStatus {
				t.Errorf("status = %v (%s), want %v", s.Status, s.Detail, tc.wantStatus)
			}
			switch {
			case tc.wantErr == nil && j.Err != nil:
				t.Errorf("Err = %v, want nil", j.Err)
			case tc.wantErr != nil && (j.Err == nil || !errors.As(j.Err, tc.wantErr)):
				t.Errorf("Err = %v (%T), want %T", j.Err, j.Err, tc.wantErr)
			}
			if !bytes.Equal(j.Key, tc.wantKey) || j.Signer != tc.wantSigner {
				t.Errorf("Key, Signer = %q, %+v; want %q, %+v", j.Key, j.Signer, tc.wantKey, tc.wantSigner)
			}
			by := ""
			for _, e := range s.Evidence {
				if e.Label == "signed by" {
					by = e.Value
				}
			}
			if by != tc.wantBy {
				t.Errorf("signed by = %q, want %q", by, tc.wantBy)
			}
		})
	}
}

func TestVerifyAttachmentSignatureAttestation(t *testing.T) {
	k := newAttKey(t)
	env := k.envelope(t, "application/vnd.in-toto+json", []byte(`{"_type":"x"}`))
	ok := SignatureEvidence{Kind: model.AttachAttestation, Payload: env}
	if err := VerifyAttachmentSignature(ok, k.pem); err != nil {
		t.Fatalf("VerifyAttachmentSignature(envelope) = %v, want nil", err)
	}
	var m map[string]any
	if err := json.Unmarshal(env, &m); err != nil {
		t.Fatal(err)
	}
	m["payloadType"] = "text/plain" // the signature covers the type
	retyped, _ := json.Marshal(m)
	m["signatures"] = []any{}
	unsigned, _ := json.Marshal(m)
	tests := []struct {
		name string
		ev   SignatureEvidence
		want string
	}{
		{"hostile: retyped payload", SignatureEvidence{Kind: model.AttachAttestation, Payload: retyped}, "DSSE PAE"},
		{"hostile: no signatures", SignatureEvidence{Kind: model.AttachAttestation, Payload: unsigned}, "parsing dsse envelope: no signatures"},
		{"hostile: not json", SignatureEvidence{Kind: model.AttachAttestation, Payload: []byte("{")}, "parsing dsse envelope"},
		{"an sbom carries no signature", SignatureEvidence{Kind: model.AttachSBOM}, "carries no signature"},
	}
	for _, tc := range tests {
		if err := VerifyAttachmentSignature(tc.ev, k.pem); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: VerifyAttachmentSignature() = %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestJudgeSignedDigest(t *testing.T) {
	const img = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		name, signed string
		want         model.Status
	}{
		{"same digest", img, model.StatusPass},
		{"hostile: another image", "sha256:" + strings.Repeat("f", 64), model.StatusFail},
		{"hostile: upper-case digest", strings.ToUpper(img), model.StatusFail},
		{"hostile: truncated", img[:len(img)-1], model.StatusFail},
		{"hostile: empty", "", model.StatusFail},
	}
	for _, tc := range tests {
		r := &model.Result{}
		JudgeSignedDigest(r, tc.signed, img)
		if len(r.Steps) != 1 || r.Steps[0].Name != StepSignedDigest || r.Steps[0].Status != tc.want {
			t.Errorf("%s: JudgeSignedDigest(%q) steps = %+v, want one %v step", tc.name, tc.signed, r.Steps, tc.want)
		}
	}
}

func TestBindBody(t *testing.T) {
	k, other := newAttKey(t), newAttKey(t)
	payload := []byte(testPayload)
	sig := k.sign(t, payload)
	canonical, err := body.BuildHashedRekord(sha256Of(payload), sig, k.pem)
	if err != nil {
		t.Fatal(err)
	}
	b, err := body.Decode(canonical)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name              string
		b                 *body.Body
		sig, payload, key []byte
		wantErr           bool
		wantStatus        model.Status
	}{
		{"the body records it", b, sig, payload, k.pem, false, model.StatusPass},
		{"attestation: no payload digest to bind", b, sig, nil, k.pem, false, model.StatusPass},
		{"hostile: another signature", b, flipLast(sig), payload, k.pem, true, model.StatusFail},
		{"hostile: another key", b, sig, payload, other.pem, true, model.StatusFail},
		{"hostile: another payload", b, sig, []byte(strings.Replace(testPayload, "aa", "bb", 1)), k.pem, true, model.StatusFail},
		{"hostile: undecodable body", nil, sig, payload, k.pem, true, model.StatusFail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.b != nil {
				if err := BindBody(tc.b, tc.sig, tc.payload, tc.key); (err != nil) != tc.wantErr {
					t.Errorf("BindBody() = %v, want error %v", err, tc.wantErr)
				}
			}
			r := &model.Result{}
			JudgeBodyBinding(r, tc.b, tc.sig, tc.payload, tc.key)
			if len(r.Steps) != 1 || r.Steps[0].Name != StepBodyBinding || r.Steps[0].Status != tc.wantStatus {
				t.Errorf("JudgeBodyBinding() steps = %+v, want one %v step", r.Steps, tc.wantStatus)
			}
		})
	}
}

func TestBundleKey(t *testing.T) {
	pinned, entry := newAttKey(t), newAttKey(t)
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not really")})
	tests := []struct {
		name  string
		pol   KeyPolicy
		entry []byte
		want  []byte
	}{
		{"pinned key", KeyPolicy{Key: pinned.pem}, entry.pem, pinned.pem},
		{"no policy: the entry's key", KeyPolicy{}, entry.pem, entry.pem},
		{"no policy, trusted signers: the entry's key", KeyPolicy{Trusted: []TrustedSigner{{KeyPEM: pinned.pem}}}, entry.pem, entry.pem},
		{"identity policy: no key", KeyPolicy{Identity: true}, entry.pem, nil},
		{"hostile: the entry records a certificate", KeyPolicy{}, cert, nil},
		{"hostile: the entry records junk", KeyPolicy{}, []byte("junk"), nil},
		{"nothing recorded", KeyPolicy{}, nil, nil},
	}
	for _, tc := range tests {
		if got := BundleKey(tc.pol, tc.entry); !bytes.Equal(got, tc.want) {
			t.Errorf("%s: BundleKey() = %q, want %q", tc.name, got, tc.want)
		}
	}
}
