package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// BenchOptions configures Bench.
type BenchOptions struct {
	// ServerCmd starts the log server as a child process; it must print a
	// line "URL <base url>" once listening and serve the log in DataDir.
	ServerCmd func(dataDir string) *exec.Cmd
	DataDir   string
	Size      int // entries to reach
	Single    int // entries posted one per request (part of Size)
	Reads     int // requests per read phase
	// ReadConcurrency lists the numbers of concurrent clients each read
	// phase runs with (default 1 and 8): one client shows a read's own
	// latency, eight the latency when reads queue for the two cores.
	ReadConcurrency []int
	// BatchConcurrency is the number of concurrent batch clients (default 4).
	BatchConcurrency int
	Out              io.Writer
}

// Bench starts the server, fills the log to opts.Size entries (first
// opts.Single with single POSTs at concurrency 8, the rest in batches of
// 100), measures read latency, storage and idle RSS, and prints figures.
func Bench(ctx context.Context, opts BenchOptions) error {
	out := opts.Out
	if opts.BatchConcurrency < 1 {
		opts.BatchConcurrency = 4
	}
	var rows []row
	load0 := loadAvg()
	defer func() {
		if len(rows) > 0 {
			printTable(out, rows, load0, loadAvg())
		}
	}()
	cmd, url, err := startServer(opts.ServerCmd(opts.DataDir))
	if err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	c := NewClient(url, 16)
	start, err := c.TreeSize(ctx)
	if err != nil {
		return err
	}
	g, err := NewGenerator(fmt.Sprintf("bench-%d", time.Now().UnixNano()))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "server pid %d at %s, data %s, starting size %d, target %d\n", cmd.Process.Pid, url, opts.DataDir, start, opts.Size)

	next := 0
	if need := min(opts.Single, opts.Size-int(start)); need > 0 {
		es, err := g.Entries(0, need)
		if err != nil {
			return err
		}
		next = need
		cpu0, self0 := cpuOf(cmd.Process.Pid), ProcessCPU()
		var tp Throughput
		err = onOneProc(func() (err error) { tp, err = c.PostAll(ctx, es, 8); return err })
		if err != nil {
			return fmt.Errorf("single posts: %w", err)
		}
		cost := writeCost{server: cpuOf(cmd.Process.Pid) - cpu0, client: ProcessCPU() - self0, n: tp.Entries}
		fmt.Fprintf(out, "write, single POST, concurrency 8: %d entries in %.2fs = %.0f entries/s; %s\n",
			tp.Entries, tp.Duration.Seconds(), tp.PerSecond(), cost)
		rows = append(rows, row{"write: single POSTs, concurrency 8", fmt.Sprintf("%.0f entries/s", tp.PerSecond()), ">= 3,000 entries/s"})
		rows = append(rows, cost.rows()...)
	}
	size, err := c.TreeSize(ctx)
	if err != nil {
		return err
	}
	var batched Throughput
	var genTime, batchCPU, batchSelf time.Duration
	for int(size)+batched.Entries < opts.Size {
		n := min(50000, opts.Size-int(size)-batched.Entries)
		t0 := time.Now()
		es, err := g.Entries(next, next+n)
		if err != nil {
			return err
		}
		genTime += time.Since(t0)
		next += n
		cpu0, self0 := cpuOf(cmd.Process.Pid), ProcessCPU()
		var tp Throughput
		err = onOneProc(func() (err error) { tp, err = c.PostAllBatched(ctx, es, 100, opts.BatchConcurrency); return err })
		if err != nil {
			return fmt.Errorf("batched posts: %w", err)
		}
		batchCPU += cpuOf(cmd.Process.Pid) - cpu0
		batchSelf += ProcessCPU() - self0
		batched.Entries += tp.Entries
		batched.Duration += tp.Duration
		fmt.Fprintf(os.Stderr, "  ... %d entries\n", int(size)+batched.Entries)
	}
	if batched.Entries > 0 {
		cost := writeCost{server: batchCPU, client: batchSelf, n: batched.Entries}
		fmt.Fprintf(out, "write, batches of 100, concurrency %d: %d entries in %.2fs = %.0f entries/s; %s; entry generation (%.1fs) not counted\n",
			opts.BatchConcurrency, batched.Entries, batched.Duration.Seconds(), batched.PerSecond(), cost, genTime.Seconds())
		rows = append(rows, row{fmt.Sprintf("write: batches of 100, concurrency %d", opts.BatchConcurrency), fmt.Sprintf("%.0f entries/s", batched.PerSecond()), ">= 10,000 entries/s"})
		rows = append(rows, cost.rows()...)
	}
	size, err = c.TreeSize(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "tree size %d\n", size)

	// Reads over entries this run wrote (their digests are known).
	written := next
	if written == 0 {
		return fmt.Errorf("nothing written this run: raise BENCH_SIZE above the current size %d", size)
	}
	pick := make([]int, opts.Reads)
	for i := range pick {
		pick[i] = rand.IntN(written) //nolint:gosec // sampling, not security
	}
	concurrencies := opts.ReadConcurrency
	if len(concurrencies) == 0 {
		concurrencies = []int{1, 8}
	}
	for _, conc := range concurrencies {
		results, err := ReadPhases(ctx, c, g, pick, size, conc, func() time.Duration { return cpuOf(cmd.Process.Pid) })
		if err != nil {
			return err
		}
		for _, r := range results {
			fmt.Fprintln(out, r.String(size))
			clients := map[bool]string{true: "1 client", false: fmt.Sprintf("%d clients", conc)}[conc == 1]
			rows = append(rows, latRow(r.What+", "+clients, r.Latency, size), row{"  server CPU per read", fmt.Sprintf("%.0f µs", r.ServerCPU), ""})
		}
	}

	time.Sleep(15 * time.Second)
	rss, err := rssOf(cmd.Process.Pid)
	if err != nil {
		fmt.Fprintf(out, "idle RSS: unavailable (%v)\n", err)
	} else {
		fmt.Fprintf(out, "idle RSS of the server after load (15s idle): %.1f MB\n", float64(rss)/1e6)
		rows = append(rows, row{"idle RSS after load (15 s idle)", fmt.Sprintf("%.1f MB", float64(rss)/1e6), "<= 100 MB"})
	}
	stopServer(cmd)
	bytes, err := dirSize(opts.DataDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "storage: %d bytes for %d entries = %.3f GB per 1M entries (measured at %d entries%s)\n",
		bytes, size, float64(bytes)/float64(size)*1e6/1e9, size, map[bool]string{true: "", false: ", extrapolated linearly"}[size >= 1_000_000])
	rows = append(rows, row{"storage per 1M entries", fmt.Sprintf("%.3f GB", float64(bytes)/float64(size)*1e6/1e9), "<= 0.6 GB"})

	t0 := time.Now()
	cmd2, _, err := startServer(opts.ServerCmd(opts.DataDir))
	if err != nil {
		return fmt.Errorf("restarting: %w", err)
	}
	fmt.Fprintf(out, "restart with full integrity check at %d entries: %.2fs\n", size, time.Since(t0).Seconds())
	rows = append(rows, row{fmt.Sprintf("restart with integrity check (%d entries)", size), fmt.Sprintf("%.2f s", time.Since(t0).Seconds()), ""})
	_ = cmd2.Process.Kill()
	_ = cmd2.Wait()
	return nil
}

// onOneProc runs f, a write phase, with GOMAXPROCS 1 in this process. Its
// HTTP clients mostly wait on the network; with a second P the Go
// scheduler spins looking for work on every wake-up (about 40 µs of CPU
// per single POST measured) on the cores the server needs. Reads keep
// every P, so that the latencies they measure include no queueing in the
// client.
func onOneProc(f func() error) error {
	procs := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(procs)
	return f()
}

// writeCost is the CPU a write phase took in the server and in the load
// generator (HTTP client, JSON; entries are signed before the phase).
type writeCost struct {
	server, client time.Duration
	n              int
}

// ceiling is the rate at which the server and the load generator together
// need every CPU of the machine: no run on it can write faster at these
// costs per entry.
func (c writeCost) ceiling() float64 {
	return float64(runtime.NumCPU()) * 1e6 / (perEntry(c.server, c.n) + perEntry(c.client, c.n))
}

func (c writeCost) String() string {
	return fmt.Sprintf("server CPU %.0f µs/entry, load generator CPU %.0f µs/entry: %d CPUs allow at most %d × 10^6 / (%.0f + %.0f) = %.0f entries/s",
		perEntry(c.server, c.n), perEntry(c.client, c.n), runtime.NumCPU(), runtime.NumCPU(), perEntry(c.server, c.n), perEntry(c.client, c.n), c.ceiling())
}

func (c writeCost) rows() []row {
	return []row{
		{"  server CPU per entry", fmt.Sprintf("%.0f µs", perEntry(c.server, c.n)), ""},
		{"  load generator CPU per entry", fmt.Sprintf("%.0f µs", perEntry(c.client, c.n)), ""},
		{fmt.Sprintf("  CPU ceiling: %d × 10^6 µs/s ÷ (server + generator)", runtime.NumCPU()), fmt.Sprintf("%.0f entries/s", c.ceiling()), ""},
	}
}

// row is one line of the summary table.
type row struct{ metric, value, target string }

func latRow(what string, l Latency, size int64) row {
	return row{
		fmt.Sprintf("read: %s p50 / p99 (%d entries)", what, size),
		fmt.Sprintf("%.2f / %.2f ms", float64(l.P50.Microseconds())/1000, float64(l.P99.Microseconds())/1000),
		"p99 <= 5 ms",
	}
}

// printTable prints the figures as a table, with the machine load before
// and after (other processes share the CPUs and inflate the figures).
func printTable(out io.Writer, rows []row, load0, load1 string) {
	fmt.Fprintf(out, "\nsummary (%d CPUs; load average %s before, %s after):\n\n", runtime.NumCPU(), load0, load1)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "metric\tmeasured\ttarget (issue 3)")
	fmt.Fprintln(tw, "------\t--------\t----------------")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.metric, r.value, r.target)
	}
	_ = tw.Flush()
}

// loadAvg returns the 1-minute load average from /proc/loadavg, or "?".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

func startServer(cmd *exec.Cmd) (*exec.Cmd, string, error) {
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", fmt.Errorf("starting server: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("starting server: %w", err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "URL "); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return cmd, u, nil
		}
	}
	_ = cmd.Wait()
	return nil, "", fmt.Errorf("server exited before printing its URL")
}

// stopServer asks the server to stop (SIGTERM: it closes the log and
// finishes its CPU profile) and kills it after 10 s.
func stopServer(cmd *exec.Cmd) {
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	if err := cmd.Process.Signal(syscall.SIGTERM); err == nil {
		select {
		case <-done:
			return
		case <-time.After(10 * time.Second):
		}
	}
	_ = cmd.Process.Kill()
	<-done
}

func perEntry(d time.Duration, n int) float64 { return float64(d.Microseconds()) / float64(max(n, 1)) }

// cpuOf returns the user+system CPU time of process pid from /proc (0 when
// unavailable).
func cpuOf(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the ")" closing the command name: state is field 3,
	// utime 14 and stime 15 (1-based), in clock ticks (100 per second).
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}

// rssOf reads VmRSS from /proc.
func rssOf(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("reading process status: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parsing VmRSS %q: %w", v, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

func dirSize(dir string) (int64, error) {
	var total int64
	err := filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !info.IsDir() {
			total += info.Size()
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("measuring %s: %w", dir, err)
	}
	return total, nil
}

// ReadResult is one read phase's outcome.
type ReadResult struct {
	What        string  // "search by hash", "get by UUID", "get by index"
	Concurrency int     // concurrent clients
	Latency     Latency // per request
	ServerCPU   float64 // µs of server CPU per read; 0 when not measured
}

// String is the result's line of the benchmark output.
func (r ReadResult) String(size int64) string {
	s := fmt.Sprintf("read, %s, concurrency %d, %d requests at %d entries: p50 %.2f ms, p99 %.2f ms",
		r.What, r.Concurrency, r.Latency.N, size, float64(r.Latency.P50.Microseconds())/1000, float64(r.Latency.P99.Microseconds())/1000)
	if r.ServerCPU > 0 {
		s += fmt.Sprintf("; server CPU %.0f µs/read", r.ServerCPU)
	}
	return s
}

// ReadPhases measures the three read phases (search by hash, get by UUID,
// get by index) with conc concurrent clients: one request per element of
// pick, the generator's artifact numbers (entries g wrote to the log), and
// get by index over [0, size). serverCPU, when not nil, reads the server's
// CPU time, giving each phase's CPU per read.
func ReadPhases(ctx context.Context, c *Client, g *Generator, pick []int, size int64, conc int, serverCPU func() time.Duration) ([]ReadResult, error) {
	var results []ReadResult
	read := func(what string, op func(ctx context.Context, i int) error) error {
		var cpu0 time.Duration
		if serverCPU != nil {
			cpu0 = serverCPU()
		}
		lat, err := Measure(ctx, len(pick), conc, op)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		r := ReadResult{What: what, Concurrency: conc, Latency: lat}
		if serverCPU != nil {
			r.ServerCPU = perEntry(serverCPU()-cpu0, len(pick))
		}
		results = append(results, r)
		return nil
	}
	ids := make([]string, len(pick))
	err := read("search by hash", func(ctx context.Context, i int) error {
		got, err := c.SearchHash(ctx, g.Digest(pick[i]))
		if err != nil {
			return err
		}
		if len(got) != 1 {
			return fmt.Errorf("search for artifact %d: got %d ids, want 1", pick[i], len(got))
		}
		ids[i] = got[0]
		return nil
	})
	if err == nil {
		err = read("get by UUID", func(ctx context.Context, i int) error { return c.GetByUUID(ctx, ids[i]) })
	}
	if err == nil {
		err = read("get by index", func(ctx context.Context, _ int) error {
			return c.GetByIndex(ctx, rand.Int64N(size)) //nolint:gosec // sampling
		})
	}
	return results, err
}
