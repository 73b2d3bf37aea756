package model

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestResultVerdict(t *testing.T) {
	tests := []struct {
		name  string
		steps []Status
		over  Verdict
		want  Verdict
	}{
		{"no steps", nil, VerdictPending, VerdictPending},
		{"all pass", []Status{StatusPass, StatusPass}, VerdictPending, VerdictVerified},
		{"pass and skipped", []Status{StatusPass, StatusSkipped}, VerdictPending, VerdictVerified},
		{"only skipped", []Status{StatusSkipped}, VerdictPending, VerdictPending},
		{"a failure wins over passes", []Status{StatusPass, StatusFail, StatusPass}, VerdictPending, VerdictFailed},
		{"a pending step keeps it pending", []Status{StatusPass, StatusPending}, VerdictPending, VerdictPending},
		{"failure before pending", []Status{StatusFail, StatusPending}, VerdictPending, VerdictFailed},
		{"override", []Status{StatusPass}, VerdictNotLogged, VerdictNotLogged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Result{Override: tt.over}
			for _, s := range tt.steps {
				r.Add(Step{Name: "x", Status: s})
			}
			if got := r.Verdict(); got != tt.want {
				t.Errorf("Verdict(%v) = %v, want %v", tt.steps, got, tt.want)
			}
		})
	}
}

func TestResultFirstFailureAndReason(t *testing.T) {
	var r Result
	r.Pass("sig", "Signature", "ok")
	r.Fail("proof", "Inclusion proof", errors.New("root mismatch"))
	r.Fail("ckpt", "Checkpoint", errors.New("later failure"))
	f := r.FirstFailure()
	if f == nil || f.Name != "proof" {
		t.Fatalf("FirstFailure() = %+v, want the inclusion proof step", f)
	}
	if got, want := r.Reason(), "Inclusion proof: root mismatch"; got != want {
		t.Errorf("Reason() = %q, want %q", got, want)
	}
	var ok Result
	ok.Pass("sig", "Signature", "")
	if got, want := ok.Reason(), "all checks passed"; got != want {
		t.Errorf("Reason() = %q, want %q", got, want)
	}
	nl := Result{Override: VerdictNotLogged}
	if got, want := nl.Reason(), "no log entry records this signature"; got != want {
		t.Errorf("Reason() = %q, want %q", got, want)
	}
}

func TestTextRoundTrip(t *testing.T) {
	for s := StatusPending; s <= StatusSkipped; s++ {
		b, _ := s.MarshalText()
		var got Status
		if err := got.UnmarshalText(b); err != nil || got != s {
			t.Errorf("Status round trip %v: got %v, %v", s, got, err)
		}
	}
	for v := VerdictPending; v <= VerdictUnpinned; v++ {
		b, _ := v.MarshalText()
		var got Verdict
		if err := got.UnmarshalText(b); err != nil || got != v {
			t.Errorf("Verdict round trip %v: got %v, %v", v, got, err)
		}
	}
	var s Status
	if err := s.UnmarshalText([]byte("maybe")); err == nil {
		t.Error("UnmarshalText(maybe) = nil error, want an error")
	}
	b, err := json.Marshal(Step{Name: "n", Status: StatusFail, Err: errors.New("not serialised")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"name":"n","title":"","status":"fail"}`; got != want {
		t.Errorf("json.Marshal(step) = %s, want %s", got, want)
	}
}

func TestSignerString(t *testing.T) {
	tests := []struct {
		in   Signer
		want string
	}{
		{Signer{Subject: "a@b.c", Issuer: "https://accounts.example"}, "a@b.c (https://accounts.example)"},
		{Signer{Subject: "a@b.c"}, "a@b.c"},
		{Signer{KeyFingerprint: "0123456789abcdef0123"}, "key 0123456789abcdef"},
		{Signer{KeyFingerprint: "abcd"}, "key abcd"},
		{Signer{}, "unknown signer"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got, want := (Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}).String(), "linux/arm64/v8"; got != want {
		t.Errorf("Platform.String() = %q, want %q", got, want)
	}
}
