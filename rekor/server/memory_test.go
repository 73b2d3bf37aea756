package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/provscope/provscope/internal/httplimit"
)

// memoryBound is the documented bound on the log process's peak resident
// memory (VmHWM) under 8 concurrent maximal hostile batches with the
// default limits (see limits.go and doc.go).
const memoryBound = 512 << 20

// TestLogMemoryChildProcess is not a test: it is the log server process
// TestHostileBodiesMemory starts (re-executing the test binary) and
// measures. PROVSCOPE_LOG_MEM_INFLIGHT overrides Config.MaxInFlightBytes.
func TestLogMemoryChildProcess(t *testing.T) {
	dir := os.Getenv("PROVSCOPE_LOG_MEM_CHILD_DIR")
	if dir == "" {
		t.Skip("helper process for TestHostileBodiesMemory")
	}
	cfg := Config{Dir: dir}
	if v := os.Getenv("PROVSCOPE_LOG_MEM_INFLIGHT"); v != "" {
		cfg.MaxInFlightBytes, _ = strconv.ParseInt(v, 10, 64)
	}
	l, err := Open(context.Background(), cfg)
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
	srv, lln := httplimit.Default().Server(ln, l.Handler())
	_ = srv.Serve(lln)
}

// hostileBatch is a batch of 100 entries of the largest size the log
// accepts by default, each refused only after parsing: dsse envelopes (a
// JSON string the log keeps whole) or intoto 0.0.2 envelopes (base64 the
// log decodes), every one with a different payload.
func hostileBatch(kind string, seed int) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range maxBatch {
		if i > 0 {
			b.WriteByte(',')
		}
		payload := make([]byte, (DefaultMaxBodyBytes-512)*3/4)
		for j := range payload {
			payload[j] = byte(j*7 + i + seed)
		}
		p64 := base64.StdEncoding.EncodeToString(payload)
		switch kind {
		case "dsse":
			env := `{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\"` + p64 + `\",\"signatures\":[{\"sig\":\"AAAA\"}]}`
			fmt.Fprintf(&b, `{"kind":"dsse","apiVersion":"0.0.1","spec":{"proposedContent":{"envelope":"%s","verifiers":["AAAA"]}}}`, env)
		default:
			fmt.Fprintf(&b, `{"kind":"intoto","apiVersion":"0.0.2","spec":{"content":{"envelope":{"payloadType":"application/vnd.in-toto+json","payload":"%s","signatures":[{"sig":"AAAA","publicKey":"AAAA"}]}}}}`, p64)
		}
	}
	b.WriteByte(']')
	return b.Bytes()
}

// vmHWM reads a process's peak resident set size from /proc.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc to measure memory: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// TestHostileBodiesMemory sends 8 concurrent maximal hostile batches (about
// 100 MiB each; half declare their length, half are chunked) to a log
// server in a child process and checks the server's peak resident memory
// stays within memoryBound; those beyond the in-flight budget are
// answered 503. Run with -v for the figure; with
// PROVSCOPE_TEST_INFLIGHT=2000000000 (a budget that admits all 8) it
// shows what the budget prevents.
func TestHostileBodiesMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 800 MiB to a child process")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLogMemoryChildProcess$") //nolint:gosec // the test binary itself
	cmd.Env = append(os.Environ(), "PROVSCOPE_LOG_MEM_CHILD_DIR="+t.TempDir())
	if v := os.Getenv("PROVSCOPE_TEST_INFLIGHT"); v != "" { // to show the bound fails without the budget
		cmd.Env = append(cmd.Env, "PROVSCOPE_LOG_MEM_INFLIGHT="+v)
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	var url string
	for url == "" && sc.Scan() {
		url, _ = strings.CutPrefix(sc.Text(), "URL ")
	}
	if url == "" {
		t.Fatalf("child exited without a URL: %v", sc.Err())
	}
	base := vmHWM(t, cmd.Process.Pid)
	bodies := map[string][]byte{"dsse": hostileBatch("dsse", 1), "intoto": hostileBatch("intoto", 2)}
	if n := int64(len(bodies["dsse"])); n <= int64(maxBatch)*(DefaultMaxBodyBytes-1024) {
		t.Fatalf("hostile batch of %d bytes is not maximal", n)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	refused, processed := 0, 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kind := []string{"dsse", "intoto"}[i%2]
			for range 1 {
				var body io.Reader = bytes.NewReader(bodies[kind])
				if i%4 >= 2 {
					body = io.MultiReader(body) // no length: sent chunked
				}
				req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, url+batchPath, body)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					// Refused while still sending: the 503 came before the
					// body was written and the server closed the
					// connection, which the client may see as a write
					// error instead of the answer.
					mu.Lock()
					refused++
					mu.Unlock()
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusServiceUnavailable {
					mu.Lock()
					refused++
					mu.Unlock()
					continue
				}
				mu.Lock()
				processed++
				mu.Unlock()
				if resp.StatusCode != http.StatusMultiStatus || bytes.Contains(b, []byte(`"status":201`)) || bytes.Contains(b, []byte(`"status":5`)) {
					t.Errorf("client %d (%s): %d %.300s, want 207 refusing every item", i, kind, resp.StatusCode, b)
				}
				return
			}
		}()
	}
	wg.Wait()
	peak := vmHWM(t, cmd.Process.Pid)
	t.Logf("8 concurrent hostile batches of %.1f MiB: %d processed, %d refused (503); server peak RSS %.1f MiB (%.1f MiB before); bound %d MiB",
		float64(len(bodies["dsse"]))/(1<<20), processed, refused, float64(peak)/(1<<20), float64(base)/(1<<20), map[bool]int{false: memoryBound >> 20, true: 1 << 10}[raceEnabled])
	if processed == 0 {
		t.Errorf("none of the 8 hostile batches was processed: the figure measures nothing")
	}
	bound := int64(memoryBound)
	if raceEnabled {
		// The race detector's shadow memory makes RSS under -race 400–615
		// MiB for the same work (257 MiB without it); the documented bound
		// is checked by the plain run. Under -race the budget must still
		// hold well below what no budget costs: 3,540 MiB under -race
		// (PROVSCOPE_TEST_INFLIGHT=4294967296), 1,706 MiB without.
		bound = 1 << 30
	}
	if peak > bound {
		t.Errorf("server peak RSS %d MiB under 8 hostile batches, want at most %d MiB", peak>>20, bound>>20)
	}
}
