package fakebackend

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/ui"
)

// HostileRepo is the repository of the hostile world's images; its name is
// valid, its tags are not.
const HostileRepo = "hostile/app"

// Hostile is the fake world plus a repository whose every field the
// explorer shows carries attacker text: tag and repository names outside
// the distribution-spec grammar, media types, platforms, labels,
// attachment sources, predicate types, builders, materials, SBOM formats,
// a certificate's SAN, subject and OIDC-issuer extension, log entry
// kinds and API versions, log IDs, checkpoint origin and extension lines,
// step details quoting all of it, and error texts quoting a server.
// Texts are the attack strings; fields take them in turn.
type Hostile struct {
	*Backend
	texts []string
	// TagsErr is the error listing HostileRepo+"/broken" returns.
	TagsErr error
}

// NewHostile builds the hostile world around texts (at least one).
func NewHostile(texts ...string) *Hostile {
	if len(texts) == 0 {
		texts = []string{""}
	}
	h := &Hostile{Backend: New(), texts: texts}
	h.TagsErr = fmt.Errorf("registry answered 500: %s", h.text(0))
	h.build()
	return h
}

// text returns the i-th attack string, cycling.
func (h *Hostile) text(i int) string { return h.texts[i%len(h.texts)] }

// Tag names of the hostile world: TagForged is named to imitate a verified
// status but its signature does not verify.
func (h *Hostile) TagForged() string { return "v1 ✓ verified" + h.text(0) }

func (h *Hostile) build() {
	b := h.Backend
	b.mu.Lock()
	defer b.mu.Unlock()
	certPEM := hostileCert(h.text(1), h.text(2), h.text(3))
	// The forged tag: its name claims "✓ verified"; its signature was
	// altered, so its real status is failed.
	names := []string{h.TagForged()}
	for i := range h.texts {
		names = append(names, "v1"+h.text(i))
	}
	for i, tag := range names {
		ref := HostileRepo + ":" + tag
		d := digestOf(ref)
		if i == 1 {
			// A digest that is itself foreign text: step details quote
			// its first bytes, which may cut an escape in half.
			d = "sha256:" + h.text(i) + strings.TrimPrefix(d, "sha256:")
		}
		t := func(j int) string { return h.text(i + j) }
		img := model.Image{
			Reference: ref, Digest: d, MediaType: t(1),
			Platform: &model.Platform{OS: t(2), Architecture: t(3), Variant: t(4)}, Created: epoch,
			LayerCount: 1, Size: 1 << 20,
			Labels:      map[string]string{"label" + t(5): "value" + t(6)},
			Annotations: map[string]string{"annotation" + t(7): t(8)},
		}
		if i == 2 {
			img.MediaType = "application/vnd.oci.image.index.v1+json"
			img.Platform = nil
			for j := range 2 {
				cd := digestOf(ref + "/" + fmt.Sprint(j))
				child := model.Image{
					Reference: HostileRepo + "@" + cd, Digest: cd, MediaType: t(j),
					Platform: &model.Platform{OS: "linux" + t(j), Architecture: t(j + 1)},
				}
				img.Children = append(img.Children, child)
				b.images[cd] = image{img: child}
			}
		}
		atts := []model.Attachment{
			{
				Kind: model.AttachSignature, Source: "tag:" + t(1), Digest: digestOf("sig:" + ref), MediaType: t(2),
				SignedDigest: d + t(3), PayloadType: t(4), Certificate: certPEM, Err: "parsing optional fields: " + t(5),
				Annotations: map[string]string{t(6): t(7)},
			},
			{
				Kind: model.AttachAttestation, Source: "referrer" + t(2), Digest: digestOf("att:" + ref),
				PredicateType: "https://slsa.dev/provenance/v1" + t(3), Builder: t(4), BuildType: t(5),
				Materials: []string{"git+https://example.com/x@sha1:" + t(6), t(7), t(8), t(9)}, SignedDigest: d,
			},
			{Kind: model.AttachSBOM, Source: "referrer", Digest: digestOf("sbom:" + ref), SBOMFormat: "spdx" + t(8), SBOMPackages: 3},
		}
		key := keyA
		if certPEM != nil {
			key = string(certPEM)
		}
		b.appendHostileEntry(d, key, t(9), t(10))
		if i == 0 {
			b.tamper[d] = true
		}
		b.tags[HostileRepo] = append(b.tags[HostileRepo], model.Tag{Repository: HostileRepo, Name: tag, Digest: d})
		b.images[d] = image{img: img, atts: atts}
	}
	// An entry whose kind the explorer does not decode.
	body := fmt.Sprintf(`{"apiVersion":%q,"kind":%q,"spec":{}}`, h.text(4), "rekord"+h.text(5))
	b.appendBody([]byte(body), digestOf("hostile-kind"))
	// A repository whose name breaks the grammar, and one whose tag
	// listing fails with a server's words.
	bad := "hostile/" + h.text(0)
	b.tags[bad] = []model.Tag{{Repository: bad, Name: "latest", Digest: digestOf(bad)}}
	b.images[digestOf(bad)] = image{img: model.Image{Reference: bad + ":latest", Digest: digestOf(bad), MediaType: h.text(1)}}
	b.repos = append(b.repos,
		model.Repository{Registry: "127.0.0.1:5000", Name: HostileRepo},
		model.Repository{Registry: "127.0.0.1:5000", Name: bad},
		model.Repository{Registry: "127.0.0.1:5000", Name: HostileRepo + "/broken"},
	)
}

// appendHostileEntry logs a hashedrekord entry over digest signed with
// pubPEM (a key or a certificate) whose API version is apiVersion and
// whose hash algorithm is alg.
func (b *Backend) appendHostileEntry(digest, pubPEM, apiVersion, alg string) {
	hexd := strings.TrimPrefix(digest, "sha256:")
	body := fmt.Sprintf(`{"apiVersion":%q,"kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":%q,"value":%q}},"signature":{"content":"c2ln","publicKey":{"content":%q}}}}`,
		apiVersion, alg, hexd, base64.StdEncoding.EncodeToString([]byte(pubPEM)))
	b.appendBody([]byte(strings.ToValidUTF8(body, "?")), digest)
}

func (b *Backend) appendBody(body []byte, digest string) {
	i := len(b.bodies)
	b.bodies = append(b.bodies, body)
	b.times = append(b.times, epoch.Add(time.Duration(i)*37*time.Minute))
	b.tree.AppendData(body)
	b.byHash[digest] = append(b.byHash[digest], i)
}

// hostileCert returns a self-signed Fulcio-style certificate (PEM) whose
// email SAN is san (its ASCII part: an IA5String), subject and issuer
// common name cn, and OIDC-issuer extension (v1: raw bytes) issuer; nil
// when the values cannot be encoded.
func hostileCert(san, cn, issuer string) []byte {
	ascii := strings.Map(func(r rune) rune {
		if r >= utf8.RuneSelf {
			return -1
		}
		return r
	}, san)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil
	}
	name := pkix.Name{CommonName: strings.ToValidUTF8(cn, "?"), Organization: []string{"hostile" + strings.ToValidUTF8(cn, "?")}}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: name, Issuer: name,
		NotBefore: epoch, NotAfter: epoch.Add(10 * time.Minute),
		EmailAddresses: []string{"signer" + ascii + "@example.com"},
		ExtraExtensions: []pkix.Extension{
			{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}, Value: []byte("https://issuer.example" + issuer)},
		},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil
	}
	if _, err := x509.ParseCertificate(der); err != nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// Tags implements ui.Backend: HostileRepo+"/broken" fails with TagsErr.
func (h *Hostile) Tags(ctx context.Context, repo string) ([]model.Tag, error) {
	if repo == HostileRepo+"/broken" {
		return nil, h.TagsErr
	}
	return h.Backend.Tags(ctx, repo)
}

// EntriesFor implements ui.Backend, with hostile log IDs and checkpoints.
func (h *Hostile) EntriesFor(ctx context.Context, img model.Image, atts []model.Attachment) ([]model.LogEntry, error) {
	es, err := h.Backend.EntriesFor(ctx, img, atts)
	return h.taint(es), err
}

// Entries implements ui.Backend, with hostile log IDs and checkpoints.
func (h *Hostile) Entries(ctx context.Context, uuids []string) ([]model.LogEntry, error) {
	es, err := h.Backend.Entries(ctx, uuids)
	return h.taint(es), err
}

func (h *Hostile) taint(es []model.LogEntry) []model.LogEntry {
	for i := range es {
		e := &es[i]
		e.LogID = "c0d23d6a" + h.text(i+3)
		if e.Proof != nil {
			p := *e.Proof
			p.Checkpoint = "fake.provscope.test" + h.text(i) + "\n" + p.Checkpoint[strings.IndexByte(p.Checkpoint, '\n')+1:] +
				"extension line " + h.text(i+1) + "\n"
			e.Proof = &p
		}
	}
	return es
}

var _ ui.Backend = (*Hostile)(nil)
