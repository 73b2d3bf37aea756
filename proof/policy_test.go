package proof

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof/body"
)

func TestKeyPolicyPinned(t *testing.T) {
	tests := []struct {
		name string
		pol  KeyPolicy
		want bool
	}{
		{"nothing", KeyPolicy{}, false},
		{"empty key and empty trusted list", KeyPolicy{Key: []byte{}, Trusted: []TrustedSigner{}}, false},
		{"key", KeyPolicy{Key: []byte("k")}, true},
		{"identity", KeyPolicy{Identity: true}, true},
		{"trusted signers", KeyPolicy{Trusted: []TrustedSigner{{Name: "alice"}}}, true},
		{"everything", KeyPolicy{Key: []byte("k"), Identity: true, Trusted: []TrustedSigner{{}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.pol.Pinned(); got != tt.want {
				t.Errorf("%+v.Pinned() = %v, want %v", tt.pol, got, tt.want)
			}
		})
	}
}

func TestIdentityCheckApplies(t *testing.T) {
	key := []byte("pinned")
	tests := []struct {
		name    string
		pol     KeyPolicy
		hasCert bool
		want    bool
	}{
		{"no policy, no certificate", KeyPolicy{}, false, false},
		{"no policy, a certificate: whose key, only a trusted CA says", KeyPolicy{}, true, true},
		{"identity required, no certificate: fails there", KeyPolicy{Identity: true}, false, true},
		{"identity required, a certificate", KeyPolicy{Identity: true}, true, true},
		{"pinned key decides alone, even with a certificate", KeyPolicy{Key: key}, true, false},
		{"pinned key, no certificate", KeyPolicy{Key: key}, false, false},
		{"trusted signers and a certificate", KeyPolicy{Trusted: []TrustedSigner{{Identity: "a", Issuer: "b"}}}, true, true},
		{"trusted signers, no certificate", KeyPolicy{Trusted: []TrustedSigner{{Name: "k"}}}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IdentityCheckApplies(tt.pol, tt.hasCert); got != tt.want {
				t.Errorf("IdentityCheckApplies(%+v, %v) = %v, want %v", tt.pol, tt.hasCert, got, tt.want)
			}
		})
	}
}

func TestIdentityArtifact(t *testing.T) {
	payload := []byte(testPayload)
	sig := identityArtifact(IdentityEvidence{Kind: model.AttachSignature, Payload: payload, ImageDigest: "sha256:ff"})
	if want := sha256Of(payload); *sig != (ArtifactDigest{Algorithm: want.Algorithm, Hex: want.Hex}) {
		t.Errorf("signature artifact = %+v, want the payload's digest %+v", *sig, want)
	}
	att := identityArtifact(IdentityEvidence{Kind: model.AttachAttestation, Payload: payload, ImageDigest: "sha256:ff"})
	if *att != (ArtifactDigest{Algorithm: "sha256", Hex: "ff"}) {
		t.Errorf("attestation artifact = %+v, want the image digest", *att)
	}
}

func TestJudgeCertificateIdentity(t *testing.T) {
	alice := model.Signer{Subject: "alice@example.com", Issuer: "https://issuer.example"}
	pinAlice := &IdentityPolicy{SAN: alice.Subject, Issuer: alice.Issuer}
	pinBob := &IdentityPolicy{SAN: "bob@example.com", Issuer: alice.Issuer}
	repackErr := errors.New("repackaging the signature for verification: no inclusion proof")
	tests := []struct {
		name       string
		id         *IdentityPolicy
		ev         IdentityEvidence
		wantDetail string // substring
		wantEv     int
		wantErr    any
	}{
		{
			name: "no certificate where an identity is pinned", id: pinAlice,
			ev:         IdentityEvidence{Kind: model.AttachSignature, Signer: model.Signer{KeyFingerprint: "ab"}},
			wantDetail: "alice@example.com via https://issuer.example (a keyless signature)", wantErr: new(*WrongIdentityError),
		},
		{
			name: "another identity", id: pinBob,
			ev:         IdentityEvidence{Kind: model.AttachSignature, HasCertificate: true, Signer: alice, Bundle: []byte("{}")},
			wantDetail: "bob@example.com", wantEv: 2,
		},
		{
			name: "hostile identity with control characters", id: pinAlice,
			ev:         IdentityEvidence{Kind: model.AttachSignature, HasCertificate: true, Signer: model.Signer{Subject: "alice@example.com\x1b[2J", Issuer: alice.Issuer}, Bundle: []byte("{}")},
			wantDetail: "alice@example.com", wantEv: 2,
		},
		{
			name: "could not be repackaged", id: pinAlice,
			ev:         IdentityEvidence{Kind: model.AttachSignature, HasCertificate: true, Signer: alice, BundleErr: repackErr},
			wantDetail: repackErr.Error(),
		},
		{
			name: "nothing repackaged, no reason given", id: nil,
			ev:         IdentityEvidence{Kind: model.AttachSignature, HasCertificate: true, Signer: alice},
			wantDetail: "no bundle to verify the certificate with",
		},
		{
			name: "garbage bundle without a policy", id: nil,
			ev:         IdentityEvidence{Kind: model.AttachAttestation, HasCertificate: true, Signer: alice, ImageDigest: "sha256:aa", Bundle: []byte("not json")},
			wantDetail: "bundle",
		},
		{
			name: "truncated bundle with the right identity", id: pinAlice,
			ev:         IdentityEvidence{Kind: model.AttachSignature, HasCertificate: true, Signer: alice, Payload: []byte(testPayload), Bundle: []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"`)},
			wantDetail: "bundle",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &model.Result{}
			JudgeCertificateIdentity(r, tt.id, nil, tt.ev)
			if len(r.Steps) != 1 {
				t.Fatalf("JudgeCertificateIdentity added %d steps, want 1", len(r.Steps))
			}
			s := r.Steps[0]
			if s.Name != StepCertificateIdentity || s.Status != model.StatusFail {
				t.Fatalf("step %s = %v (%s), want %s failed", s.Name, s.Status, s.Detail, StepCertificateIdentity)
			}
			if !strings.Contains(s.Detail, tt.wantDetail) {
				t.Errorf("detail %q, want it to contain %q", s.Detail, tt.wantDetail)
			}
			if len(s.Evidence) != tt.wantEv {
				t.Errorf("evidence %v, want %d items", s.Evidence, tt.wantEv)
			}
			if tt.wantErr != nil && !errors.As(s.Err, tt.wantErr) {
				t.Errorf("error %T %v, want %T", s.Err, s.Err, tt.wantErr)
			}
		})
	}
}

func TestLoggedSignatureKey(t *testing.T) {
	signer, other := newAttKey(t), newAttKey(t)
	payload := []byte(testPayload)
	d := sha256Of(payload)
	sig, otherSig := signer.sign(t, payload), other.sign(t, payload)
	entry := func(sig, keyPEM []byte) []byte {
		t.Helper()
		b, err := body.BuildHashedRekord(d, sig, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	mine, theirs := entry(sig, signer.pem), entry(otherSig, other.pem)
	// A hostile log records this signature with someone else's key: it is
	// picked (first match), and JudgeSignature then fails it.
	// BuildHashedRekord refuses such a body, so swap the key in by hand.
	stolen := []byte(strings.Replace(string(mine), base64.StdEncoding.EncodeToString(signer.pem), base64.StdEncoding.EncodeToString(other.pem), 1))
	if string(stolen) == string(mine) {
		t.Fatal("could not swap the key into the body")
	}
	tests := []struct {
		name    string
		bodies  [][]byte
		sig     []byte
		wantKey []byte
	}{
		{"no entries", nil, sig, nil},
		{"the entry that records it", [][]byte{theirs, mine}, sig, signer.pem},
		{"garbage bodies are skipped", [][]byte{[]byte("{"), nil, []byte(`{"kind":"hashedrekord"}`), mine}, sig, signer.pem},
		{"only other signatures", [][]byte{theirs}, sig, nil},
		{"first match wins", [][]byte{stolen, mine}, sig, other.pem},
		{"empty signature matches nothing", [][]byte{mine}, nil, nil},
		{"truncated signature matches nothing", [][]byte{mine}, sig[:len(sig)-1], nil},
		{"bit-flipped signature matches nothing", [][]byte{mine}, flipLast(sig), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, s := LoggedSignatureKey(tt.bodies, tt.sig)
			if string(key) != string(tt.wantKey) {
				t.Errorf("LoggedSignatureKey key = %q, want %q", key, tt.wantKey)
			}
			if len(key) == 0 && s != (model.Signer{}) {
				t.Errorf("LoggedSignatureKey signer = %+v without a key", s)
			}
		})
	}
	if _, s := LoggedSignatureKey([][]byte{mine}, sig); s.KeyFingerprint != signer.fp {
		t.Errorf("LoggedSignatureKey signer = %+v, want key %s", s, signer.fp)
	}
}

// publicGoodLogID is the ID of a log the embedded public-good trusted root
// lists.
func publicGoodLogID(t *testing.T) string {
	t.Helper()
	tr, err := ParseTrustedRoot(nil)
	if err != nil {
		t.Fatal(err)
	}
	for id := range tr.RekorLogs() {
		return id
	}
	t.Fatal("the public-good trusted root lists no log")
	return ""
}

func TestLogTrusted(t *testing.T) {
	listed := publicGoodLogID(t)
	pinned := newAttKey(t)
	unlisted := strings.Repeat("00", 32)
	tests := []struct {
		name        string
		trustedRoot []byte
		pinnedKey   []byte
		logID       string
		want        bool
	}{
		{"no log ID: not judged", nil, nil, "", true},
		{"listed by the public-good root", nil, nil, listed, true},
		{"listed, upper-case ID", nil, nil, strings.ToUpper(listed), true},
		{"not listed, nothing pinned", nil, nil, unlisted, false},
		{"pinned key's fingerprint", nil, pinned.pem, pinned.fp, true},
		{"pinned key's fingerprint, upper case", nil, pinned.pem, strings.ToUpper(pinned.fp), true},
		{"pinned key, another log", nil, pinned.pem, unlisted, false},
		{"pinned key, fingerprint prefix only", nil, pinned.pem, pinned.fp[:8], false},
		{"pinned key, fingerprint with a control character", nil, pinned.pem, pinned.fp + "\x1b", false},
		{"garbage pinned key, unlisted log", nil, []byte("-----BEGIN PUBLIC KEY-----\nzz\n-----END PUBLIC KEY-----\n"), unlisted, false},
		{"garbage pinned key, listed log", nil, []byte("not a key"), listed, true},
		{"unparseable trusted root", []byte("{"), nil, listed, false},
		{"unparseable trusted root, pinned key", []byte("{"), pinned.pem, pinned.fp, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LogTrusted(tt.trustedRoot, tt.pinnedKey, tt.logID); got != tt.want {
				t.Errorf("LogTrusted(%q) = %v, want %v", tt.logID, got, tt.want)
			}
		})
	}
}
