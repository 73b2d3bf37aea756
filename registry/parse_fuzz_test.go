package registry

import (
	"encoding/json"
	"testing"

	"github.com/provscope/provscope/model"
)

// FuzzParseRekorBundle: any input either parses or errors, never panics;
// what parses re-encodes to an annotation that parses to the same values.
func FuzzParseRekorBundle(f *testing.F) {
	f.Add(`{"SignedEntryTimestamp":"c2V0","Payload":{"body":"Ym9keQ==","integratedTime":1,"logIndex":2,"logID":"ab"}}`)
	f.Add(`{"SignedEntryTimestamp":"","Payload":{}}`)
	f.Add(`{`)
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 1<<16 {
			return
		}
		rb, err := ParseRekorBundle(s)
		if err != nil {
			return
		}
		b, err := json.Marshal(map[string]any{"SignedEntryTimestamp": rb.SignedEntryTimestamp, "Payload": map[string]any{
			"body": rb.Body, "integratedTime": rb.IntegratedTime, "logIndex": rb.LogIndex, "logID": rb.LogID,
		}})
		if err != nil {
			t.Fatal(err)
		}
		rb2, err := ParseRekorBundle(string(b))
		if err != nil {
			t.Fatalf("re-parsing %s: %v", b, err)
		}
		if string(rb2.Body) != string(rb.Body) || rb2.LogIndex != rb.LogIndex || string(rb2.SignedEntryTimestamp) != string(rb.SignedEntryTimestamp) {
			t.Fatalf("round trip changed the bundle: %+v vs %+v", rb, rb2)
		}
	})
}

// FuzzAttachmentParsers feeds the same bytes to every layer parser: each
// either fills the attachment or reports an error; none panics.
func FuzzAttachmentParsers(f *testing.F) {
	f.Add([]byte(`{"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"sha256:00"},"type":"cosign container image signature"},"optional":null}`))
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"sig":"AA=="}]}`))
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AA=="}]}}`))
	f.Add([]byte(`{"spdxVersion":"SPDX-2.3","packages":[{}]}`))
	f.Add([]byte(`{"bomFormat":"CycloneDX","components":[{},{}]}`))
	f.Add([]byte("SPDXVersion: SPDX-2.3\nPackageName: a\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<16 {
			return
		}
		ann := map[string]string{AnnotationSignature: string(b), AnnotationBundle: string(b), AnnotationRFC3161Timestamp: string(b)}
		_ = fillLegacySignature(&model.Attachment{Annotations: ann}, b)
		_ = fillAttestationLayer(&model.Attachment{Annotations: ann}, b)
		_ = fillBundle(&model.Attachment{}, b)
		if format, n, err := ParseSBOM("x", b); err == nil && (format == "" || n < 0) {
			t.Fatalf("ParseSBOM = %q, %d without error", format, n)
		}
	})
}
