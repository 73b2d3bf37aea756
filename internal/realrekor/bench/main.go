// Command bench measures a real rekor-server (v1.5.4 on Trillian, started by
// scripts/real-rekor.sh) with provscope's load generator (internal/loadgen),
// so that its figures can be set beside those of provscope's embedded log
// (cmd/provscope-loadgen, scripts/bench-log.sh). See docs/real-rekor.md.
//
//	scripts/real-rekor.sh start /tmp/rr
//	go run ./internal/realrekor/bench -dir /tmp/rr -single 2000 -size 20000
//
// Phases: single POSTs at concurrency 8 (Rekor v1 has no batch endpoint), a
// fill to -size at -fill-concurrency (measured too), then p50/p99 of search
// by hash, get by UUID and get by index at concurrency 8. Before and after,
// it reads `scripts/real-rekor.sh stats DIR` (tree size, RSS of the four
// processes, database bytes, CPU ticks) for storage per entry, server CPU
// per entry and RSS. Only loopback URLs are accepted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/provscope/provscope/internal/loadgen"
)

func main() {
	dir := flag.String("dir", "", "the DIR given to scripts/real-rekor.sh start (required)")
	script := flag.String("script", "scripts/real-rekor.sh", "path of real-rekor.sh (its stats command is read)")
	single := flag.Int("single", 2000, "entries posted one per request at concurrency 8 (measured)")
	size := flag.Int("size", 20000, "tree size to fill to after the single phase")
	fillConc := flag.Int("fill-concurrency", 64, "concurrency of the fill phase")
	reads := flag.Int("reads", 2000, "requests per read phase")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "bench: -dir is required (the DIR of scripts/real-rekor.sh start DIR)")
		os.Exit(2)
	}
	if err := run(context.Background(), *script, *dir, *single, *size, *fillConc, *reads); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// stats is one `real-rekor.sh stats` line as key=value pairs.
type stats map[string]string

func (s stats) int(k string) int64 {
	n, _ := strconv.ParseInt(s[k], 10, 64)
	return n
}

func readStats(ctx context.Context, script, dir string) (stats, error) {
	out, err := exec.CommandContext(ctx, script, "stats", dir).Output() //nolint:gosec // our own script
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("reading stats: %w: %s", err, ee.Stderr)
		}
		return nil, fmt.Errorf("reading stats: %w", err)
	}
	s := stats{}
	for _, kv := range strings.Fields(string(out)) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			s[k] = v
		}
	}
	if _, ok := s["tree_size"]; !ok {
		return nil, fmt.Errorf("reading stats: no tree_size in %q", out)
	}
	return s, nil
}

func envURL(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "env")) //nolint:gosec // G304: the user names the stack directory
	if err != nil {
		return "", fmt.Errorf("reading the stack's env file (run scripts/real-rekor.sh start %s): %w", dir, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if u, ok := strings.CutPrefix(line, "REKOR_URL="); ok {
			if !strings.HasPrefix(u, "http://127.0.0.1:") {
				return "", fmt.Errorf("REKOR_URL %q: want http://127.0.0.1:PORT", u)
			}
			return u, nil
		}
	}
	return "", fmt.Errorf("no REKOR_URL in %s/env", dir)
}

func run(ctx context.Context, script, dir string, single, size, fillConc, reads int) error {
	url, err := envURL(dir)
	if err != nil {
		return err
	}
	s0, err := readStats(ctx, script, dir)
	if err != nil {
		return err
	}
	fmt.Printf("real rekor-server at %s, %d CPUs, %s\n", url, runtime.NumCPU(), time.Now().UTC().Format(time.RFC3339))
	fmt.Printf("before: %s\n", line(s0))
	g, err := loadgen.NewGenerator(fmt.Sprintf("real-rekor-bench-%d", time.Now().UnixNano()))
	if err != nil {
		return err
	}
	c := loadgen.NewClient(url, max(8, fillConc))
	next := 0
	post := func(n, conc int, what string) error {
		if n <= 0 {
			return nil
		}
		es, err := g.Entries(next, next+n)
		if err != nil {
			return err
		}
		next += n
		a, err := readStats(ctx, script, dir)
		if err != nil {
			return err
		}
		tp, err := c.PostAll(ctx, es, conc)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		b, err := readStats(ctx, script, dir)
		if err != nil {
			return err
		}
		cpu := float64(b.int("cpu_ticks_total")-a.int("cpu_ticks_total")) * 10_000 / float64(n) // µs per entry at 100 ticks/s
		fmt.Printf("write, %s, single POST, concurrency %d: %d entries in %.1fs = %.1f entries/s; server CPU (rekor+trillian+mysqld) %.0f µs/entry; load %s\n",
			what, conc, tp.Entries, tp.Duration.Seconds(), tp.PerSecond(), cpu, b["loadavg"])
		return nil
	}
	if err := post(single, 8, "measured"); err != nil {
		return err
	}
	s1, err := readStats(ctx, script, dir)
	if err != nil {
		return err
	}
	if err := post(size-int(s1.int("tree_size")), fillConc, "fill"); err != nil {
		return err
	}
	s2, err := readStats(ctx, script, dir)
	if err != nil {
		return err
	}
	treeSize := s2.int("tree_size")
	if next == 0 {
		return fmt.Errorf("nothing written this run: raise -single or -size above the current size %d", treeSize)
	}

	pick := make([]int, reads)
	for i := range pick {
		pick[i] = rand.IntN(next) //nolint:gosec // sampling, not security
	}
	results, err := loadgen.ReadPhases(ctx, c, g, pick, treeSize, 8, nil)
	for _, r := range results {
		fmt.Println(r.String(treeSize))
	}
	if err != nil {
		return err
	}

	time.Sleep(15 * time.Second)
	s3, err := readStats(ctx, script, dir)
	if err != nil {
		return err
	}
	fmt.Printf("after (15 s idle): %s\n", line(s3))
	grown := s3.int("tree_size") - s0.int("tree_size")
	fmt.Printf("idle RSS after load: rekor-server %.1f MB, trillian_log_server %.1f MB, trillian_log_signer %.1f MB, mariadbd %.1f MB; total %.1f MB\n",
		mb(s3, "rss_kb_rekor-server"), mb(s3, "rss_kb_trillian_log_server"), mb(s3, "rss_kb_trillian_log_signer"), mb(s3, "rss_kb_mysqld"), mb(s3, "rss_kb_total"))
	if grown > 0 {
		per := func(k string) float64 { return float64(s3.int(k)-s0.int(k)) / float64(grown) }
		fmt.Printf("storage growth for %d entries: trillian DB %.0f B/entry, rekor index DB %.0f B/entry, whole datadir %.0f B/entry (= %.3f GB per 1M entries)\n",
			grown, per("bytes_trillian"), per("bytes_rekor_index"), per("bytes_datadir"), per("bytes_datadir")*1e6/1e9)
	}
	fmt.Printf("absolute: datadir %d bytes for %d entries (%.0f B/entry including MariaDB's fixed files)\n",
		s3.int("bytes_datadir"), s3.int("tree_size"), float64(s3.int("bytes_datadir"))/float64(max(1, s3.int("tree_size"))))
	return nil
}

func mb(s stats, k string) float64 { return float64(s.int(k)) / 1000 }

func line(s stats) string {
	return fmt.Sprintf("tree size %s, RSS total %.1f MB, datadir %s bytes, load %s", s["tree_size"], mb(s, "rss_kb_total"), s["bytes_datadir"], s["loadavg"])
}
