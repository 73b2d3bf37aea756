package proof

import (
	"errors"
	"strings"
	"testing"

	"github.com/provscope/provscope/model"
)

func verifiedResult() *model.Result {
	r := &model.Result{}
	r.Pass("signature", "Signature", "ok")
	return r
}

func failedResult(why string) *model.Result {
	r := &model.Result{}
	r.Fail("signature", "Signature", errors.New(why))
	return r
}

func TestImageVerdict(t *testing.T) {
	key := model.Signer{KeyFingerprint: strings.Repeat("ab", 32)}
	ok := SignatureOutcome{Name: "signature 1", Signature: true, Result: verifiedResult(), ValidSignature: true, Signer: key}
	bad := SignatureOutcome{Name: "signature 2", Signature: true, Result: failedResult("bad"), Signer: key}
	att := SignatureOutcome{Name: "attestation 1", Result: verifiedResult(), Signer: key}
	tests := []struct {
		name       string
		atts       []SignatureOutcome
		pinned     bool
		want       model.Verdict
		wantReason string
	}{
		{"pinned, verified", []SignatureOutcome{ok}, true, model.VerdictVerified, "the signature verified: signature 1 by key abababab"},
		{"unpinned never verified", []SignatureOutcome{ok}, false, model.VerdictUnpinned, "intact and logged, signer not pinned"},
		{"unpinned names the flags", []SignatureOutcome{ok}, false, model.VerdictUnpinned, PinFlags},
		{"1 of 2", []SignatureOutcome{bad, ok}, true, model.VerdictVerified, "1 of 2 signatures verified: signature 1"},
		{"0 of 2", []SignatureOutcome{bad, bad}, true, model.VerdictFailed, "0 of 2 signatures verified; first failure: Signature: bad"},
		{"one failure", []SignatureOutcome{bad}, false, model.VerdictFailed, "Signature: bad"},
		{"attestation alone does not sign", []SignatureOutcome{att}, true, model.VerdictUnsigned, "no signature"},
		{"nothing", nil, false, model.VerdictUnsigned, "no signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := ImageVerdict(tt.atts, tt.pinned)
			if got != tt.want || !strings.Contains(reason, tt.wantReason) {
				t.Errorf("ImageVerdict(%s, pinned=%v) = %s (%q), want %s containing %q", tt.name, tt.pinned, got, reason, tt.want, tt.wantReason)
			}
		})
	}
}

func TestAttachmentVerdict(t *testing.T) {
	if got := AttachmentVerdict(verifiedResult(), false); got != model.VerdictUnpinned {
		t.Errorf("AttachmentVerdict(verified, unpinned) = %s, want unpinned", got)
	}
	if got := AttachmentVerdict(verifiedResult(), true); got != model.VerdictVerified {
		t.Errorf("AttachmentVerdict(verified, pinned) = %s, want verified", got)
	}
	if got := AttachmentVerdict(failedResult("x"), false); got != model.VerdictFailed {
		t.Errorf("AttachmentVerdict(failed, unpinned) = %s, want failed", got)
	}
}

func TestMatchSigner(t *testing.T) {
	trusted := []TrustedSigner{
		{Name: "key", KeyFingerprint: strings.Repeat("01", 32)},
		{Name: "alice", Identity: "alice@example.com", Issuer: "https://accounts.example.com"},
	}
	tests := []struct {
		name    string
		found   model.Signer
		wantErr string
	}{
		{"trusted key", model.Signer{KeyFingerprint: strings.Repeat("01", 32)}, ""},
		{"trusted identity", model.Signer{Subject: "alice@example.com", Issuer: "https://accounts.example.com"}, ""},
		{"other key", model.Signer{KeyFingerprint: strings.Repeat("dd", 32)}, "signed by key dddddddd…, which is not a trusted signer (trusted: key 01010101…, alice@example.com via https://accounts.example.com)"},
		{"same identity, other issuer", model.Signer{Subject: "alice@example.com", Issuer: "https://evil.example.com"}, "signed by alice@example.com via https://evil.example.com, which is not"},
		{"nobody", model.Signer{}, "signed by an unknown signer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := MatchSigner(tt.found, trusted)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("MatchSigner(%+v) = %v, want %q", tt.found, err, tt.wantErr)
			}
		})
	}
}

func TestExplanationWording(t *testing.T) {
	alice := model.Signer{Subject: "alice@example.com", Issuer: "https://accounts.example.com"}
	tests := []struct {
		err  error
		want string
	}{
		{&WrongKeyError{Pinned: "01cb7b185c2deb90", Actual: model.Signer{KeyFingerprint: "dde0705edffd5876"}}, "signed by key dde0705e… (not the pinned key 01cb7b18…)"},
		{CheckIdentity(alice, "bob@example.com", "https://accounts.example.com"), "signed by alice@example.com via https://accounts.example.com, you pinned bob@example.com via https://accounts.example.com"},
		{&UntrustedLogError{LogID: "1ec95446aabbccdd"}, "this entry comes from log 1ec95446…, which your trusted root does not list"},
	}
	for _, tt := range tests {
		if tt.err == nil || tt.err.Error() != tt.want {
			t.Errorf("error = %v, want %q", tt.err, tt.want)
		}
	}
	if err := CheckIdentity(alice, "alice@example.com", "https://accounts.example.com"); err != nil {
		t.Errorf("CheckIdentity(same) = %v", err)
	}
}

func TestTrustedRootListsLog(t *testing.T) {
	listed := publicGoodLogID(t)
	if ok, err := TrustedRootListsLog(nil, listed); !ok || err != nil {
		t.Errorf("TrustedRootListsLog(public good, %s) = %v, %v; want true", listed, ok, err)
	}
	if ok, err := TrustedRootListsLog(nil, strings.Repeat("00", 32)); ok || err != nil {
		t.Errorf("TrustedRootListsLog(public good, zeros) = %v, %v; want false", ok, err)
	}
	if _, err := TrustedRootListsLog([]byte("{"), listed); err == nil {
		t.Error("TrustedRootListsLog(garbage) succeeded")
	}
}
