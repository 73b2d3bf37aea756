package proof

import (
	"errors"
	"strings"
	"testing"

	"github.com/provscope/provscope/model"
)

func TestExplainBundleFailure(t *testing.T) {
	pinned, other := newAttKey(t), newAttKey(t)
	alice := model.Signer{Subject: "alice@example.com", Issuer: "https://accounts.example.com"}
	bob := &IdentityPolicy{SAN: "bob@example.com", Issuer: "https://accounts.example.com"}
	const said = "verifier said no"
	untrusted := &UntrustedLogError{LogID: "1ec95446aabbccdd"}
	tests := []struct {
		name   string
		step   string
		err    error
		actual model.Signer
		key    []byte
		id     *IdentityPolicy
		want   string // the step's detail afterwards
		kept   bool   // the verifier's words kept as evidence
	}{
		{"untrusted log", BundleStepTlogEntry, untrusted, model.Signer{}, nil, nil, "this entry comes from log 1ec95446…, which your trusted root does not list: pass --trusted-root FILE with a trusted root that lists it (cosign's own, or the log operator's)", false},
		{"other key than pinned", BundleStepSignature, errors.New(said), model.Signer{KeyFingerprint: other.fp}, pinned.pem, nil, "signed by key " + other.fp[:8] + "… (not the pinned key " + pinned.fp[:8] + "…)", true},
		{"pinned key signed, other failure", BundleStepSignature, errors.New(said), model.Signer{KeyFingerprint: pinned.fp}, pinned.pem, nil, said, false},
		{"certificate where a key was pinned", BundleStepCertificate, errors.New(said), alice, pinned.pem, nil, "signed by alice@example.com via https://accounts.example.com, you pinned key " + pinned.fp[:8] + "…", true},
		{"other identity than pinned", BundleStepIdentity, errors.New(said), alice, nil, bob, "signed by alice@example.com via https://accounts.example.com, you pinned bob@example.com via https://accounts.example.com", true},
		{"key where an identity was pinned", BundleStepPublicKey, errors.New(said), model.Signer{KeyFingerprint: other.fp}, nil, bob, "signed by key " + other.fp[:8] + "…, you pinned bob@example.com via https://accounts.example.com (a keyless signature)", true},
		{"pinned identity signed", BundleStepIdentity, errors.New(said), model.Signer{Subject: "bob@example.com", Issuer: "https://accounts.example.com"}, nil, bob, said, false},
		{"signer unknown", BundleStepSignature, errors.New(said), model.Signer{}, pinned.pem, nil, said, false},
		// Hostile: a failure elsewhere (inclusion proof, SET) is not
		// turned into a story about who signed.
		{"not a signer step", BundleStepTlogEntry, errors.New(said), model.Signer{KeyFingerprint: other.fp}, pinned.pem, nil, said, false},
		{"no policy", BundleStepSignature, errors.New(said), model.Signer{KeyFingerprint: other.fp}, nil, nil, said, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &model.Step{Name: tt.step, Status: model.StatusFail, Detail: tt.err.Error(), Err: tt.err}
			ExplainBundleFailure(f, tt.actual, tt.key, tt.id)
			if f.Detail != tt.want {
				t.Errorf("detail %q, want %q", f.Detail, tt.want)
			}
			kept := len(f.Evidence) == 1 && f.Evidence[0] == (model.Evidence{Label: "verifier said", Value: said})
			if kept != tt.kept {
				t.Errorf("evidence %v, want the verifier's words kept: %v", f.Evidence, tt.kept)
			}
			if tt.kept && (f.Err == nil || f.Err.Error() != f.Detail) {
				t.Errorf("err %v does not carry the explanation", f.Err)
			}
		})
	}
	ExplainBundleFailure(nil, alice, pinned.pem, nil) // no failure: nothing to explain, no panic
}

func TestPinnedIdentity(t *testing.T) {
	tests := []struct {
		id   *IdentityPolicy
		want string
	}{
		{nil, "no identity"},
		{&IdentityPolicy{}, "any identity via any issuer"},
		{&IdentityPolicy{SAN: "a@example.com", Issuer: "https://i.example"}, "a@example.com via https://i.example"},
		{&IdentityPolicy{SANRegexp: ".*@example.com", IssuerRegexp: "https://.*"}, "~.*@example.com via ~https://.*"},
		{&IdentityPolicy{SAN: "a@example.com", SANRegexp: "ignored", IssuerRegexp: "x"}, "a@example.com via ~x"},
	}
	for _, tt := range tests {
		if got := PinnedIdentity(tt.id); got != tt.want {
			t.Errorf("PinnedIdentity(%+v) = %q, want %q", tt.id, got, tt.want)
		}
	}
}

func TestUntrustedLogHint(t *testing.T) {
	if h := UntrustedLogHint(nil); h != "" {
		t.Errorf("nil step: %q", h)
	}
	if h := UntrustedLogHint(&model.Step{Err: errors.New("this entry comes from log x, which your trusted root does not list")}); h != "" {
		t.Errorf("look-alike text, not an UntrustedLogError: %q", h)
	}
	if h := UntrustedLogHint(&model.Step{Err: errors.Join(errors.New("x"), &UntrustedLogError{LogID: "ab"})}); !strings.HasSuffix(h, "pass --trusted-root FILE with a trusted root that lists it (cosign's own, or the log operator's)") {
		t.Errorf("wrapped UntrustedLogError: %q", h)
	}
}

func TestJudgeTrustedSigner(t *testing.T) {
	trustedKey := strings.Repeat("01", 32)
	trusted := []TrustedSigner{{Name: "key", KeyFingerprint: trustedKey}, {Name: "alice", Identity: "alice@example.com", Issuer: "https://accounts.example.com"}}
	onList := model.Signer{KeyFingerprint: trustedKey}
	offList := model.Signer{KeyFingerprint: strings.Repeat("dd", 32)}
	tests := []struct {
		name     string
		pol      KeyPolicy
		signer   model.Signer
		verified bool
		applies  bool
		status   model.Status
		detail   string
	}{
		{"on the list", KeyPolicy{Trusted: trusted}, onList, true, true, model.StatusPass, "key 01010101… is a trusted signer"},
		{"identity on the list", KeyPolicy{Trusted: trusted}, model.Signer{Subject: "alice@example.com", Issuer: "https://accounts.example.com"}, true, true, model.StatusPass, "alice@example.com via https://accounts.example.com is a trusted signer"},
		{"off the list", KeyPolicy{Trusted: trusted}, offList, true, true, model.StatusFail, "signed by key dddddddd…, which is not a trusted signer (trusted: key 01010101…, alice@example.com via https://accounts.example.com)"},
		// Hostile: same identity from another issuer.
		{"identity via another issuer", KeyPolicy{Trusted: trusted}, model.Signer{Subject: "alice@example.com", Issuer: "https://evil.example.com"}, true, true, model.StatusFail, "signed by alice@example.com via https://evil.example.com, which is not a trusted signer (trusted: key 01010101…, alice@example.com via https://accounts.example.com)"},
		{"nobody", KeyPolicy{Trusted: trusted}, model.Signer{}, true, true, model.StatusFail, "signed by an unknown signer, which is not a trusted signer (trusted: key 01010101…, alice@example.com via https://accounts.example.com)"},
		{"no list", KeyPolicy{}, offList, true, false, 0, ""},
		{"a pinned key decides alone", KeyPolicy{Key: []byte("k"), Trusted: trusted}, offList, true, false, 0, ""},
		{"a pinned identity decides alone", KeyPolicy{Identity: true, Trusted: trusted}, offList, true, false, 0, ""},
		{"not verified", KeyPolicy{Trusted: trusted}, offList, false, false, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := JudgeTrustedSigner(tt.pol, tt.signer, tt.verified)
			if ok != tt.applies {
				t.Fatalf("applies %v, want %v", ok, tt.applies)
			}
			if !ok {
				return
			}
			if s.Name != StepTrustedSigner || s.Title != "Trusted signer" || s.Status != tt.status || s.Detail != tt.detail {
				t.Errorf("step %q %q %v %q, want %v %q", s.Name, s.Title, s.Status, s.Detail, tt.status, tt.detail)
			}
			if tt.status == model.StatusFail && (len(s.Evidence) != 1 || s.Evidence[0].Label != "signed by") {
				t.Errorf("evidence %v, want who signed", s.Evidence)
			}
		})
	}
}
