package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/registry"
)

// TestSignRefusesALyingLogAnswer: a log that answers an upload with an
// entry whose SET does not verify (here: the integrated time moved by one
// second after signing) makes sign fail before it pushes the signature,
// so nothing unverifiable is ever published beside the image.
func TestSignRefusesALyingLogAnswer(t *testing.T) {
	dir := isolateEnv(t)
	t.Setenv("COSIGN_PASSWORD", "test-password")
	w := startDemo(t)
	var unsigned string
	for _, c := range w.Cases {
		if c.Expect == model.VerdictUnsigned {
			unsigned = c.Image
			break
		}
	}
	if unsigned == "" {
		t.Fatal("the demo world has no unsigned image")
	}
	up, err := url.Parse(w.LogURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(up)
	proxy.ModifyResponse = func(r *http.Response) error {
		if r.Request.Method != http.MethodPost || !strings.HasSuffix(r.Request.URL.Path, "/api/v1/log/entries") {
			return nil
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		var m map[string]map[string]any
		if json.Unmarshal(b, &m) == nil {
			for _, e := range m {
				if t, ok := e["integratedTime"].(float64); ok {
					e["integratedTime"] = t + 1
				}
			}
			b, _ = json.Marshal(m)
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		r.Header.Del("Content-Length")
		return nil
	}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)

	logArgs := []string{"--log", front.URL, "--log-key", w.LogPublicKeyPath}
	keyDir := filepath.Join(dir, "keys")
	code, out, errs := runCLI(t, append([]string{"sign", unsigned, "--generate-key", "--key-dir", keyDir}, logArgs...)...)
	if code != exitFailed || !strings.Contains(out+errs, "does not verify") {
		t.Fatalf("sign through a log whose answer does not verify = exit %d, want %d naming the failed check\n%s%s", code, exitFailed, out, errs)
	}
	// Nothing was pushed: the image is still unsigned.
	atts, err := registry.New(registry.Config{Insecure: true}).Discover(t.Context(), unsigned)
	if err != nil {
		t.Fatal(err)
	}
	if len(atts) != 0 {
		t.Errorf("sign pushed %d attachments after a log answer that does not verify", len(atts))
	}
}
