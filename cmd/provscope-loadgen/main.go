// Command provscope-loadgen benchmarks provscope's embedded transparency
// log over loopback: it runs the log as a child process (itself, with
// -serve) and drives it with valid, distinct, signed hashedrekord entries.
//
//	go run ./cmd/provscope-loadgen -size 100000
//
// Environment: BENCH_SIZE, BENCH_SINGLE, BENCH_READS, BENCH_DIR override the
// flags' defaults. See scripts/bench-log.sh.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"

	"github.com/provscope/provscope/internal/loadgen"
	"github.com/provscope/provscope/rekor/server"
)

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil && v > 0 {
		return v
	}
	return def
}

func main() {
	serve := flag.String("serve", "", "run only the log server on DIR (used by the benchmark itself)")
	size := flag.Int("size", envInt("BENCH_SIZE", 100_000), "entries to fill the log to")
	single := flag.Int("single", envInt("BENCH_SINGLE", 20_000), "entries posted one per request")
	reads := flag.Int("reads", envInt("BENCH_READS", 5_000), "requests per read phase")
	dir := flag.String("dir", os.Getenv("BENCH_DIR"), "data directory (default: a new temporary one, removed after)")
	flag.Parse()
	if *serve != "" {
		if err := runServer(*serve); err != nil {
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
	ctx := context.Background()
	err = loadgen.Bench(ctx, loadgen.BenchOptions{
		ServerCmd: func(d string) *exec.Cmd { return exec.CommandContext(ctx, self, "-serve", d) }, //nolint:gosec // our own binary
		DataDir:   *dir, Size: *size, Single: *single, Reads: *reads, Out: os.Stdout,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "provscope-loadgen:", err)
		os.Exit(1)
	}
}

func runServer(dir string) error {
	ctx := context.Background()
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
	fmt.Println("URL http://" + ln.Addr().String())
	return http.Serve(ln, l.Handler()) //nolint:gosec // loopback benchmark server
}
