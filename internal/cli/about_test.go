package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/registry"
)

func demoCase(t *testing.T, w *demo.World, n string) demo.Case {
	t.Helper()
	for _, c := range w.Cases {
		if c.Name == n {
			return c
		}
	}
	t.Fatalf("no demo case %q", n)
	return demo.Case{}
}

type aboutDoc struct {
	Repository string `json:"repository"`
	Digest     string `json:"digest"`
	Entries    []struct {
		UUID     string   `json:"uuid"`
		LogIndex int64    `json:"logIndex"`
		Kind     string   `json:"kind"`
		FoundBy  []string `json:"foundBy"`
		Binding  string   `json:"binding"`
	} `json:"entries"`
}

func searchImage(t *testing.T, w *demo.World, ref string) (aboutDoc, int, string) {
	t.Helper()
	code, out, errs := runCLI(t, "search", "--image", ref, "--log", w.LogURL, "--log-key", w.LogPublicKeyPath, "--output", "json")
	var doc aboutDoc
	if code == exitOK {
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("search --image %s --output json: %v\n%s%s", ref, err, out, errs)
		}
	}
	return doc, code, out + errs
}

// TestSearchImageFindsSignatureAfterSigTagDeleted: the simple-signing
// payload rebuilt for (repository, digest) finds the signature's entry even
// once the .sig tag is gone; the attestation is found by subject.
func TestSearchImageFindsSignatureAfterSigTagDeleted(t *testing.T) {
	isolateEnv(t)
	w := startDemo(t)
	c := demoCase(t, w, "signed-legacy")
	ref := c.Image[:strings.LastIndex(c.Image, ":")] + "@" + c.Digest

	doc, code, out := searchImage(t, w, ref)
	if code != exitOK {
		t.Fatalf("search --image %s: exit %d\n%s", ref, code, out)
	}
	kinds := map[string]string{}
	for _, e := range doc.Entries {
		kinds[e.Kind] = e.Binding
	}
	if kinds["hashedrekord"] != "simple-signing" || kinds["dsse"] != "statement-subject" {
		t.Fatalf("before deleting the .sig tag: bindings %v, want hashedrekord simple-signing and dsse statement-subject\n%s", kinds, out)
	}

	// Delete the .sig tag.
	d, err := name.NewDigest(ref)
	if err != nil {
		t.Fatal(err)
	}
	sigTag := d.Context().Tag(registry.CosignTag(c.Digest, registry.SuffixSignature))
	if err := remote.Delete(sigTag, remote.WithAuth(authn.Anonymous), remote.WithContext(context.Background())); err != nil {
		t.Fatalf("deleting %s: %v", sigTag, err)
	}
	doc, code, out = searchImage(t, w, ref)
	if code != exitOK {
		t.Fatalf("after deleting the .sig tag: exit %d\n%s", code, out)
	}
	found := false
	for _, e := range doc.Entries {
		if e.Kind == "hashedrekord" && e.Binding == "simple-signing" {
			found = true
			if len(e.FoundBy) != 1 || !strings.Contains(e.FoundBy[0], "simple-signing payload rebuilt") {
				t.Errorf("found by %q, want only the rebuilt payload (no attachment is left)", e.FoundBy)
			}
		}
	}
	if !found {
		t.Fatalf("after deleting the .sig tag, the signature's entry is not found:\n%s", out)
	}
	// The bare digest still finds the attestation, by subject.
	doc, code, out = searchImage(t, w, c.Digest)
	if code != exitOK || len(doc.Entries) == 0 || doc.Entries[0].Binding != "index-only" {
		t.Fatalf("search --image %s: exit %d, entries %+v, want the attestation found by subject\n%s", c.Digest, code, doc.Entries, out)
	}
}

// TestSearchImageShortDigestIsInputError: the short digest a screen shows
// is an input error (exit 2), never a log error.
func TestSearchImageShortDigestIsInputError(t *testing.T) {
	isolateEnv(t)
	if code, _, errs := runCLI(t, "search", "--image", "example.com/a:v1", "--email", "a@example.com"); code != exitUsageErr {
		t.Errorf("search --image with --email: exit %d (%s), want %d", code, errs, exitUsageErr)
	}
	for _, in := range []string{"sha256:0123abcd", "0123abcd", "example.com/a@sha256:xyz", "sha512:00"} {
		code, _, errs := runCLI(t, "search", "--image", in, "--log", "http://127.0.0.1:1")
		if code != exitUsageErr || strings.Contains(errs, "retry") {
			t.Errorf("search --image %q: exit %d (%s), want %d", in, code, errs, exitUsageErr)
		}
	}
}

// TestSearchImageMirror: search --image --mirror DIR on a mirror of the
// demo log's /api/v2 finds the entries the Rekor v1 search API finds for
// the image (the signature through the rebuilt simple-signing payload, the
// attestation through its attachment's payload), with the same bindings,
// and says the mirror holds no in-toto subjects. A short digest is an input
// error; a changed mirror is a failure, never a hit.
func TestSearchImageMirror(t *testing.T) {
	isolateEnv(t)
	w := startDemo(t)
	c := demoCase(t, w, "signed-legacy")
	ref := c.Image[:strings.LastIndex(c.Image, ":")] + "@" + c.Digest
	dir := t.TempDir()
	if code, out, errs := runCLI(t, "mirror", "--log", "tiles+"+w.LogURL+"/api/v2", "--key", w.LogPublicKeyPath, "--data", dir); code != exitOK {
		t.Fatalf("mirror of the demo log = %d\n%s%s", code, out, errs)
	}
	want, code, out := searchImage(t, w, ref)
	if code != exitOK {
		t.Fatalf("search --image (v1) = %d\n%s", code, out)
	}
	code, mout, merrs := runCLI(t, "search", "--image", ref, "--mirror", dir, "--output", "json")
	var got aboutDoc
	if code != exitOK || json.Unmarshal([]byte(mout), &got) != nil {
		t.Fatalf("search --image --mirror = %d\n%s%s", code, mout, merrs)
	}
	bindings := func(d aboutDoc) map[int64]string {
		m := map[int64]string{}
		for _, e := range d.Entries {
			m[e.LogIndex] = e.Kind + " " + e.Binding
		}
		return m
	}
	g, wnt := bindings(got), bindings(want)
	t.Logf("mirror %v, v1 %v", g, wnt)
	if len(g) != 2 || len(g) != len(wnt) {
		t.Fatalf("mirror found %v, the v1 search API %v", g, wnt)
	}
	for i, b := range wnt {
		if gb := g[i]; gb != b {
			t.Errorf("entry %d: mirror %q, v1 %q", i, gb, b)
		}
	}
	code, text, _ := runCLI(t, "search", "--image", ref, "--mirror", dir)
	if code != exitOK || !strings.Contains(text, "holds no in-toto subjects") || !strings.Contains(text, "mirror "+dir) {
		t.Errorf("search --image --mirror (text) = %d\n%s", code, text)
	}
	// A mirror directory whose name carries terminal controls is named
	// escaped by the printer itself (no output filter here).
	hostileDir := filepath.Join(t.TempDir(), "m\x1b]0;pwned\x07\u202e")
	if err := os.Rename(dir, hostileDir); err != nil {
		t.Fatal(err)
	}
	code, text, errs := runUnfiltered("search", "--image", ref, "--mirror", hostileDir)
	if code != exitOK || strings.ContainsAny(text+errs, "\x1b\x07\u202e") || !strings.Contains(text, `m\x1b]0;pwned\x07\u202e`) {
		t.Errorf("search --image --mirror on a hostile directory name = %d\n%q\n%q", code, text, errs)
	}
	if code, _, errs := runCLI(t, "search", "--image", ref[:len(ref)-40], "--mirror", dir); code != exitUsageErr {
		t.Errorf("short digest with --mirror: exit %d (%s), want %d", code, errs, exitUsageErr)
	}
	if code, _, errs := runCLI(t, "search", "--image", ref, "--mirror", filepath.Join(dir, "absent")); code != exitUsageErr {
		t.Errorf("no such mirror: exit %d (%s), want %d", code, errs, exitUsageErr)
	}
}
