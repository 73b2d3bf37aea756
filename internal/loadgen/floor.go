package loadgen

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"testing"
	"time"
)

// FloorOptions configures Floor.
type FloorOptions struct {
	// StorageFloor writes n synthetic entries into a new log database in
	// dir, perTx per transaction, calling slice after every `every`
	// entries (floor.StorageFloor; a parameter so that this package does
	// not import the server, whose tests import this package).
	StorageFloor func(ctx context.Context, dir string, n, perTx, bodyLen, every int, slice func(done int)) error
	// BatchAnswer is a real 207 answer of the log to a batch of
	// BatchEntries entries; the HTTP floor's server writes it back.
	BatchAnswer  []byte
	BatchEntries [][]byte
	Dir          string // for the storage floor's database
	Size         int    // entries the storage floor writes
	PerTx        int    // entries per storage transaction
	BodyLen      int    // stored body bytes per entry
	Out          io.Writer
}

// Floor measures, each on its own, the parts of a batched write that no
// implementation of the log on this machine can avoid, and prints what
// they allow together: the two ECDSA P-256 operations every entry needs
// (verifying the submitted signature, signing its SET), the log's storage
// with nothing else (floor.StorageFloor) and HTTP over loopback with a
// server that only splits the batch and writes back a canned answer (both
// processes' CPU: the load generator's client and the server). The sum is
// a lower bound on the CPU an entry costs: parsing, canonical bodies,
// Merkle tiles, checkpoints and answers all come on top.
func Floor(ctx context.Context, opts FloorOptions) error {
	out := opts.Out
	fmt.Fprintf(out, "floor of a batched write on %d CPUs (each part measured alone; the log does all of them and more)\n", cpus())

	verify, sign, err := ecdsaCosts()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "ECDSA P-256 (crypto/ecdsa): verify %.1f µs, sign %.1f µs per operation\n", us(verify), us(sign))

	httpCost, err := httpFloor(ctx, opts.BatchEntries, opts.BatchAnswer)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "HTTP over loopback, batches of %d at concurrency 8, a server that only splits the batch and writes back a %d-byte answer: %.1f µs CPU per entry (client and server)\n",
		len(opts.BatchEntries), len(opts.BatchAnswer), us(httpCost))

	every := max(opts.Size/10, opts.PerTx)
	var last time.Duration
	t0, c0, done0 := time.Now(), ProcessCPU(), 0
	err = opts.StorageFloor(ctx, opts.Dir, opts.Size, opts.PerTx, opts.BodyLen, every, func(done int) {
		n := done - done0
		last = (ProcessCPU() - c0) / time.Duration(n)
		fmt.Fprintf(out, "storage (SQLite, the log's schema), entries %d-%d, %d per transaction: %.1f µs CPU, %.1f µs wall per entry\n",
			done0, done, opts.PerTx, us(last), us(time.Since(t0)/time.Duration(n)))
		t0, c0, done0 = time.Now(), ProcessCPU(), done
	})
	if err != nil {
		return err
	}
	total := verify + sign + httpCost + last
	fmt.Fprintf(out, "floor per entry at %d entries: %.1f + %.1f + %.1f + %.1f = %.1f µs of CPU; %d CPUs allow at most %.0f entries/s with nothing else done\n",
		opts.Size, us(verify), us(sign), us(httpCost), us(last), us(total), cpus(), float64(cpus())*1e6/us(total))
	return nil
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

// ecdsaCosts benchmarks one P-256 verification and one signature of a
// SHA-256 digest.
func ecdsaCosts() (verify, sign time.Duration, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return 0, 0, fmt.Errorf("generating key: %w", err)
	}
	digest := sha256.Sum256([]byte("provscope floor"))
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		return 0, 0, fmt.Errorf("signing: %w", err)
	}
	var bad bool
	v := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			if !ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig) {
				bad = true
			}
		}
	})
	if bad {
		return 0, 0, errors.New("ecdsa floor: a valid signature did not verify")
	}
	s := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			if _, err := ecdsa.SignASN1(rand.Reader, key, digest[:]); err != nil {
				bad = true
			}
		}
	})
	if bad {
		return 0, 0, errors.New("ecdsa floor: signing failed")
	}
	return time.Duration(v.NsPerOp()), time.Duration(s.NsPerOp()), nil
}

// httpFloor serves batches on a loopback port with a handler that reads
// the body, splits it into its items and writes answer, posts 200 batches
// from 8 concurrent posters, and returns this process's CPU per entry.
func httpFloor(ctx context.Context, batch [][]byte, answer []byte) (time.Duration, error) {
	if len(batch) == 0 {
		return 0, errors.New("http floor: no batch")
	}
	lis, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("http floor: %w", err)
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		var items []json.RawMessage
		if err == nil {
			err = json.Unmarshal(b, &items)
		}
		if err != nil || len(items) != len(batch) {
			http.Error(w, fmt.Sprintf("http floor: %d items, %v", len(items), err), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusMultiStatus)
		_, _ = w.Write(answer)
	})}
	go func() { _ = srv.Serve(lis) }()
	defer srv.Close()
	const batches = 200
	entries := make([][]byte, 0, batches*len(batch))
	for range batches {
		entries = append(entries, batch...)
	}
	c := NewClient("http://"+lis.Addr().String(), 8)
	cpu0 := ProcessCPU()
	tp, err := c.PostAllBatched(ctx, entries, len(batch), 8)
	if err != nil {
		return 0, fmt.Errorf("http floor: %w", err)
	}
	return (ProcessCPU() - cpu0) / time.Duration(tp.Entries), nil
}

func cpus() int { return runtime.NumCPU() }
