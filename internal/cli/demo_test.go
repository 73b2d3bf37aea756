package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runDemoUntilReady runs `provscope demo args…`, waits for the world to be
// printed, checks it with check, then stops it as Ctrl-C would.
func runDemoUntilReady(t *testing.T, args []string, check func(out string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	cmd := newDemoCmd()
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	// No wall-clock bound on a busy machine: the demo either becomes ready or
	// exits (both seen here); a hang is left to go test's -timeout, which
	// prints every goroutine.
	for !strings.Contains(out.String(), "Press Ctrl-C to stop.") {
		select {
		case err := <-done:
			t.Fatalf("demo exited early: %v\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	check(out.String())
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("demo returned %v", err)
	}
}

func TestDemoNoTUIPrintsTheWorld(t *testing.T) {
	var dataDir string
	runDemoUntilReady(t, []string{"--no-tui"}, func(out string) {
		for _, want := range []string{
			"registry", "SIGSTORE_REKOR_PUBLIC_KEY=", "REKOR_REKOR_SERVER=", "crane catalog $PROVSCOPE_REGISTRY",
			"export PROVSCOPE_LOG=http://127.0.0.1:", " PROVSCOPE_REGISTRY=127.0.0.1:", "export DEMO=",
			"cosign verify --key", "--new-bundle-format", "demo/worker:v1.0.0", "not-logged", "BEGIN PUBLIC KEY",
			"--certificate-identity alice@provscope.example \\\n    --certificate-oidc-issuer https://accounts.provscope.example \\\n    --trusted-root",
			"SIGSTORE_ROOT_FILE=", "demo/keyless:v1.0.0", "provscope verify --key $DEMO/key-2026.pub", "provscope loginfo",
			"grows by one entry every 10s",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("demo output lacks %q", want)
			}
		}
		for _, line := range strings.Split(out, "\n") {
			if d, ok := strings.CutPrefix(line, "  export DEMO="); ok {
				dataDir = d
			}
		}
		for _, f := range []string{"log.pub", "key-2025.pub", "key-2026.pub", "key-2026.key", "trusted_root.json", "fulcio.crt.pem", "ctfe.pub"} {
			if _, err := os.Stat(filepath.Join(dataDir, f)); err != nil {
				t.Errorf("%s not written: %v", f, err)
			}
		}
	})
	if dataDir == "" {
		t.Fatal("no data line in the output")
	}
	if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
		t.Errorf("temporary data dir %s still exists after exit (stat: %v)", dataDir, err)
	}
}

func TestDemoDataPersists(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "world")
	runDemoUntilReady(t, []string{"--no-tui", "--data", dir}, func(string) {})
	for _, f := range []string{"log.pub", "addresses.json", "trusted_root.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s not kept in --data: %v", f, err)
		}
	}
	key1, _ := os.ReadFile(filepath.Join(dir, "log.pub"))
	runDemoUntilReady(t, []string{"--no-tui", "--data", dir}, func(string) {})
	key2, _ := os.ReadFile(filepath.Join(dir, "log.pub"))
	if !bytes.Equal(key1, key2) || len(key1) == 0 {
		t.Error("the log key changed across runs with the same --data")
	}
}
