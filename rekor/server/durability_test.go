package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigstore/rekor/pkg/util"
	"github.com/transparency-dev/merkle/proof"

	"github.com/provscope/provscope/internal/loadgen"
)

// TestLogChildProcess is not a test: it is the server process that
// TestKillDuringLoad starts (re-executing the test binary) and kills.
func TestLogChildProcess(t *testing.T) {
	dir := os.Getenv("PROVSCOPE_LOG_CHILD_DIR")
	if dir == "" {
		t.Skip("helper process for TestKillDuringLoad")
	}
	l, err := Open(context.Background(), Config{Dir: dir})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(3)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(3)
	}
	fmt.Println("URL http://" + ln.Addr().String())
	_ = http.Serve(ln, l.Handler()) //nolint:gosec // test helper on loopback
}

func startChild(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLogChildProcess$", "-test.v")
	cmd.Env = append(os.Environ(), "PROVSCOPE_LOG_CHILD_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "URL "); ok {
			go func() { // keep draining
				for sc.Scan() {
				}
			}()
			return cmd, u
		}
		if strings.HasPrefix(sc.Text(), "ERROR") {
			t.Fatalf("child: %s", sc.Text())
		}
	}
	t.Fatalf("child exited without a URL: %v", sc.Err())
	return nil, ""
}

// TestKillDuringLoad kills the server with SIGKILL while writers are
// posting, restarts it and checks that every acknowledged entry is there
// and that the tree the clients saw is consistent with the recovered one.
func TestKillDuringLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	dir := t.TempDir()
	g := newGen(t)
	entries, err := g.Entries(0, 4000)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		cmd, url := startChild(t, dir)
		c := loadgen.NewClient(url, 8)
		ctx := context.Background()
		var mu sync.Mutex
		acked := map[string]bool{}
		var lastCP []byte
		var wg sync.WaitGroup
		stop := make(chan struct{})
		base := round * 1200
		for w := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := base + w; i < base+1200; i += 6 {
					select {
					case <-stop:
						return
					default:
					}
					id, err := c.Post(ctx, entries[i])
					if err != nil {
						return // the server died mid-request: not acknowledged
					}
					mu.Lock()
					acked[id] = true
					mu.Unlock()
				}
			}()
		}
		// Let some entries in, remember a checkpoint a client saw, then kill.
		deadline := time.Now().Add(20 * time.Second)
		for {
			mu.Lock()
			n := len(acked)
			mu.Unlock()
			if n >= 150 || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		if resp, err := c.HTTP.Get(url + "/api/v2/checkpoint"); err == nil {
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(resp.Body)
			resp.Body.Close()
			lastCP = buf.Bytes()
		}
		time.Sleep(time.Duration(round*7) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		close(stop)
		wg.Wait()

		// A round where nothing was acknowledged proves nothing about
		// durability: the kill must land while entries are being answered.
		if len(acked) == 0 {
			t.Fatalf("round %d: no entry was acknowledged before the kill", round)
		}
		l, err := Open(ctx, Config{Dir: dir})
		if err != nil {
			t.Fatalf("round %d: reopening after kill -9: %v", round, err)
		}
		s := l.state.Load()
		if s.size < uint64(len(acked)) {
			t.Errorf("round %d: recovered size %d, fewer than the %d entries acknowledged this round", round, s.size, len(acked))
		}
		missing := 0
		for id := range acked {
			leaf, _ := hex.DecodeString(id[16:])
			gotID, e, err := l.entryByLeaf(ctx, s, leaf)
			if err != nil {
				missing++
				continue
			}
			checkEntry(t, l, gotID, *e) // its SET, inclusion proof and checkpoint verify
		}
		if missing > 0 {
			t.Errorf("round %d: %d of %d acknowledged entries missing after kill -9", round, missing, len(acked))
		}
		var sc util.SignedCheckpoint
		if err := sc.UnmarshalText(lastCP); err != nil {
			t.Fatalf("round %d: checkpoint seen before the kill does not parse: %v", round, err)
		}
		if sc.Size > s.size {
			t.Fatalf("round %d: clients saw size %d, recovered %d", round, sc.Size, s.size)
		}
		p, err := l.consistencyProof(ctx, s, sc.Size, s.size)
		if err != nil {
			t.Fatal(err)
		}
		if err := proof.VerifyConsistency(hasher, sc.Size, s.size, p, sc.Hash, s.root); sc.Size > 0 && err != nil {
			t.Errorf("round %d: recovered tree not consistent with the checkpoint seen before the kill: %v", round, err)
		}
		t.Logf("round %d: %d acknowledged, recovered size %d", round, len(acked), s.size)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
