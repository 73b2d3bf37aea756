package registry_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sigstore/rekor/pkg/generated/models"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/registry/cosignfmt"
	"github.com/provscope/provscope/registry/embedded"
)

// newRegistry serves go-containerregistry's registry (referrers on) on
// loopback and returns its host.
func newRegistry(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	h := embedded.NewHandler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func testClient() *registry.Client {
	return registry.New(registry.Config{
		Keychain: authn.NewMultiKeychain(), // anonymous: never read the developer's docker config
		Timeout:  10 * time.Second,
		Retry:    remote.Backoff{Duration: 10 * time.Millisecond, Factor: 2, Steps: 3},
	})
}

// pushImage writes a one-layer image with a config that has a label, a
// creation time and a platform, and returns its digest reference.
func pushImage(t *testing.T, ref, content, arch string) name.Digest {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{
		Layer: static.NewLayer([]byte(content), types.OCILayer),
	})
	if err != nil {
		t.Fatal(err)
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Created = v1.Time{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	cf.Config.Labels = map[string]string{"org.opencontainers.image.source": "https://example.com/" + content}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
	h, _ := img.Digest()
	return r.Context().Digest(h.String())
}

func TestResolveImageAndIndex(t *testing.T) {
	host := newRegistry(t, nil)
	amd := pushImage(t, host+"/multi:amd64", "amd", "amd64")
	arm := pushImage(t, host+"/multi:arm64", "arm", "arm64")
	ctx := context.Background()
	c := testClient()

	img, err := c.Resolve(ctx, host+"/multi:amd64")
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if img.Digest != amd.DigestStr() || img.LayerCount != 1 || img.Platform == nil || img.Platform.String() != "linux/amd64" {
		t.Errorf("Resolve = digest %s layers %d platform %v, want %s 1 linux/amd64", img.Digest, img.LayerCount, img.Platform, amd.DigestStr())
	}
	if img.Created.Year() != 2026 || img.Labels["org.opencontainers.image.source"] != "https://example.com/amd" {
		t.Errorf("Resolve created %v labels %v", img.Created, img.Labels)
	}

	// An index over both.
	var adds []mutate.IndexAddendum
	for _, d := range []struct {
		ref  name.Digest
		arch string
	}{{amd, "amd64"}, {arm, "arm64"}} {
		desc, err := remote.Get(d.ref)
		if err != nil {
			t.Fatal(err)
		}
		im, _ := desc.Image()
		adds = append(adds, mutate.IndexAddendum{Add: im, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: d.arch}}})
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
	tag, _ := name.NewTag(host + "/multi:latest")
	if err := remote.WriteIndex(tag, idx); err != nil {
		t.Fatal(err)
	}
	got, err := c.Resolve(ctx, tag.String())
	if err != nil {
		t.Fatalf("Resolve(index): %v", err)
	}
	if len(got.Children) != 2 {
		t.Fatalf("Resolve(index) children = %d, want 2", len(got.Children))
	}
	for i, want := range []string{"linux/amd64", "linux/arm64"} {
		ch := got.Children[i]
		if ch.Err != "" || ch.Platform == nil || ch.Platform.String() != want || ch.LayerCount != 1 {
			t.Errorf("child %d = %+v, want %s with 1 layer", i, ch, want)
		}
	}
}

func TestListPaging(t *testing.T) {
	host := newRegistry(t, nil)
	var wantRepos []string
	for _, repo := range []string{"a", "b", "c", "d", "e"} {
		wantRepos = append(wantRepos, repo)
		pushImage(t, host+"/"+repo+":v1", repo, "amd64")
	}
	var wantTags []string
	for _, tag := range []string{"t1", "t2", "t3", "t4", "t5", "t6", "t7"} {
		wantTags = append(wantTags, tag)
		pushImage(t, host+"/a:"+tag, "a", "amd64")
	}
	wantTags = append(wantTags, "v1")
	slices.Sort(wantTags)

	c := registry.New(registry.Config{Keychain: authn.NewMultiKeychain(), PageSize: 2})
	ctx := context.Background()
	var repos []string
	for last, pages := "", 0; ; pages++ {
		p, err := c.Repositories(ctx, host, last)
		if err != nil {
			t.Fatalf("Repositories(%q): %v", last, err)
		}
		for _, r := range p.Items {
			repos = append(repos, r.Name)
		}
		if p.Next == "" || pages > 10 {
			break
		}
		last = p.Next
	}
	if !slices.Equal(repos, wantRepos) {
		t.Errorf("Repositories = %v, want %v", repos, wantRepos)
	}
	var tags []string
	for last, pages := "", 0; ; pages++ {
		p, err := c.Tags(ctx, host+"/a", last)
		if err != nil {
			t.Fatalf("Tags(%q): %v", last, err)
		}
		for _, tg := range p.Items {
			if tg.Digest == "" || tg.Err != "" {
				t.Errorf("tag %s: digest %q err %q", tg.Name, tg.Digest, tg.Err)
			}
			tags = append(tags, tg.Name)
		}
		if p.Next == "" || pages > 10 {
			break
		}
		last = p.Next
	}
	if !slices.Equal(tags, wantTags) {
		t.Errorf("Tags = %v, want %v", tags, wantTags)
	}
}

// fakeEntry is a log entry shaped like a Rekor POST answer, for building
// bundle annotations without a log.
func fakeEntry() *models.LogEntryAnon {
	it, idx, id := int64(1767225600), int64(7), strings.Repeat("ab", 32)
	return &models.LogEntryAnon{
		Body:           base64.StdEncoding.EncodeToString([]byte(`{"kind":"hashedrekord"}`)),
		IntegratedTime: &it,
		LogIndex:       &idx,
		LogID:          &id,
		Verification:   &models.LogEntryAnonVerification{SignedEntryTimestamp: strfmt.Base64("set-bytes")},
	}
}

func TestDiscoverCosignFormats(t *testing.T) {
	host := newRegistry(t, nil)
	d := pushImage(t, host+"/app:v1", "app", "amd64")
	signer := mustSigner(t, "test-key")

	payload, err := cosignfmt.SimpleSigningPayload(d.Context().Name(), d.DigestStr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signer.SignMessage(strings.NewReader(string(payload)))
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := cosignfmt.LegacyBundleAnnotation(fakeEntry())
	if err != nil {
		t.Fatal(err)
	}
	bad := cosignfmt.SignatureLayer(payload, sig, "")
	bad.Annotations[registry.AnnotationBundle] = "{not json"
	bad.Content = append([]byte(nil), payload...)
	bad.Content = append(bad.Content, ' ') // a distinct layer
	if err := cosignfmt.WriteAttached(d, registry.SuffixSignature, []cosignfmt.Layer{
		cosignfmt.SignatureLayer(payload, sig, bundle), bad,
	}, true); err != nil {
		t.Fatal(err)
	}

	stmt, err := cosignfmt.Statement(d.Context().Name(), d.DigestStr(), registry.PredicateSLSAv02, map[string]any{
		"builder":   map[string]any{"id": "https://github.com/actions/runner"},
		"buildType": "https://example.com/build/v1",
		"materials": []any{map[string]any{"uri": "git+https://example.com/app", "digest": map[string]string{"sha1": "abc"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	env, err := signer.SignDSSE(registry.MediaTypeInToto, stmt)
	if err != nil {
		t.Fatal(err)
	}
	if err := cosignfmt.WriteAttached(d, registry.SuffixAttestation, []cosignfmt.Layer{
		cosignfmt.AttestationLayer(env, registry.PredicateSLSAv02, bundle),
	}, true); err != nil {
		t.Fatal(err)
	}
	sbom := `{"spdxVersion":"SPDX-2.3","packages":[{"name":"a"},{"name":"b"},{"name":"c"}]}`
	if err := cosignfmt.WriteAttached(d, registry.SuffixSBOM, []cosignfmt.Layer{
		{Content: []byte(sbom), MediaType: registry.MediaTypeSPDXJSONText},
	}, false); err != nil {
		t.Fatal(err)
	}
	signStmt, _ := cosignfmt.CosignSignStatement(d.DigestStr())
	signEnv, _ := signer.SignDSSE(registry.MediaTypeInToto, signStmt)
	b, err := signer.DSSEBundle(signEnv, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cosignfmt.WriteBundleReferrer(d, b, registry.PredicateCosignSign, time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}

	atts, err := testClient().Discover(context.Background(), d.String())
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	if len(atts) != 5 {
		t.Fatalf("Discover found %d attachments, want 5: %+v", len(atts), atts)
	}
	good, malformed, att, sb, ref := atts[0], atts[1], atts[2], atts[3], atts[4]
	if good.Kind != model.AttachSignature || good.Err != "" || good.SignedDigest != d.DigestStr() || good.RekorBundle == nil || good.RekorBundle.LogIndex != 7 || string(good.Signature) != string(sig) {
		t.Errorf("legacy signature = %+v", good)
	}
	if malformed.Err == "" || !strings.Contains(malformed.Err, "rekor bundle") || malformed.SignedDigest != d.DigestStr() {
		t.Errorf("malformed bundle annotation: Err %q SignedDigest %q, want a bundle error and the digest still parsed", malformed.Err, malformed.SignedDigest)
	}
	if att.Kind != model.AttachAttestation || att.Err != "" || att.PredicateType != registry.PredicateSLSAv02 ||
		att.Builder != "https://github.com/actions/runner" || att.BuildType != "https://example.com/build/v1" ||
		!slices.Equal(att.Materials, []string{"git+https://example.com/app@sha1:abc"}) || att.SignedDigest != d.DigestStr() {
		t.Errorf("attestation = %+v", att)
	}
	if sb.Kind != model.AttachSBOM || sb.SBOMFormat != "spdx" || sb.SBOMPackages != 3 || sb.Err != "" {
		t.Errorf("sbom = %+v", sb)
	}
	if ref.Kind != model.AttachSignature || !strings.HasPrefix(ref.Source, "referrer:") || ref.PredicateType != registry.PredicateCosignSign ||
		ref.SignedDigest != d.DigestStr() || len(ref.Bundle) == 0 || ref.Err != "" || ref.Annotations[registry.AnnotationBundleContent] != "dsse-envelope" {
		t.Errorf("bundle referrer = %+v", ref)
	}
}

func mustSigner(t testing.TB, seed string) *cosignfmt.Signer {
	t.Helper()
	k, err := cosignfmt.KeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	s, err := cosignfmt.NewSigner(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestListIgnoredLast lists from a registry that ignores "last" and always
// answers the same full page: the listing must end, not loop.
func TestListIgnoredLast(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v2/":
		case "/v2/_catalog":
			_, _ = io.WriteString(w, `{"repositories":["b","a"]}`) // test server: the client sees any failure
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := registry.New(registry.Config{Keychain: authn.NewMultiKeychain(), PageSize: 2})
	host := strings.TrimPrefix(srv.URL, "http://")
	var got []string
	last := ""
	for range 5 {
		p, err := c.Repositories(context.Background(), host, last)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Items {
			got = append(got, r.Name)
		}
		if p.Next == "" {
			break
		}
		last = p.Next
	}
	if !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Repositories pages = %v, want [a b] once", got)
	}
}

func TestUnreachableRegistry(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := ln.Addr().String()
	ln.Close()
	c := testClient()
	ctx := context.Background()
	if _, err := c.Resolve(ctx, host+"/x:v1"); err == nil {
		t.Error("Resolve against a closed port succeeded")
	}
	if _, err := c.Repositories(ctx, host, ""); err == nil {
		t.Error("Repositories against a closed port succeeded")
	}
	if _, err := c.Discover(ctx, host+"/x@sha256:"+strings.Repeat("0", 64)); err == nil {
		t.Error("Discover against a closed port succeeded")
	}
}

func TestStatusErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
	}{
		{"unauthorized", http.StatusUnauthorized},
		{"not found", http.StatusNotFound},
		{"server error", http.StatusInternalServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host := newRegistry(t, func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/v2/" {
						next.ServeHTTP(w, r)
						return
					}
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(tc.status)
					_, _ = io.WriteString(w, `{"errors":[{"code":"DENIED","message":"no"}]}`) // test server: the client sees any failure
				})
			})
			_, err := testClient().Resolve(context.Background(), host+"/x:v1")
			var se *registry.StatusError
			if !errors.As(err, &se) || se.StatusCode != tc.status {
				t.Fatalf("Resolve error = %v, want a StatusError %d", err, tc.status)
			}
		})
	}
}

func TestRetryOn429(t *testing.T) {
	var hits atomic.Int32
	var armed atomic.Bool
	host := newRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if armed.Load() && strings.Contains(r.URL.Path, "/manifests/") && hits.Add(1) <= 2 {
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	d := pushImage(t, host+"/app:v1", "app", "amd64")
	armed.Store(true)
	img, err := testClient().Resolve(context.Background(), host+"/app:v1")
	if err != nil {
		t.Fatalf("Resolve after two 429s: %v", err)
	}
	if img.Digest != d.DigestStr() || hits.Load() < 3 {
		t.Errorf("Resolve = %s after %d manifest requests, want %s after ≥3", img.Digest, hits.Load(), d.DigestStr())
	}
}

// TestHostileAttachments serves .sig images whose layers lie: one claims
// 1 GiB, one streams forever behind a small descriptor size, one is fine. Each
// bad one gets its own error; the good one is still parsed; nothing hangs.
func TestHostileAttachments(t *testing.T) {
	var hugeDigest, liarDigest string
	host := newRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case hugeDigest != "" && strings.HasSuffix(r.URL.Path, "/blobs/"+hugeDigest):
				w.Header().Set("Content-Length", "1073741824")
				streamForever(w, r)
				return
			case liarDigest != "" && strings.HasSuffix(r.URL.Path, "/blobs/"+liarDigest):
				streamForever(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	d := pushImage(t, host+"/app:v1", "app", "amd64")
	signer := mustSigner(t, "k")
	payload, _ := cosignfmt.SimpleSigningPayload(d.Context().Name(), d.DigestStr(), nil)
	sig, _ := signer.SignMessage(strings.NewReader(string(payload)))

	// A .sig manifest written by hand so that descriptors can lie.
	good := static.NewLayer(payload, registry.MediaTypeSimpleSigning)
	if err := remote.WriteLayer(d.Context(), good); err != nil {
		t.Fatal(err)
	}
	gd, _ := good.Digest()
	hugeDigest = "sha256:" + strings.Repeat("1", 64)
	liarDigest = "sha256:" + strings.Repeat("2", 64)
	ann := map[string]string{registry.AnnotationSignature: base64.StdEncoding.EncodeToString(sig)}
	cfg := static.NewLayer([]byte("{}"), types.OCIConfigJSON)
	if err := remote.WriteLayer(d.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	cd, _ := cfg.Digest()
	m := v1.Manifest{
		SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
		Config: v1.Descriptor{MediaType: types.OCIConfigJSON, Digest: cd, Size: 2},
		Layers: []v1.Descriptor{
			{MediaType: registry.MediaTypeSimpleSigning, Digest: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("1", 64)}, Size: 1 << 30, Annotations: ann},
			{MediaType: registry.MediaTypeSimpleSigning, Digest: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("2", 64)}, Size: 300, Annotations: ann},
			{MediaType: registry.MediaTypeSimpleSigning, Digest: gd, Size: int64(len(payload)), Annotations: ann},
		},
	}
	raw, _ := json.Marshal(m)
	putManifest(t, host, "app", registry.CosignTag(d.DigestStr(), ".sig"), raw)

	start := time.Now()
	atts, err := testClient().Discover(context.Background(), d.String())
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	if len(atts) != 3 {
		t.Fatalf("Discover found %d, want 3", len(atts))
	}
	if !strings.Contains(atts[0].Err, "1073741824 bytes, limit") {
		t.Errorf("1 GiB layer: Err %q, want a size-limit error", atts[0].Err)
	}
	if atts[1].Err == "" {
		t.Errorf("endless layer behind a 300-byte descriptor: no error")
	}
	if atts[2].Err != "" || atts[2].SignedDigest != d.DigestStr() {
		t.Errorf("good layer: Err %q SignedDigest %q", atts[2].Err, atts[2].SignedDigest)
	}
	t.Logf("hostile discovery took %v", time.Since(start))
}

// TestManifestLiesAboutSize lists a referrer whose descriptor size does not
// match the manifest it points to.
func TestManifestLiesAboutSize(t *testing.T) {
	host := newRegistry(t, nil)
	d := pushImage(t, host+"/app:v1", "app", "amd64")
	signer := mustSigner(t, "k")
	stmt, _ := cosignfmt.CosignSignStatement(d.DigestStr())
	env, _ := signer.SignDSSE(registry.MediaTypeInToto, stmt)
	b, _ := signer.DSSEBundle(env, nil)
	h, err := cosignfmt.WriteBundleReferrer(d, b, registry.PredicateCosignSign, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	// Serve a referrers index whose descriptor understates the size.
	idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{{
		MediaType: types.OCIManifestSchema1, Digest: h, Size: 10, ArtifactType: registry.MediaTypeBundleV03,
	}}}
	raw, _ := json.Marshal(idx)
	host2 := strings.TrimPrefix(httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/referrers/") {
			w.Header().Set("Content-Type", string(types.OCIImageIndex))
			_, _ = w.Write(raw) // test server: the client sees any failure
			return
		}
		r.URL.Host = host
		proxy(w, r, host)
	})).URL, "http://")
	atts, err := testClient().Discover(context.Background(), host2+"/app@"+d.DigestStr())
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	if len(atts) != 1 || !strings.Contains(atts[0].Err, "descriptor says 10") {
		t.Fatalf("Discover = %+v, want one attachment with a size mismatch error", atts)
	}
}

// deadlineRecorder notes when the first request reached the transport and
// the deadline its context carried, then passes it on.
type deadlineRecorder struct {
	rt           http.RoundTripper
	mu           sync.Mutex
	at, deadline time.Time
	hasDeadline  bool
}

func (d *deadlineRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	d.mu.Lock()
	if d.at.IsZero() {
		d.at = time.Now()
		d.deadline, d.hasDeadline = r.Context().Deadline()
	}
	d.mu.Unlock()
	return d.rt.RoundTrip(r)
}

// TestHangingRegistryTimesOut checks that Config.Timeout bounds a Resolve
// against a server that never answers. It uses no wall-clock margin: the
// requests' deadline must be exactly Timeout after a moment between the call
// and the first request, and the transport has no timeout of its own, so
// only that deadline can end the call.
func TestHangingRegistryTimesOut(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	const timeout = 300 * time.Millisecond
	rec := &deadlineRecorder{rt: http.DefaultTransport.(*http.Transport).Clone()}
	c := registry.New(registry.Config{
		Transport: rec, Keychain: authn.NewMultiKeychain(), Timeout: timeout,
		Retry: remote.Backoff{Duration: time.Millisecond, Steps: 1},
	})
	before := time.Now()
	_, err := c.Resolve(context.Background(), strings.TrimPrefix(srv.URL, "http://")+"/x:v1")
	if err == nil {
		t.Fatal("Resolve against a hanging server succeeded")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Resolve against a hanging server: %v, want a context.DeadlineExceeded", err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if !rec.hasDeadline {
		t.Fatal("the requests carried no deadline")
	}
	if lo, hi := before.Add(timeout), rec.at.Add(timeout); rec.deadline.Before(lo) || rec.deadline.After(hi) {
		t.Errorf("request deadline %v after the call, want %v (between %v and %v)",
			rec.deadline.Sub(before), timeout, lo.Sub(before), hi.Sub(before))
	}
}

func TestPlainHTTPOnlyForLoopback(t *testing.T) {
	c := testClient()
	_, err := c.Resolve(context.Background(), "10.1.2.3:5000/x:v1")
	var ie *registry.InsecureSchemeError
	if !errors.As(err, &ie) {
		t.Errorf("Resolve(10.1.2.3) error = %v, want InsecureSchemeError (ggcr tries http for RFC 1918 hosts)", err)
	}
}

func streamForever(w http.ResponseWriter, r *http.Request) {
	buf := make([]byte, 32<<10)
	for {
		if _, err := w.Write(buf); err != nil || r.Context().Err() != nil {
			return
		}
	}
}

func putManifest(t *testing.T, host, repo, tag string, raw []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, "http://"+host+"/v2/"+repo+"/manifests/"+tag, strings.NewReader(string(raw)))
	req.Header.Set("Content-Type", string(types.OCIManifestSchema1))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT manifest: %d", resp.StatusCode)
	}
}

func proxy(w http.ResponseWriter, r *http.Request, host string) {
	req, _ := http.NewRequestWithContext(r.Context(), r.Method, "http://"+host+r.URL.RequestURI(), r.Body)
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body) // test proxy: the client sees any failure
}

// TestEndlessManifest serves a manifest that never ends: Resolve stops at
// the size limit with a TooLargeError instead of reading forever.
func TestEndlessManifest(t *testing.T) {
	host := newRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "/manifests/") {
				w.Header().Set("Content-Type", string(types.OCIManifestSchema1))
				streamForever(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	_, err := testClient().Resolve(context.Background(), host+"/app:v1")
	var tl *registry.TooLargeError
	if !errors.As(err, &tl) {
		t.Fatalf("Resolve of an endless manifest: %v, want a TooLargeError", err)
	}
}

// TestSignImageLegacyAppends signs one image with two keys through the
// high-level helper: cosign appends to the .sig image, and so must we.
func TestSignImageLegacyAppends(t *testing.T) {
	host := newRegistry(t, nil)
	d := pushImage(t, host+"/app:v1", "app", "amd64")
	for _, seed := range []string{"a", "b", "a"} {
		if _, err := cosignfmt.SignImageLegacy(context.Background(), d, mustSigner(t, seed), nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cosignfmt.AttestImage(context.Background(), d, mustSigner(t, "a"), registry.PredicateSLSAv1,
		map[string]any{
			"runDetails":      map[string]any{"builder": map[string]any{"id": "b1"}},
			"buildDefinition": map[string]any{"buildType": "t1", "resolvedDependencies": []any{map[string]any{"uri": "u", "digest": map[string]string{"sha256": "00"}}}},
		},
		nil); err != nil {
		t.Fatal(err)
	}
	atts, err := testClient().Discover(context.Background(), d.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(atts) != 3 || atts[0].Kind != model.AttachSignature || atts[1].Kind != model.AttachSignature {
		t.Fatalf("Discover = %d attachments, want 2 signatures (the repeated one not duplicated) and 1 attestation", len(atts))
	}
	if bytes.Equal(atts[0].Signature, atts[1].Signature) || atts[0].RekorBundle != nil {
		t.Error("want two distinct, unlogged signatures")
	}
	if a := atts[2]; a.Builder != "b1" || a.BuildType != "t1" || !slices.Equal(a.Materials, []string{"u@sha256:00"}) {
		t.Errorf("SLSA v1 provenance parsed as builder %q buildType %q materials %v", a.Builder, a.BuildType, a.Materials)
	}
}
