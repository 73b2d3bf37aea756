package logs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provscope/provscope/internal/testenv"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestResolveOrder(t *testing.T) {
	cfg := &Config{Default: "corp", Logs: []Log{{Name: "corp", URL: "https://rekor.corp.example", Kind: KindRekorV1}}}
	tests := []struct {
		name     string
		flag     string
		env      map[string]string
		cfg      *Config
		wantURL  string
		wantFrom string
	}{
		{"flag name", "local", map[string]string{"PROVSCOPE_LOG": "corp"}, cfg, LocalURL, "flag"},
		{"flag url", "http://127.0.0.1:9999/", nil, cfg, "http://127.0.0.1:9999", "flag"},
		{"env beats cosign", "", map[string]string{"PROVSCOPE_LOG": "local", "COSIGN_REKOR_URL": "https://x.example"}, cfg, LocalURL, "PROVSCOPE_LOG"},
		{"cosign url", "", map[string]string{"COSIGN_REKOR_URL": "https://x.example"}, cfg, "https://x.example", "COSIGN_REKOR_URL"},
		{"config default", "", nil, cfg, "https://rekor.corp.example", "config"},
		{"built-in default", "", nil, nil, "https://rekor.sigstore.dev", "default"},
		{"known url keeps key", "https://rekor.sigstore.dev/", nil, nil, "https://rekor.sigstore.dev", "flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := Resolve(tt.flag, env(tt.env), tt.cfg)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if sel.Log.URL != tt.wantURL || sel.From != tt.wantFrom {
				t.Errorf("Resolve = %s from %s, want %s from %s", sel.Log.URL, sel.From, tt.wantURL, tt.wantFrom)
			}
		})
	}
	sel, _ := Resolve("https://rekor.sigstore.dev", env(nil), nil)
	if sel.Log.PublicKey == "" || sel.Log.Name != PublicGood {
		t.Errorf("the public-good URL resolved to %+v, want the named log with its key", sel.Log)
	}
}

func TestLookupTilesAndUnknown(t *testing.T) {
	l, err := Lookup("http://127.0.0.1:3000/api/v2", nil)
	if err != nil || l.Kind != KindTiles || l.URL != "http://127.0.0.1:3000" {
		t.Errorf("Lookup(/api/v2) = %+v, %v; want a tiles log at the base URL", l, err)
	}
	l, err = Lookup("log2025-1", nil)
	if err != nil || l.Kind != KindTiles || l.Origin != "log2025-1.rekor.sigstore.dev" {
		t.Errorf("Lookup(log2025-1) = %+v, %v", l, err)
	}
	_, err = Lookup("nope", nil)
	var ue *UnknownLogError
	if !errors.As(err, &ue) {
		t.Errorf("Lookup(nope) = %v, want UnknownLogError", err)
	}
	if _, err := Lookup("ftp://x", nil); err == nil {
		t.Error("Lookup(ftp://x) succeeded, want an error")
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	if cfg, err := LoadConfig(filepath.Join(dir, "missing.json")); err != nil || cfg.Default != "" {
		t.Fatalf("LoadConfig(missing) = %+v, %v; want an empty config", cfg, err)
	}
	pem := "-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n"
	if err := os.WriteFile(filepath.Join(dir, "corp.pem"), []byte(pem), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "logs.json")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"default":"corp","logs":[{"name":"corp","url":"https://rekor.corp.example","publicKey":"corp.pem"}]}`)
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if cfg.Logs[0].PublicKey != pem || cfg.Logs[0].Kind != KindRekorV1 {
		t.Errorf("corp log = %+v, want the key read from corp.pem and kind rekor-v1", cfg.Logs[0])
	}
	for _, bad := range []string{`{`, `{"logs":[{"name":"x"}]}`, `{"logs":[{"name":"x","url":"https://x","kind":"svn"}]}`, `{"unknown":1}`} {
		write(bad)
		if _, err := LoadConfig(path); err == nil {
			t.Errorf("LoadConfig(%s) succeeded, want an error", bad)
		}
	}
}

func TestConfigPath(t *testing.T) {
	p, _ := ConfigPath(env(map[string]string{"XDG_CONFIG_HOME": "/x"}))
	if p != "/x/provscope/logs.json" {
		t.Errorf("ConfigPath(XDG) = %s", p)
	}
	p, _ = ConfigPath(env(map[string]string{"HOME": "/h"}))
	if p != "/h/.config/provscope/logs.json" {
		t.Errorf("ConfigPath(HOME) = %s", p)
	}
}

// TestBuiltinFromTrustedRoot checks the logs read from the embedded
// production trusted root against the keys published in the real-world
// vectors.
func TestBuiltinFromTrustedRoot(t *testing.T) {
	dir := filepath.Join(testenv.RealWorld(t), "trust")
	for name, file := range map[string]string{PublicGood: "production_rekor.sigstore.dev.pem", Log2025_1: "production_log2025-1.rekor.sigstore.dev.pem"} {
		l, err := Lookup(name, nil)
		if err != nil {
			t.Fatalf("Lookup(%s): %v", name, err)
		}
		want, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(l.PublicKey) != strings.TrimSpace(string(want)) {
			t.Errorf("%s key =\n%s\nwant\n%s", name, l.PublicKey, want)
		}
	}
	if _, err := FromTrustedRoot([]byte(`{"tlogs":[{"baseUrl":"::"}]}`)); err == nil {
		t.Error("FromTrustedRoot(bad URL) succeeded")
	}
}
