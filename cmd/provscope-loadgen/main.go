// Command provscope-loadgen benchmarks provscope's embedded transparency
// log over loopback: it runs the log as a child process (itself, with
// -serve) and drives it with valid, distinct, signed hashedrekord entries.
//
//	go run ./cmd/provscope-loadgen -size 100000
//
// Environment: BENCH_SIZE, BENCH_SINGLE, BENCH_READS,
// BENCH_BATCH_CONCURRENCY, BENCH_DIR and BENCH_CPUPROFILE override the
// flags' defaults. See scripts/bench-log.sh.
//
// With -floor it measures instead, each alone, what a batched write cannot
// avoid on this machine (loadgen.Floor): the two ECDSA operations, HTTP
// over loopback and the log's storage filled to -size entries
// (make bench-floor).
//
// With -cpuprofile FILE the log server (not the load generator) writes a
// CPU profile of the write and read phases to FILE, for
// `go tool pprof -top FILE`.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/provscope/provscope/internal/loadgen"
	"github.com/provscope/provscope/internal/loadgen/floor"
	"github.com/provscope/provscope/rekor/server"
)

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil && v > 0 {
		return v
	}
	return def
}

func envString(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func main() {
	serve := flag.String("serve", "", "run only the log server on DIR (used by the benchmark itself)")
	size := flag.Int("size", envInt("BENCH_SIZE", 100_000), "entries to fill the log to")
	single := flag.Int("single", envInt("BENCH_SINGLE", 20_000), "entries posted one per request")
	batchConc := flag.Int("batch-concurrency", envInt("BENCH_BATCH_CONCURRENCY", 4), "concurrent clients posting batches of 100")
	reads := flag.Int("reads", envInt("BENCH_READS", 5_000), "requests per read phase")
	readConc := flag.String("read-concurrency", envString("BENCH_READ_CONCURRENCY", "1,8"), "comma-separated numbers of concurrent clients for the read phases")
	dir := flag.String("dir", os.Getenv("BENCH_DIR"), "data directory (default: a new temporary one, removed after)")
	floor := flag.Bool("floor", false, "measure the floor of a batched write instead (ECDSA, HTTP and storage alone, storage filled to -size entries) and exit")
	floorTx := flag.Int("floor-tx", 800, "entries per storage transaction in -floor (800: every entry 8 batch clients can have in flight)")
	profile := flag.String("cpuprofile", "", "write the log server's CPU profile (write and read phases) to this file (default $BENCH_CPUPROFILE)")
	flag.Parse()
	var concurrencies []int
	for _, f := range strings.Split(*readConc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "provscope-loadgen: -read-concurrency %q: want positive integers separated by commas\n", *readConc)
			os.Exit(2)
		}
		concurrencies = append(concurrencies, n)
	}
	if *serve != "" {
		if err := runServer(*serve, *profile); err != nil {
			fmt.Fprintln(os.Stderr, "provscope-loadgen:", err)
			os.Exit(1)
		}
		return
	}
	if *floor {
		if err := runFloor(*size, *floorTx); err != nil {
			fmt.Fprintln(os.Stderr, "provscope-loadgen:", err)
			os.Exit(1)
		}
		return
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "provscope-bench-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "provscope-loadgen:", err)
			os.Exit(1)
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "provscope-loadgen:", err)
		os.Exit(1)
	}
	if *profile == "" {
		*profile = os.Getenv("BENCH_CPUPROFILE") // not the flag default: the server child must not inherit it
	}
	ctx := context.Background()
	started := 0
	err = loadgen.Bench(ctx, loadgen.BenchOptions{
		ServerCmd: func(d string) *exec.Cmd {
			started++
			args := []string{"-serve", d}
			if *profile != "" && started == 1 { // the loaded server, not the restart
				args = append(args, "-cpuprofile", *profile)
			}
			return exec.CommandContext(ctx, self, args...) //nolint:gosec // our own binary
		},
		DataDir: *dir, Size: *size, Single: *single, Reads: *reads, ReadConcurrency: concurrencies, BatchConcurrency: *batchConc, Out: os.Stdout,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "provscope-loadgen:", err)
		os.Exit(1)
	}
}

// runServer serves the log in dir on a loopback port until SIGTERM or
// SIGINT, writing a CPU profile to profile when it is not "".
func runServer(dir, profile string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if profile != "" {
		f, err := os.Create(profile) //nolint:gosec // operator-chosen profile path
		if err != nil {
			return fmt.Errorf("creating cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("starting cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	l, err := server.Open(ctx, server.Config{Dir: dir})
	if err != nil {
		return err
	}
	defer l.Close()
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: l.Handler(), ReadHeaderTimeout: time.Minute}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	fmt.Println("URL http://" + ln.Addr().String())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// runFloor prints the floor of a batched write (loadgen.Floor): it takes a
// real 207 answer from the log for one batch of 100, then measures ECDSA,
// HTTP and storage alone, the storage filled to size entries.
func runFloor(size, perTx int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "provscope-floor-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	g, err := loadgen.NewGenerator(fmt.Sprintf("floor-%d", time.Now().UnixNano()))
	if err != nil {
		return err
	}
	batch, err := g.Entries(0, 100)
	if err != nil {
		return err
	}
	answer, err := realBatchAnswer(ctx, dir+"/log", batch)
	if err != nil {
		return err
	}
	return loadgen.Floor(ctx, loadgen.FloorOptions{
		StorageFloor: floor.StorageFloor, BatchAnswer: answer, BatchEntries: batch,
		Dir: dir + "/floor", Size: size, PerTx: perTx, BodyLen: 200, Out: os.Stdout,
	})
}

// realBatchAnswer returns the log's 207 answer to batch on a new log in dir.
func realBatchAnswer(ctx context.Context, dir string, batch [][]byte) ([]byte, error) {
	l, err := server.Open(ctx, server.Config{Dir: dir})
	if err != nil {
		return nil, err
	}
	defer l.Close()
	body := append([]byte{'['}, bytes.Join(batch, []byte{','})...)
	body = append(body, ']')
	rec := httptest.NewRecorder()
	l.Handler().ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodPost, "/api/v1/log/entries/batch", bytes.NewReader(body)))
	if rec.Code != http.StatusMultiStatus {
		return nil, fmt.Errorf("posting a batch to a new log: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.Bytes(), nil
}
