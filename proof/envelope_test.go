package proof

import (
	"strings"
	"testing"
)

func TestParseEnvelope(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"ok", `{"payloadType":"t","payload":"eA==","signatures":[{"keyid":"k","sig":"AQ=="}]}`, ""},
		{"not json", `{`, "parsing dsse envelope: unexpected end of JSON input"},
		{"no payload type", `{"payload":"eA==","signatures":[{"sig":"AQ=="}]}`, "parsing dsse envelope: no payloadType or payload"},
		{"no payload", `{"payloadType":"t","signatures":[{"sig":"AQ=="}]}`, "parsing dsse envelope: no payloadType or payload"},
		{"no signatures", `{"payloadType":"t","payload":"eA==","signatures":[]}`, "parsing dsse envelope: no signatures"},
		{"payload not base64", `{"payloadType":"t","payload":"!!","signatures":[{"sig":"AQ=="}]}`, "parsing dsse envelope: illegal base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseEnvelope([]byte(tt.in))
			if tt.wantErr == "" {
				if err != nil || e.PayloadType != "t" || string(e.Payload) != "x" || e.Signatures[0].KeyID != "k" || string(e.Signatures[0].Sig) != "\x01" {
					t.Errorf("ParseEnvelope = %+v, %v", e, err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Errorf("ParseEnvelope err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseStatement(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"v1", `{"_type":"https://in-toto.io/Statement/v1","predicateType":"p","subject":[{"name":"n","digest":{"sha256":"AB"}}]}`, ""},
		{"v0.1", `{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"p","subject":[{"name":"n","digest":{"sha256":"AB"}}]}`, ""},
		{"not json", `[`, "parsing in-toto statement: unexpected end of JSON input"},
		{"other type", `{"_type":"https://evil.example/Statement/v1","predicateType":"p"}`, `parsing in-toto statement: _type "https://evil.example/Statement/v1"`},
		{"type as suffix", `{"_type":"x-https://in-toto.io/Statement/v1","predicateType":"p"}`, "parsing in-toto statement: _type"},
		{"no predicate type", `{"_type":"https://in-toto.io/Statement/v1"}`, "parsing in-toto statement: no predicateType"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseStatement([]byte(tt.in))
			if tt.wantErr == "" {
				if err != nil || s.PredicateType != "p" || !s.NamesSubject("sha256", "ab") || s.NamesSubject("sha256", "ac") || s.NamesSubject("sha512", "ab") {
					t.Errorf("ParseStatement = %+v, %v", s, err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Errorf("ParseStatement err = %v, want %q", err, tt.wantErr)
			}
		})
	}
	// A digest binding needs the subjects, not a predicate type.
	if !statementNames([]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"ab"}}]}`), "sha256", "AB") {
		t.Error("statementNames refused a statement without a predicate type")
	}
}
