package hostile

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	rekorclient "github.com/sigstore/rekor/pkg/client"
	"github.com/sigstore/rekor/pkg/generated/models"

	"github.com/provscope/provscope/internal/keyless"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/registry/cosignfmt"
	"github.com/provscope/provscope/registry/embedded"
	"github.com/provscope/provscope/rekor/server"
)

// Repository is the hostile image's repository, under the registry host.
const Repository = "hostile/app"

// World is a running hostile world. Every path is inside Dir.
type World struct {
	// Dir is a temporary directory that Close removes.
	Dir string
	// RegistryHost is "127.0.0.1:<port>"; LogURL is "http://127.0.0.1:<port>".
	RegistryHost string
	LogURL       string
	// LogPublicKeyPath is the log's key (PEM), KeyPath the signing key's
	// public key (PEM), TrustedRootPath a trusted root naming the log and
	// the world's CA (for keyless signatures and bundles).
	LogPublicKeyPath string
	KeyPath          string
	TrustedRootPath  string

	// Image is RegistryHost/Repository:v1, signed with the key at KeyPath in
	// cosign's legacy format and logged; its manifest annotations, config
	// labels, simple-signing optional fields, attestation (predicateType,
	// builder, buildType, materials) and SPDX SBOM carry the payloads. With
	// --key KeyPath its signature verifies. Digest is its manifest digest.
	Image  string
	Digest string
	// FailingImage is RegistryHost/Repository:tampered: the same kind of
	// hostile image whose stored signature was changed after logging, so
	// verification must fail (exit 1) however its fields read.
	FailingImage string
	// KeylessImage is RegistryHost/Repository:keyless, signed keyless with
	// a certificate whose SAN is Identity (MixedASCII: an email SAN is
	// ASCII) and whose OIDC issuer extensions are Issuer (Mixed).
	KeylessImage string
	Identity     string
	Issuer       string
	// KeylessPayloadSHA is "sha256:<hex>" of the keyless signature's
	// simple-signing payload: search --sha finds its entry, whose signer is
	// Identity.
	KeylessPayloadSHA string

	// AttestationUUID and AttestationIndex name the log entry of Image's
	// attestation; EntryPath holds it as a saved LogEntryAnon (JSON) for
	// verify-entry.
	AttestationUUID  string
	AttestationIndex int64
	EntryPath        string
	// BundlePath is a Sigstore bundle v0.3 (DSSE, key-signed, logged) whose
	// statement's predicateType and predicate carry the payloads, about
	// Digest; verify-bundle BundlePath --digest Digest --key KeyPath
	// --trusted-root TrustedRootPath.
	BundlePath string
	// CheckpointPath is a signed note whose origin and extension lines carry
	// the payloads, signed by the Ed25519 key CheckpointKey (a note verifier
	// key string, "name+hash+base64").
	CheckpointPath string
	CheckpointKey  string

	reg     *http.Server
	regDone chan error
	logSrv  *http.Server
	logDone chan error
	log     *server.Log
}

// Start starts the hostile world's registry and log on 127.0.0.1 and seeds
// it. Close it when done. It takes about as long as the demo world's start.
func Start(ctx context.Context) (_ *World, err error) {
	dir, err := os.MkdirTemp("", "provscope-hostile-")
	if err != nil {
		return nil, fmt.Errorf("creating temporary directory: %w", err)
	}
	w := &World{Dir: dir}
	defer func() {
		if err != nil {
			_ = w.Close()
		}
	}()
	if w.log, err = server.Open(ctx, server.Config{Dir: filepath.Join(dir, "log")}); err != nil {
		return nil, fmt.Errorf("opening the hostile log: %w", err)
	}
	var logAddr string
	if w.logSrv, w.logDone, logAddr, err = serve(ctx, w.log.Handler()); err != nil {
		return nil, err
	}
	w.LogURL = "http://" + logAddr
	if w.reg, w.regDone, w.RegistryHost, err = serve(ctx, withHostileListings(embedded.NewHandler())); err != nil {
		return nil, err
	}
	w.LogPublicKeyPath = filepath.Join(dir, "log.pub")
	if err := os.WriteFile(w.LogPublicKeyPath, w.log.PublicKeyPEM(), 0o600); err != nil {
		return nil, fmt.Errorf("writing the log key: %w", err)
	}
	if err := w.seed(ctx); err != nil {
		return nil, fmt.Errorf("seeding the hostile world: %w", err)
	}
	return w, nil
}

func serve(ctx context.Context, h http.Handler) (*http.Server, chan error, string, error) {
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, "", fmt.Errorf("listening on 127.0.0.1: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	return srv, done, ln.Addr().String(), nil
}

// Close stops the servers and removes Dir.
func (w *World) Close() error {
	var errs []error
	for _, s := range []struct {
		srv  *http.Server
		done chan error
	}{{w.reg, w.regDone}, {w.logSrv, w.logDone}} {
		if s.srv == nil {
			continue
		}
		errs = append(errs, s.srv.Close())
		if err := <-s.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if w.log != nil {
		errs = append(errs, w.log.Close())
	}
	errs = append(errs, os.RemoveAll(w.Dir))
	return errors.Join(errs...)
}

// withHostileListings serves the registry, adding Tags() to the last page
// of Repository's tag listing and a hostile repository name to the last
// page of the catalog, as a malicious registry would.
func withHostileListings(inner http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var key string
		var extra []string
		switch {
		case r.Method != http.MethodGet:
		case r.URL.Path == "/v2/"+Repository+"/tags/list":
			key, extra = "tags", Tags()
		case r.URL.Path == "/v2/_catalog":
			key, extra = "repositories", []string{"hostile/" + Mixed()}
		}
		if key == "" {
			inner.ServeHTTP(rw, r)
			return
		}
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if rec.Code == http.StatusOK && rec.Header().Get("Link") == "" {
			var doc map[string]any
			if json.Unmarshal(body, &doc) == nil {
				list, _ := doc[key].([]any)
				for _, e := range extra {
					list = append(list, e)
				}
				doc[key] = list
				if b, err := json.Marshal(doc); err == nil {
					body = b
				}
			}
		}
		for k, v := range rec.Header() {
			rw.Header()[k] = v
		}
		rw.Header().Del("Content-Length")
		rw.WriteHeader(rec.Code)
		_, _ = rw.Write(body)
	})
}

func (w *World) seed(ctx context.Context) error {
	ropts := []remote.Option{remote.WithContext(ctx), remote.WithAuth(authn.Anonymous)}
	rc, err := rekorclient.GetRekorClient(w.LogURL, rekorclient.WithRetryCount(1), rekorclient.WithLogger(log.New(io.Discard, "", 0)))
	if err != nil {
		return fmt.Errorf("creating log client: %w", err)
	}
	upload := cosignfmt.RekorUploader(rc)
	key, err := cosignfmt.KeyFromSeed("provscope hostile signing key")
	if err != nil {
		return err
	}
	signer, err := cosignfmt.NewSigner(key)
	if err != nil {
		return err
	}
	w.KeyPath = filepath.Join(w.Dir, "key.pub")
	if err := os.WriteFile(w.KeyPath, signer.PublicKeyPEM(), 0o600); err != nil {
		return fmt.Errorf("writing the signing key: %w", err)
	}
	ref := func(tag string) string { return w.RegistryHost + "/" + Repository + ":" + tag }

	// The verifying image: legacy signature, attestation, SBOM.
	good, err := push(ref("v1"), "good", ropts)
	if err != nil {
		return err
	}
	w.Image, w.Digest = ref("v1"), good.DigestStr()
	if err := signLegacy(ctx, good, signer, upload, false, ropts); err != nil {
		return err
	}
	entry, err := cosignfmt.AttestImage(ctx, good, signer, Mixed(), predicate(), upload, ropts...)
	if err != nil {
		return err
	}
	if err := w.saveEntry(entry); err != nil {
		return err
	}
	if err := cosignfmt.AttachSBOM(good, registry.MediaTypeSPDXJSONText, spdx(), ropts...); err != nil {
		return err
	}
	if err := w.writeBundle(ctx, good, signer, upload); err != nil {
		return err
	}

	// The failing image: its stored signature differs from the logged one.
	bad, err := push(ref("tampered"), "tampered", ropts)
	if err != nil {
		return err
	}
	w.FailingImage = ref("tampered")
	if err := signLegacy(ctx, bad, signer, upload, true, ropts); err != nil {
		return err
	}
	if _, err := cosignfmt.AttestImage(ctx, bad, signer, Mixed(), predicate(), upload, ropts...); err != nil {
		return err
	}

	// The keyless image: hostile SAN and issuer.
	kl, err := push(ref("keyless"), "keyless", ropts)
	if err != nil {
		return err
	}
	w.KeylessImage, w.Identity, w.Issuer = ref("keyless"), MixedASCII(), Mixed()
	if err := w.signKeyless(ctx, kl, upload, ropts); err != nil {
		return err
	}
	return w.writeCheckpoint()
}

// push writes a one-layer image whose manifest annotations and config
// labels carry the payloads.
func push(ref, content string, ropts []remote.Option) (name.Digest, error) {
	tag, err := name.NewTag(ref)
	if err != nil {
		return name.Digest{}, err
	}
	layer := static.NewLayer([]byte("provscope hostile image: "+content+"\n"), types.OCILayer)
	img, err := mutate.Append(mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON),
		mutate.Addendum{Layer: layer, MediaType: types.OCILayer})
	if err != nil {
		return name.Digest{}, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return name.Digest{}, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Created = v1.Time{Time: time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)}
	cf.Config.Labels = fields("org.opencontainers.image.")
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return name.Digest{}, err
	}
	img, ok := mutate.Annotations(img, fields("org.opencontainers.image.")).(v1.Image)
	if !ok {
		return name.Digest{}, errors.New("annotating the hostile image: not an image")
	}
	if err := remote.Write(tag, img, ropts...); err != nil {
		return name.Digest{}, fmt.Errorf("pushing %s: %w", ref, err)
	}
	h, err := img.Digest()
	if err != nil {
		return name.Digest{}, err
	}
	return tag.Context().Digest(h.String()), nil
}

// fields returns a map whose keys and values carry the payloads: the
// well-known title and source keys with hostile values, and one hostile key
// per payload.
func fields(prefix string) map[string]string {
	m := map[string]string{prefix + "title": Mixed(), prefix + "source": "https://example.com/" + Mixed()}
	for _, p := range Payloads() {
		m["hostile."+p.Name+p.Text] = p.Text
	}
	return m
}

func signLegacy(ctx context.Context, d name.Digest, s *cosignfmt.Signer, upload cosignfmt.Uploader, tamper bool, ropts []remote.Option) error {
	optional := map[string]any{"creator": Mixed()}
	for k, v := range fields("") {
		optional[k] = v
	}
	payload, err := cosignfmt.SimpleSigningPayload(d.Context().Name(), d.DigestStr(), optional)
	if err != nil {
		return err
	}
	sig, err := s.SignMessage(bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("signing %s: %w", d, err)
	}
	_, e, err := upload(ctx, cosignfmt.HashedRekordEntry(payload, sig, s.PublicKeyPEM()))
	if err != nil {
		return fmt.Errorf("logging the signature of %s: %w", d, err)
	}
	bundle, err := cosignfmt.LegacyBundleAnnotation(e)
	if err != nil {
		return err
	}
	if tamper {
		sig = bytes.Clone(sig)
		sig[len(sig)-1] ^= 0x01
	}
	return cosignfmt.WriteAttached(d, registry.SuffixSignature, []cosignfmt.Layer{cosignfmt.SignatureLayer(payload, sig, bundle)}, false, ropts...)
}

// predicate is a SLSA v0.2-shaped predicate whose builder, buildType,
// invocation and materials carry the payloads.
func predicate() map[string]any {
	var materials []any
	for _, p := range Payloads() {
		materials = append(materials, map[string]any{"uri": "git+https://example.com/" + p.Text, "digest": map[string]string{"sha1" + p.Text: p.Text}})
	}
	return map[string]any{
		"builder":   map[string]any{"id": Mixed()},
		"buildType": Mixed(),
		"invocation": map[string]any{
			"configSource": map[string]any{"uri": Mixed(), "entryPoint": Mixed()},
		},
		"materials": materials,
	}
}

// spdx is an SPDX document whose name, namespace, creators and package
// names carry the payloads.
func spdx() []byte {
	var pkgs []any
	for _, p := range Payloads() {
		pkgs = append(pkgs, map[string]any{"name": p.Text, "SPDXID": "SPDXRef-Package-" + p.Name, "versionInfo": p.Text, "downloadLocation": "NOASSERTION"})
	}
	b, _ := json.Marshal(map[string]any{
		"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
		"name": Mixed(), "documentNamespace": "https://example.com/" + Mixed(),
		"creationInfo": map[string]any{"created": "2026-01-15T12:00:00Z", "creators": []string{"Tool: " + Mixed()}},
		"packages":     pkgs,
	})
	return b
}

func (w *World) saveEntry(e *models.LogEntryAnon) error {
	if e == nil || e.LogIndex == nil {
		return errors.New("saving the attestation entry: the log returned none")
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encoding the attestation entry: %w", err)
	}
	w.AttestationIndex = *e.LogIndex
	w.EntryPath = filepath.Join(w.Dir, "entry.json")
	if err := os.WriteFile(w.EntryPath, b, 0o600); err != nil {
		return fmt.Errorf("writing the attestation entry: %w", err)
	}
	return nil
}

func (w *World) writeBundle(ctx context.Context, d name.Digest, s *cosignfmt.Signer, upload cosignfmt.Uploader) error {
	stmt, err := cosignfmt.Statement(d.Context().Name(), d.DigestStr(), Mixed(), predicate())
	if err != nil {
		return err
	}
	env, err := s.SignDSSE(registry.MediaTypeInToto, stmt)
	if err != nil {
		return err
	}
	uuid, entry, err := upload(ctx, cosignfmt.DSSEEntry(env, s.PublicKeyPEM()))
	if err != nil {
		return fmt.Errorf("logging the bundle's envelope: %w", err)
	}
	w.AttestationUUID = uuid
	b, err := s.DSSEBundle(env, entry)
	if err != nil {
		return err
	}
	w.BundlePath = filepath.Join(w.Dir, "bundle.sigstore.json")
	if err := os.WriteFile(w.BundlePath, b, 0o600); err != nil {
		return fmt.Errorf("writing the bundle: %w", err)
	}
	return nil
}

func (w *World) signKeyless(ctx context.Context, d name.Digest, upload cosignfmt.Uploader, ropts []remote.Option) error {
	ca, err := keyless.NewCA(keyless.Config{
		Seed:         "provscope hostile fulcio",
		CommonName:   "provscope hostile fulcio",
		Organization: "provscope.example",
		URI:          "https://fulcio.provscope.example",
		CTLogURL:     "https://ct.provscope.example",
		NotBefore:    time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		return err
	}
	tr, err := ca.TrustedRoot(w.LogURL, w.log.PublicKeyPEM())
	if err != nil {
		return err
	}
	w.TrustedRootPath = filepath.Join(w.Dir, "trusted_root.json")
	if err := os.WriteFile(w.TrustedRootPath, tr, 0o600); err != nil {
		return fmt.Errorf("writing the trusted root: %w", err)
	}
	from := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	s := keyless.Signer{Identity: w.Identity, Issuer: w.Issuer, NotBefore: from, NotAfter: from.AddDate(10, 0, 0)}
	payload, err := cosignfmt.SimpleSigningPayload(d.Context().Name(), d.DigestStr(), nil)
	if err != nil {
		return err
	}
	w.KeylessPayloadSHA = fmt.Sprintf("sha256:%x", sha256.Sum256(payload))
	if err := keyless.SignImage(ctx, d, ca, s, upload, ropts...); err != nil {
		return fmt.Errorf("signing keyless: %w", err)
	}
	return keyless.AttestImage(ctx, d, ca, s, Mixed(), predicate(), upload, ropts...)
}

// writeCheckpoint writes a checkpoint note whose origin and extension lines
// carry what the note format lets through (it refuses C0 and C1 controls:
// bidi and zero-width characters, Markdown, a fake verdict line), signed
// with a fixed Ed25519 key.
func (w *World) writeCheckpoint() error {
	seed := sha256.Sum256([]byte("provscope hostile checkpoint key"))
	priv := ed25519.NewKeyFromSeed(seed[:])
	pub, _ := priv.Public().(ed25519.PublicKey)
	const keyName = "hostile.example"
	h := sha256.Sum256(append([]byte(keyName+"\n\x01"), pub...))
	hash := binary.BigEndian.Uint32(h[:4])
	w.CheckpointKey = fmt.Sprintf("%s+%08x+%s", keyName, hash, base64.StdEncoding.EncodeToString(append([]byte{1}, pub...)))
	root := sha256.Sum256([]byte("hostile root"))
	var text strings.Builder
	text.WriteString("hostile.example/log " + strings.ReplaceAll(noteText(Mixed()), "\n", " ") + "\n")
	text.WriteString("42\n")
	text.WriteString(base64.StdEncoding.EncodeToString(root[:]) + "\n")
	for _, p := range Payloads() {
		for _, l := range strings.Split(noteText(p.Text), "\n") {
			if l != "" {
				text.WriteString(l + "\n")
			}
		}
	}
	text.WriteString("Verdict: verified\n")
	sig := ed25519.Sign(priv, []byte(text.String()))
	var kh [4]byte
	binary.BigEndian.PutUint32(kh[:], hash)
	note := text.String() + "\n\u2014 " + keyName + " " + base64.StdEncoding.EncodeToString(append(kh[:], sig...)) + "\n"
	w.CheckpointPath = filepath.Join(w.Dir, "checkpoint.txt")
	if err := os.WriteFile(w.CheckpointPath, []byte(note), 0o600); err != nil {
		return fmt.Errorf("writing the checkpoint: %w", err)
	}
	return nil
}

// noteText drops from s what a signed note refuses: controls but newline.
func noteText(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\n' && unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}
