package demo_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof/body"
	"github.com/provscope/provscope/registry"
)

func startWorld(t *testing.T, dir string) *demo.World {
	t.Helper()
	w, err := demo.Start(context.Background(), demo.Options{Dir: dir})
	if err != nil {
		t.Fatalf("demo.Start: %v", err)
	}
	t.Cleanup(func() {
		if err := w.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	t.Logf("demo world ready in %v", w.ReadyIn)
	return w
}

func client() *registry.Client {
	return registry.New(registry.Config{Keychain: authn.NewMultiKeychain()})
}

// TestWorldShape checks the minimums: 5 repositories, 20 tags (not
// counting cosign's), a multi-platform index, two keys.
func TestWorldShape(t *testing.T) {
	w := startWorld(t, "")
	c := client()
	ctx := context.Background()
	p, err := c.Repositories(ctx, w.RegistryHost, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) < 5 {
		t.Errorf("%d repositories, want ≥5", len(p.Items))
	}
	tags, indexes := 0, 0
	for _, r := range p.Items {
		tp, err := c.Tags(ctx, w.RegistryHost+"/"+r.Name, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range tp.Items {
			if tg.Err != "" {
				t.Errorf("tag %s/%s: %s", r.Name, tg.Name, tg.Err)
			}
			if registry.IsAttachmentTag(tg.Name) {
				continue
			}
			tags++
			img, err := c.Resolve(ctx, w.RegistryHost+"/"+r.Name+":"+tg.Name)
			if err != nil {
				t.Errorf("Resolve %s:%s: %v", r.Name, tg.Name, err)
				continue
			}
			if len(img.Children) > 0 {
				indexes++
			}
		}
	}
	if tags < 20 || indexes < 1 {
		t.Errorf("%d tags and %d index tags, want ≥20 and ≥1", tags, indexes)
	}
	if len(w.Keys) != 2 {
		t.Errorf("%d keys, want 2", len(w.Keys))
	}
}

// TestCasesMatchDiscovery checks each case against what registry/ finds:
// the kind and count of attachments, the signed digest, the presence of a
// log bundle, and the tampering and moved-tag set-ups.
func TestCasesMatchDiscovery(t *testing.T) {
	w := startWorld(t, "")
	c := client()
	ctx := context.Background()
	for _, tc := range w.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			img, err := c.Resolve(ctx, tc.Image)
			if err != nil {
				t.Fatal(err)
			}
			if img.Digest != tc.Digest {
				t.Fatalf("tag %s points at %s, table says %s", tc.Image, img.Digest, tc.Digest)
			}
			atts, err := c.Discover(ctx, tc.Image)
			if err != nil {
				t.Fatalf("Discover: %v", err)
			}
			var sigs []model.Attachment
			logged := 0
			for _, a := range atts {
				if a.Err != "" {
					t.Errorf("attachment %s: %s", a.Source, a.Err)
				}
				if a.Kind == model.AttachSignature {
					sigs = append(sigs, a)
					if a.SignedDigest != tc.Digest {
						t.Errorf("signature signs %s, want %s", a.SignedDigest, tc.Digest)
					}
					if a.RekorBundle != nil {
						logged++
					}
				}
			}
			switch tc.Expect {
			case model.VerdictUnsigned:
				if len(sigs) != 0 {
					t.Errorf("unsigned case has %d signatures", len(sigs))
				}
			case model.VerdictNotLogged:
				if len(sigs) == 0 || logged != 0 {
					t.Errorf("not-logged case: %d signatures, %d with a log bundle; want ≥1 and 0", len(sigs), logged)
				}
			default:
				if logged != tc.LogEntries {
					t.Errorf("%d logged signatures, table says %d entries", logged, tc.LogEntries)
				}
			}
			// Keyless: the certificate (with its chain) on the layer, and the
			// logged entry recording it, not a key.
			for _, sig := range sigs {
				if !tc.Keyless() {
					if len(sig.Certificate) > 0 {
						t.Errorf("key-signed case carries a certificate")
					}
					continue
				}
				if len(sig.Certificate) == 0 || len(sig.Chain) == 0 || sig.RekorBundle == nil {
					t.Errorf("keyless signature: certificate %d bytes, chain %d bytes, bundle %v; want all three", len(sig.Certificate), len(sig.Chain), sig.RekorBundle != nil)
					continue
				}
				eb, err := body.Decode(sig.RekorBundle.Body)
				if err != nil {
					t.Fatalf("decoding the logged body: %v", err)
				}
				if got := eb.Signer(); got.Subject != tc.Identity || got.Issuer != tc.Issuer {
					t.Errorf("logged entry's signer = %s, want %s (%s)", got, tc.Identity, tc.Issuer)
				}
			}
			if tc.Format == "bundle" && (len(sigs) != 1 || !strings.HasPrefix(sigs[0].Source, "referrer:") || len(sigs[0].Bundle) == 0) {
				t.Errorf("bundle case: signatures %+v, want one bundle referrer", sigs)
			}
		})
	}
	byName := map[string]demo.Case{}
	for _, tc := range w.Cases {
		byName[tc.Name] = tc
	}
	// The provenance attestation and the SBOMs.
	atts, _ := c.Discover(ctx, byName["signed-legacy"].Image)
	var kinds []string
	for _, a := range atts {
		kinds = append(kinds, a.Kind.String())
		if a.Kind == model.AttachAttestation && (a.Builder == "" || a.PredicateType != registry.PredicateSLSAv02 || a.RekorBundle == nil) {
			t.Errorf("provenance attestation = %+v", a)
		}
		if a.Kind == model.AttachSBOM && (a.SBOMFormat != "spdx" || a.SBOMPackages != 4) {
			t.Errorf("sbom = %s with %d packages, want spdx 4", a.SBOMFormat, a.SBOMPackages)
		}
	}
	if !slices.Equal(kinds, []string{"signature", "attestation", "sbom"}) {
		t.Errorf("signed-legacy attachments = %v", kinds)
	}
	// Logged twice: two distinct signatures, two distinct entries, one payload.
	atts, _ = c.Discover(ctx, byName["logged-twice"].Image)
	if len(atts) != 2 || bytes.Equal(atts[0].Signature, atts[1].Signature) || atts[0].RekorBundle.LogIndex == atts[1].RekorBundle.LogIndex ||
		!bytes.Equal(atts[0].Payload, atts[1].Payload) {
		t.Errorf("logged-twice: want two signatures over one payload at two log indices")
	}
	// Tampered: the stored signature differs from the logged one.
	atts, _ = c.Discover(ctx, byName["tampered"].Image)
	if len(atts) != 1 || atts[0].RekorBundle == nil || bytes.Contains(atts[0].RekorBundle.Body, []byte(b64(atts[0].Signature))) {
		t.Errorf("tampered: the stored signature should differ from the one in the logged body")
	}
}

// TestRestartOverPersistedLog restarts the world on the same data dir: the
// log keeps its key and entries, the trusted root (the demo CA, its CT log,
// the log) is the same file, and the re-seeded world is identical: every
// case's attachments, keyless certificates included, are found already
// logged at the same index.
func TestRestartOverPersistedLog(t *testing.T) {
	dir := t.TempDir()
	w1, err := demo.Start(context.Background(), demo.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	cases1, key1 := w1.Cases, w1.LogPublicKeyPEM
	tr1, err := os.ReadFile(w1.TrustedRootPath)
	if err != nil {
		t.Fatal(err)
	}
	atts1 := discoverAll(t, cases1)
	if err := w1.Close(); err != nil {
		t.Fatal(err)
	}
	w2 := startWorld(t, dir)
	if !bytes.Equal(key1, w2.LogPublicKeyPEM) {
		t.Error("log key changed across a restart")
	}
	if tr2, err := os.ReadFile(w2.TrustedRootPath); err != nil || !bytes.Equal(tr1, tr2) {
		t.Errorf("trusted root changed across a restart (%v)", err)
	}
	if len(cases1) != len(w2.Cases) {
		t.Fatalf("%d cases, then %d", len(cases1), len(w2.Cases))
	}
	atts2 := discoverAll(t, w2.Cases)
	for c := range cases1 {
		name := cases1[c].Name
		if cases1[c].Digest != w2.Cases[c].Digest {
			t.Errorf("case %s digest changed across a restart", name)
		}
		a1, a2 := atts1[c], atts2[c]
		if len(a1) != len(a2) {
			t.Errorf("case %s: %d attachments, then %d", name, len(a1), len(a2))
			continue
		}
		for i := range a1 {
			// A Sigstore bundle carries its entry's inclusion proof and a
			// checkpoint the log signs anew (ECDSA, randomized), so its bytes
			// change; its entry must not.
			sameBytes := a1[i].Digest == a2[i].Digest || len(a1[i].Bundle) > 0 && len(a2[i].Bundle) > 0
			if !sameBytes || !bytes.Equal(a1[i].Certificate, a2[i].Certificate) || (a1[i].RekorBundle == nil) != (a2[i].RekorBundle == nil) {
				t.Errorf("case %s attachment %d changed across a restart: %s vs %s", name, i, a1[i].Digest, a2[i].Digest)
				continue
			}
			if b1, b2 := a1[i].RekorBundle, a2[i].RekorBundle; b1 != nil && (b1.LogIndex != b2.LogIndex || b1.IntegratedTime != b2.IntegratedTime) {
				t.Errorf("case %s attachment %d: log index %d then %d", name, i, b1.LogIndex, b2.LogIndex)
			}
		}
	}
}

// discoverAll returns the attachments of every case's image.
func discoverAll(t *testing.T, cases []demo.Case) [][]model.Attachment {
	t.Helper()
	var all [][]model.Attachment
	for _, c := range cases {
		atts, err := client().Discover(context.Background(), c.Image)
		if err != nil {
			t.Fatalf("Discover %s: %v", c.Image, err)
		}
		all = append(all, atts)
	}
	return all
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
