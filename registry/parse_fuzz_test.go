package registry

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	sgbundle "github.com/sigstore/sigstore-go/pkg/bundle"
	"google.golang.org/protobuf/encoding/protojson"

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

// FuzzAttachmentParsers feeds the same bytes to every layer parser and
// checks what each fills, not only that it does not panic:
//   - fillBundle round-trips: the bundle it parsed, re-encoded with
//     protojson, fills the same attachment; and the fields it fills are the
//     bundle's own (the message signature or first DSSE signature, the first
//     log entry's body), read independently with sigstore-go's bundle type;
//   - fillAttestationLayer round-trips through a re-encoded envelope;
//   - fillLegacySignature's signed digest is the payload's
//     critical.image.docker-manifest-digest and its signature the
//     annotation's bytes;
//   - ParseSBOM's package count equals a generic JSON reading's (or the
//     tag-value document's PackageName lines).
func FuzzAttachmentParsers(f *testing.F) {
	f.Add([]byte(`{"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"sha256:00"},"type":"cosign container image signature"},"optional":null}`))
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"sig":"AA=="}]}`))
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AA=="}]}}`))
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"tlogEntries":[{"logIndex":"3","canonicalizedBody":"e30=","logId":{"keyId":"AQI="}}]},"messageSignature":{"messageDigest":{"algorithm":"SHA2_256","digest":"AAE="},"signature":"AA=="}}`))
	f.Add([]byte(`{"spdxVersion":"SPDX-2.3","packages":[{}]}`))
	f.Add([]byte(`{"bomFormat":"CycloneDX","components":[{},{}]}`))
	f.Add([]byte("SPDXVersion: SPDX-2.3\nPackageName: a\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<16 {
			return
		}
		ann := map[string]string{AnnotationSignature: string(b), AnnotationBundle: string(b), AnnotationRFC3161Timestamp: string(b)}

		legacy := &model.Attachment{Annotations: ann}
		if err := fillLegacySignature(legacy, b); err == nil {
			ss, _ := ParseSimpleSigning(b)
			sig, _ := base64.StdEncoding.DecodeString(string(b))
			if legacy.SignedDigest != ss.Critical.Image.DockerManifestDigest || !bytes.Equal(legacy.Signature, sig) || !bytes.Equal(legacy.Payload, b) {
				t.Fatalf("fillLegacySignature(%q) = digest %q, sig %x", b, legacy.SignedDigest, legacy.Signature)
			}
		}

		att := &model.Attachment{}
		if err := fillEnvelope(att, b); err == nil {
			env, _ := ParseEnvelope(b)
			again, err := json.Marshal(env)
			if err != nil {
				t.Fatal(err)
			}
			att2 := &model.Attachment{}
			if err := fillEnvelope(att2, again); err != nil || !reflect.DeepEqual(att, att2) {
				t.Fatalf("envelope round trip: %+v (%v) vs %+v\n%s\n%s", att2, err, att, b, again)
			}
		}
		_ = fillAttestationLayer(&model.Attachment{Annotations: ann}, b)

		bun := &model.Attachment{}
		if err := fillBundle(bun, b); err == nil {
			var pb protobundle.Bundle
			if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, &pb); err != nil {
				t.Fatal(err)
			}
			again, err := protojson.Marshal(&pb)
			if err != nil {
				t.Fatal(err)
			}
			bun2 := &model.Attachment{}
			if err := fillBundle(bun2, again); err != nil {
				t.Fatalf("re-encoded bundle does not parse: %v\n%s", err, again)
			}
			bun.Bundle, bun.Payload, bun2.Bundle, bun2.Payload = nil, nil, nil, nil
			if !reflect.DeepEqual(bun, bun2) {
				t.Fatalf("bundle round trip: %+v vs %+v", bun, bun2)
			}
			checkBundleFields(t, b, bun)
		}

		format, n, err := ParseSBOM("x", b)
		if err == nil {
			if wantFormat, wantN, ok := sbomReference(b); !ok || format != wantFormat || n != wantN {
				t.Fatalf("ParseSBOM(%q) = %q, %d; generic reading says %q, %d (ok %v)", b, format, n, wantFormat, wantN, ok)
			}
		}
	})
}

// checkBundleFields compares what fillBundle filled with sigstore-go's own
// reading of the bundle (when sigstore-go can read it at all).
func checkBundleFields(t *testing.T, raw []byte, a *model.Attachment) {
	t.Helper()
	var sb sgbundle.Bundle
	sb.Bundle = new(protobundle.Bundle)
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw, sb.Bundle); err != nil {
		t.Fatalf("fillBundle accepts what protojson rejects: %v", err)
	}
	var wantSig []byte
	switch c := sb.GetContent().(type) {
	case *protobundle.Bundle_MessageSignature:
		wantSig = c.MessageSignature.GetSignature()
	case *protobundle.Bundle_DsseEnvelope:
		if sigs := c.DsseEnvelope.GetSignatures(); len(sigs) > 0 {
			wantSig = sigs[0].GetSig()
		}
	}
	if !bytes.Equal(a.Signature, wantSig) {
		t.Fatalf("fillBundle signature %x, bundle holds %x", a.Signature, wantSig)
	}
	if tl := sb.GetVerificationMaterial().GetTlogEntries(); len(tl) > 0 {
		if a.RekorBundle == nil || !bytes.Equal(a.RekorBundle.Body, tl[0].GetCanonicalizedBody()) || a.RekorBundle.LogIndex != tl[0].GetLogIndex() {
			t.Fatalf("fillBundle log entry %+v, bundle holds index %d body %q", a.RekorBundle, tl[0].GetLogIndex(), tl[0].GetCanonicalizedBody())
		}
	} else if a.RekorBundle != nil {
		t.Fatalf("fillBundle made a log entry from a bundle without one: %+v", a.RekorBundle)
	}
}

// sbomReference reads an SBOM generically: tag-value SPDX by its
// PackageName lines, JSON through map[string]any.
func sbomReference(b []byte) (format string, n int, ok bool) {
	if strings.HasPrefix(strings.TrimSpace(string(b)), "SPDXVersion:") {
		for i, line := range strings.Split(string(b), "\n") {
			if i > 0 && strings.HasPrefix(line, "PackageName:") {
				n++
			}
		}
		return "spdx", n, true
	}
	var doc map[string]any
	if json.Unmarshal(b, &doc) != nil {
		return "", 0, false
	}
	count := func(key string) int {
		arr, _ := doc[key].([]any)
		return len(arr)
	}
	if v, _ := doc["spdxVersion"].(string); v != "" {
		return "spdx", count("packages"), true
	}
	if v, _ := doc["bomFormat"].(string); v == "CycloneDX" {
		return "cyclonedx", count("components"), true
	}
	return "", 0, false
}
