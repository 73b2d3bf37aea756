package demo

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/provscope/provscope/internal/keyless"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/registry/cosignfmt"
)

// keySeeds are the fixed seeds of the world's two signing keys: "2025" was
// rotated out in favour of "2026".
var keySeeds = []struct{ name, seed string }{
	{"2025", "provscope demo signing key 2025"},
	{"2026", "provscope demo signing key 2026"},
}

// rogueKeySeed is the seed of a key that is not the world's: it signs and
// logs demo/z-rogue:v1 as an attacker would with a key of their own. Its
// signature is intact and logged, and the world's trust policy rejects it.
const rogueKeySeed = "provscope demo rogue key: nobody trusts it"

type seeder struct {
	w      *World
	upload cosignfmt.Uploader
	ctx    context.Context
	ropts  []remote.Option
}

func (s *seeder) key(name string) *cosignfmt.Signer {
	k, ok := s.w.Key(name)
	if !ok {
		panic("demo: unknown key " + name) // broken invariant: keySeeds names every key used below
	}
	return k.signer
}

// seed pushes the images and their attachments and fills the case table.
func (s *seeder) seed() error {
	host := s.w.RegistryHost
	ref := func(repo, tag string) string { return host + "/demo/" + repo + ":" + tag }

	// demo/web: legacy signatures, provenance, SBOM, the key rotation.
	web100, err := s.push(ref("web", "v1.0.0"), "web 1.0.0", "amd64")
	if err != nil {
		return err
	}
	web110, err := s.push(ref("web", "v1.1.0"), "web 1.1.0", "amd64")
	if err != nil {
		return err
	}
	web120, err := s.push(ref("web", "v1.2.0"), "web 1.2.0", "amd64")
	if err != nil {
		return err
	}
	if err := s.tag(web120, ref("web", "latest")); err != nil {
		return err
	}
	if err := s.signLegacy(web100, legacyOpts{keys: []string{"2025"}}); err != nil {
		return err
	}
	if err := s.signLegacy(web110, legacyOpts{keys: []string{"2025", "2026"}}); err != nil {
		return err
	}
	if err := s.signLegacy(web120, legacyOpts{keys: []string{"2026"}}); err != nil {
		return err
	}
	if err := s.attestProvenance(web120, "2026"); err != nil {
		return err
	}
	if err := s.sbom(web120, registry.MediaTypeSPDXJSONText, spdxDoc("web", "1.2.0", []string{"openssl", "zlib", "musl", "ca-certificates"})); err != nil {
		return err
	}

	// demo/api: the new bundle format, a tampered signature, a moved tag.
	api200, err := s.push(ref("api", "v2.0.0"), "api 2.0.0", "amd64")
	if err != nil {
		return err
	}
	api210, err := s.push(ref("api", "v2.1.0"), "api 2.1.0", "amd64")
	if err != nil {
		return err
	}
	apiOld, err := s.push(ref("api", "stable"), "api 1.9.0", "amd64")
	if err != nil {
		return err
	}
	if err := s.tag(api210, ref("api", "latest")); err != nil {
		return err
	}
	if err := s.signBundle(api200, "2026"); err != nil {
		return err
	}
	if err := s.signLegacy(api210, legacyOpts{keys: []string{"2026"}, tamper: true}); err != nil {
		return err
	}
	if err := s.signLegacy(apiOld, legacyOpts{keys: []string{"2026"}}); err != nil {
		return err
	}
	apiNew, err := s.push(ref("api", "stable"), "api 1.9.1 (pushed after signing)", "amd64")
	if err != nil {
		return err
	}

	// demo/worker: stealth signing, unsigned, an entry logged twice.
	worker090, err := s.push(ref("worker", "v0.9.0"), "worker 0.9.0", "amd64")
	if err != nil {
		return err
	}
	worker100, err := s.push(ref("worker", "v1.0.0"), "worker 1.0.0", "amd64")
	if err != nil {
		return err
	}
	nightly, err := s.push(ref("worker", "nightly"), "worker nightly", "amd64")
	if err != nil {
		return err
	}
	if err := s.tag(worker100, ref("worker", "latest")); err != nil {
		return err
	}
	if err := s.signLegacy(worker100, legacyOpts{keys: []string{"2026"}, unlogged: true}); err != nil {
		return err
	}
	if err := s.signLegacy(nightly, legacyOpts{keys: []string{"2026"}, twice: true}); err != nil {
		return err
	}

	// demo/multiarch: a signed multi-platform index.
	amd, err := s.push(ref("multiarch", "amd64"), "multiarch 3.0.0", "amd64")
	if err != nil {
		return err
	}
	arm, err := s.push(ref("multiarch", "arm64"), "multiarch 3.0.0", "arm64")
	if err != nil {
		return err
	}
	idx, err := s.pushIndex(ref("multiarch", "v3.0.0"), amd, arm)
	if err != nil {
		return err
	}
	if err := s.tag(idx, ref("multiarch", "latest")); err != nil {
		return err
	}
	if err := s.signLegacy(idx, legacyOpts{keys: []string{"2026"}}); err != nil {
		return err
	}

	// demo/base: a CycloneDX SBOM; older releases unsigned.
	var base []name.Digest
	for _, v := range []string{"3.19", "3.20", "3.21"} {
		d, err := s.push(ref("base", v), "base "+v, "amd64")
		if err != nil {
			return err
		}
		base = append(base, d)
	}
	if err := s.tag(base[2], ref("base", "latest")); err != nil {
		return err
	}
	if err := s.signLegacy(base[2], legacyOpts{keys: []string{"2026"}}); err != nil {
		return err
	}
	if err := s.sbom(base[2], registry.MediaTypeCycloneDXJSON, cyclonedxDoc([]string{"busybox", "musl", "apk-tools"})); err != nil {
		return err
	}

	// demo/keyless: signed keyless, by a person and by a CI workflow.
	keyless100, err := s.push(ref("keyless", "v1.0.0"), "keyless 1.0.0", "amd64")
	if err != nil {
		return err
	}
	keyless110, err := s.push(ref("keyless", "v1.1.0"), "keyless 1.1.0", "amd64")
	if err != nil {
		return err
	}
	if err := s.tag(keyless110, ref("keyless", "latest")); err != nil {
		return err
	}
	alice, ci := keylessSigner(aliceIdentity, aliceIssuer), keylessSigner(ciIdentity, ciIssuer)
	if err := keyless.SignImage(s.ctx, keyless100, s.w.ca, alice, s.upload, s.ropts...); err != nil {
		return err
	}
	if err := keyless.SignImage(s.ctx, keyless110, s.w.ca, ci, s.upload, s.ropts...); err != nil {
		return err
	}
	if err := keyless.AttestImage(s.ctx, keyless110, s.w.ca, ci, registry.PredicateSLSAv02, provenancePredicate(), s.upload, s.ropts...); err != nil {
		return err
	}

	// demo/z-rogue: signed and logged, by a key nobody trusts (named to
	// list last, after the world's own repositories).
	rogue, err := s.push(ref("z-rogue", "v1"), "rogue 1", "amd64")
	if err != nil {
		return err
	}
	rogueKey, err := cosignfmt.KeyFromSeed(rogueKeySeed)
	if err != nil {
		return err
	}
	rogueSigner, err := cosignfmt.NewSigner(rogueKey)
	if err != nil {
		return err
	}
	s.w.RogueKeyFingerprint = rogueSigner.KeyFingerprint()
	if err := s.signLegacy(rogue, legacyOpts{foreign: rogueSigner}); err != nil {
		return err
	}

	s.w.Cases = []Case{
		{
			Name: "signed-legacy", Image: ref("web", "v1.2.0"), Digest: web120.DigestStr(), Key: "2026", Format: "legacy", LogEntries: 1,
			Special:     "cosign legacy signature with the Rekor bundle annotation; SLSA provenance attestation (dsse entry); SPDX SBOM",
			Expect:      model.VerdictVerified,
			Expectation: "signature and SET check out with the 2026 key; the provenance attestation verifies too",
			Attestation: "slsaprovenance",
		},
		{
			Name: "old-key", Image: ref("web", "v1.0.0"), Digest: web100.DigestStr(), Key: "2025", Format: "legacy", LogEntries: 1,
			Special:     "signed only with the 2025 key, before the rotation",
			Expect:      model.VerdictVerified,
			Expectation: "with the 2025 key; the current 2026 key must fail",
		},
		{
			Name: "rotation-overlap", Image: ref("web", "v1.1.0"), Digest: web110.DigestStr(), Key: "2026", Format: "legacy", LogEntries: 2,
			Special:     "signed with both keys during the rotation (two signatures, two entries)",
			Expect:      model.VerdictVerified,
			Expectation: "with either key",
		},
		{
			Name: "signed-bundle", Image: ref("api", "v2.0.0"), Digest: api200.DigestStr(), Key: "2026", Format: "bundle", LogEntries: 1,
			Special:     "cosign --new-bundle-format: a Sigstore bundle v0.3 (DSSE, dsse entry) stored as an OCI 1.1 referrer",
			Expect:      model.VerdictVerified,
			Expectation: "with --new-bundle-format and the demo trusted root",
		},
		{
			Name: "tampered", Image: ref("api", "v2.1.0"), Digest: api210.DigestStr(), Key: "2026", Format: "legacy", LogEntries: 1,
			Special:     "signature bytes changed after logging (the bundle annotation still holds the logged entry)",
			Expect:      model.VerdictFailed,
			Expectation: "the signature does not verify, and it differs from the one in the log entry",
		},
		{
			Name: "moved-tag", Image: ref("api", "stable"), Digest: apiNew.DigestStr(), Key: "2026", Format: "legacy", LogEntries: 1,
			Special:     "tag moved to a new digest after signing; the signature (sha256-….sig) is for the old digest " + apiOld.DigestStr(),
			Expect:      model.VerdictUnsigned,
			Expectation: "no signature for the digest the tag points to now; the old digest is still signed",
		},
		{
			Name: "stealth", Image: ref("worker", "v1.0.0"), Digest: worker100.DigestStr(), Key: "2026", Format: "legacy", LogEntries: 0,
			Special:     "stealth signing: a valid signature that was never uploaded to the log (no bundle annotation)",
			Expect:      model.VerdictNotLogged,
			Expectation: "the signature is valid but the log has no entry for it, so cosign verify fails",
		},
		{
			Name: "unsigned", Image: ref("worker", "v0.9.0"), Digest: worker090.DigestStr(), Key: "2026", LogEntries: 0,
			Special:     "no signature, attestation or SBOM",
			Expect:      model.VerdictUnsigned,
			Expectation: "nothing attached",
		},
		{
			Name: "logged-twice", Image: ref("worker", "nightly"), Digest: nightly.DigestStr(), Key: "2026", Format: "legacy", LogEntries: 2,
			Special:     "the same payload signed twice by the same key (two valid signatures), each logged: two entries",
			Expect:      model.VerdictVerified,
			Expectation: "a log search finds two entries for the same artifact",
		},
		{
			Name: "multiarch", Image: ref("multiarch", "v3.0.0"), Digest: idx.DigestStr(), Key: "2026", Format: "legacy", LogEntries: 1,
			Special:     "multi-platform index (linux/amd64, linux/arm64); the index digest is signed",
			Expect:      model.VerdictVerified,
			Expectation: "for the index digest; the platform manifests themselves carry no signature",
		},
		{
			Name: "cyclonedx", Image: ref("base", "3.21"), Digest: base[2].DigestStr(), Key: "2026", Format: "legacy", LogEntries: 1,
			Special:     "signed, with a CycloneDX SBOM (3 components)",
			Expect:      model.VerdictVerified,
			Expectation: "the SBOM is listed (SBOMs are attached, not signed)",
		},
		{
			Name: "keyless", Image: ref("keyless", "v1.0.0"), Digest: keyless100.DigestStr(), Identity: aliceIdentity, Issuer: aliceIssuer, Format: "legacy", LogEntries: 1,
			Special:     "cosign keyless signature: a Fulcio-style certificate for an email address (SAN) and OIDC issuer, with an embedded SCT; the log entry holds the certificate, not a key",
			Expect:      model.VerdictVerified,
			Expectation: "with that --certificate-identity and --certificate-oidc-issuer and the demo trusted root; another identity or issuer must fail",
		},
		{
			Name: "keyless-ci", Image: ref("keyless", "v1.1.0"), Digest: keyless110.DigestStr(), Identity: ciIdentity, Issuer: ciIssuer, Format: "legacy", LogEntries: 1,
			Special:     "signed keyless by a CI workflow (a URI SAN), with a keyless SLSA provenance attestation",
			Expect:      model.VerdictVerified,
			Expectation: "with the workflow's --certificate-identity and --certificate-oidc-issuer; the attestation verifies too",
			Attestation: "slsaprovenance",
		},
		{
			Name: "rogue-key", Image: ref("z-rogue", "v1"), Digest: rogue.DigestStr(), Key: "2026", Format: "legacy", LogEntries: 1, Untrusted: true,
			Special:     "signed and logged by a key nobody trusts (an attacker's own): intact and logged, by the wrong signer",
			Expect:      model.VerdictFailed,
			Expectation: "fails with the 2026 key and under the world's trust policy; without a pinned signer it is only unpinned, never verified",
		},
	}
	return nil
}

// push writes a one-layer image with fixed contents under ref and returns
// its digest reference.
func (s *seeder) push(ref, content, arch string) (name.Digest, error) {
	tag, err := name.NewTag(ref)
	if err != nil {
		return name.Digest{}, err
	}
	img, err := demoImage(content, arch)
	if err != nil {
		return name.Digest{}, err
	}
	if err := remote.Write(tag, img, s.ropts...); err != nil {
		return name.Digest{}, fmt.Errorf("pushing %s: %w", ref, err)
	}
	h, err := img.Digest()
	if err != nil {
		return name.Digest{}, err
	}
	return tag.Context().Digest(h.String()), nil
}

func demoImage(content, arch string) (v1.Image, error) {
	layer := static.NewLayer([]byte("provscope demo image: "+content+"\n"), types.OCILayer)
	img, err := mutate.Append(mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON),
		mutate.Addendum{Layer: layer, MediaType: types.OCILayer})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Created = v1.Time{Time: time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)}
	cf.Config.Labels = map[string]string{
		"org.opencontainers.image.title":  content,
		"org.opencontainers.image.source": "https://example.com/provscope-demo",
	}
	return mutate.ConfigFile(img, cf)
}

// tag points ref at the manifest d.
func (s *seeder) tag(d name.Digest, ref string) error {
	t, err := name.NewTag(ref)
	if err != nil {
		return err
	}
	desc, err := remote.Get(d, s.ropts...)
	if err != nil {
		return fmt.Errorf("reading %s: %w", d, err)
	}
	if err := remote.Tag(t, desc, s.ropts...); err != nil {
		return fmt.Errorf("tagging %s: %w", ref, err)
	}
	return nil
}

func (s *seeder) pushIndex(ref string, children ...name.Digest) (name.Digest, error) {
	var adds []mutate.IndexAddendum
	for _, c := range children {
		desc, err := remote.Get(c, s.ropts...)
		if err != nil {
			return name.Digest{}, err
		}
		img, err := desc.Image()
		if err != nil {
			return name.Digest{}, err
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return name.Digest{}, err
		}
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{
			MediaType: types.OCIManifestSchema1,
			Platform:  &v1.Platform{OS: cf.OS, Architecture: cf.Architecture},
		}})
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
	t, err := name.NewTag(ref)
	if err != nil {
		return name.Digest{}, err
	}
	if err := remote.WriteIndex(t, idx, s.ropts...); err != nil {
		return name.Digest{}, fmt.Errorf("pushing %s: %w", ref, err)
	}
	h, err := idx.Digest()
	if err != nil {
		return name.Digest{}, err
	}
	return t.Context().Digest(h.String()), nil
}

type legacyOpts struct {
	keys []string
	// foreign, when set, signs as well: a key that is not the world's.
	foreign *cosignfmt.Signer
	// unlogged signs without uploading: no bundle annotation.
	unlogged bool
	// tamper flips a bit of the stored signature after logging.
	tamper bool
	// twice logs a second, distinct signature over the same payload.
	twice bool
}

// signLegacy signs d in cosign's legacy format with each key and writes the
// .sig image.
func (s *seeder) signLegacy(d name.Digest, o legacyOpts) error {
	payload, err := cosignfmt.SimpleSigningPayload(d.Context().Name(), d.DigestStr(), nil)
	if err != nil {
		return err
	}
	var layers []cosignfmt.Layer
	signers := make([]*cosignfmt.Signer, 0, len(o.keys)+1)
	for _, kn := range o.keys {
		signers = append(signers, s.key(kn))
	}
	if o.foreign != nil {
		signers = append(signers, o.foreign)
	}
	for _, k := range signers {
		sig, err := k.SignMessage(bytes.NewReader(payload))
		if err != nil {
			return fmt.Errorf("signing %s: %w", d, err)
		}
		sigs := [][]byte{sig}
		if o.twice {
			other, err := cosignfmt.MalleateSignature(sig)
			if err != nil {
				return err
			}
			sigs = append(sigs, other)
		}
		for _, sig := range sigs {
			bundle := ""
			if !o.unlogged {
				_, e, err := s.upload(s.ctx, cosignfmt.HashedRekordEntry(payload, sig, k.PublicKeyPEM()))
				if err != nil {
					return fmt.Errorf("logging signature of %s: %w", d, err)
				}
				if bundle, err = cosignfmt.LegacyBundleAnnotation(e); err != nil {
					return err
				}
			}
			stored := sig
			if o.tamper {
				stored = bytes.Clone(sig)
				stored[len(stored)-1] ^= 0x01
			}
			layers = append(layers, cosignfmt.SignatureLayer(payload, stored, bundle))
		}
	}
	return cosignfmt.WriteAttached(d, registry.SuffixSignature, layers, false, s.ropts...)
}

// signBundle signs d the way cosign --new-bundle-format does and stores the
// bundle as a referrer.
func (s *seeder) signBundle(d name.Digest, kn string) error {
	_, err := cosignfmt.SignImageBundle(s.ctx, d, s.key(kn), s.upload, s.ropts...)
	return err
}

// attestProvenance attaches a SLSA v0.2 provenance attestation (what cosign
// attest --type slsaprovenance writes), logged as a dsse entry.
func (s *seeder) attestProvenance(d name.Digest, kn string) error {
	_, err := cosignfmt.AttestImage(s.ctx, d, s.key(kn), registry.PredicateSLSAv02, provenancePredicate(), s.upload, s.ropts...)
	return err
}

// provenancePredicate is a SLSA v0.2 provenance predicate for a build by
// the demo's release workflow.
func provenancePredicate() map[string]any {
	return map[string]any{
		"builder":   map[string]any{"id": "https://github.com/provscope/demo/.github/workflows/release.yml@refs/heads/main"},
		"buildType": "https://github.com/slsa-framework/slsa-github-generator/container@v1",
		"invocation": map[string]any{
			"configSource": map[string]any{"uri": "git+https://github.com/provscope/demo@refs/heads/main", "entryPoint": ".github/workflows/release.yml"},
		},
		"materials": []any{
			map[string]any{"uri": "git+https://github.com/provscope/demo@refs/heads/main", "digest": map[string]string{"sha1": "6b8c3a1e9f4d2b7a0c5e8f1d3a6b9c2e4f7a0d1b"}},
		},
	}
}

func (s *seeder) sbom(d name.Digest, mediaType string, doc []byte) error {
	return cosignfmt.AttachSBOM(d, mediaType, doc, s.ropts...)
}

func spdxDoc(name, version string, pkgs []string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"%s-%s","documentNamespace":"https://example.com/provscope-demo/%s-%s","creationInfo":{"created":"2026-01-15T12:00:00Z","creators":["Tool: provscope-demo"]},"packages":[`, name, version, name, version)
	for i, p := range pkgs {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":"%s","SPDXID":"SPDXRef-Package-%s","downloadLocation":"NOASSERTION"}`, p, p)
	}
	b.WriteString("]}")
	return b.Bytes()
}

func cyclonedxDoc(components []string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.5","serialNumber":"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79","version":1,"components":[`)
	for i, c := range components {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"library","name":"%s"}`, c)
	}
	b.WriteString("]}")
	return b.Bytes()
}
