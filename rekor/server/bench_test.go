package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/provscope/provscope/internal/loadgen"
)

// BenchmarkBatchPost measures batched writes through the HTTP handler
// (without a network hop): entries/s and server CPU per entry.
func BenchmarkBatchPost(b *testing.B) {
	l, err := Open(context.Background(), Config{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	h := l.Handler()
	g, err := loadgen.NewGenerator(b.Name())
	if err != nil {
		b.Fatal(err)
	}
	n := b.N * 100
	es, err := g.Entries(0, n)
	if err != nil {
		b.Fatal(err)
	}
	cpu0 := loadgen.ProcessCPU()
	b.ResetTimer()
	for i := 0; i < n; i += 100 {
		body := append([]byte{'['}, bytes.Join(es[i:i+100], []byte{','})...)
		body = append(body, ']')
		req := httptest.NewRequest(http.MethodPost, "/api/v1/log/entries/batch", bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusMultiStatus {
			b.Fatalf("batch: %d %s", rec.Code, rec.Body)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "entries/s")
	b.ReportMetric(float64((loadgen.ProcessCPU()-cpu0).Microseconds())/float64(n), "cpu-µs/entry")
}

// BenchmarkSinglePost measures one-entry POSTs from 8 concurrent clients
// over loopback HTTP.
func BenchmarkSinglePost(b *testing.B) {
	l, err := Open(context.Background(), Config{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	srv := httptest.NewServer(l.Handler())
	defer srv.Close()
	g, err := loadgen.NewGenerator(b.Name())
	if err != nil {
		b.Fatal(err)
	}
	es, err := g.Entries(0, b.N)
	if err != nil {
		b.Fatal(err)
	}
	c := loadgen.NewClient(srv.URL, 8)
	cpu0 := loadgen.ProcessCPU()
	b.ResetTimer()
	tp, err := c.PostAll(context.Background(), es, 8)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(tp.PerSecond(), "entries/s")
	b.ReportMetric(float64((loadgen.ProcessCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/entry(client+server)")
	b.ReportMetric(float64(b.N)/float64(l.commits.Load()), "entries/commit")
}

// BenchmarkGetByIndex measures GET /api/v1/log/entries?logIndex=N through
// the HTTP handler (without a network hop) on a log of 5,000 entries,
// with as many concurrent readers as CPUs.
func BenchmarkGetByIndex(b *testing.B) {
	l, err := Open(context.Background(), Config{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	h := l.Handler()
	g, err := loadgen.NewGenerator(b.Name())
	if err != nil {
		b.Fatal(err)
	}
	const size = 5000
	es, err := g.Entries(0, size)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < size; i += 100 {
		body := append([]byte{'['}, bytes.Join(es[i:i+100], []byte{','})...)
		body = append(body, ']')
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/v1/log/entries/batch", bytes.NewReader(body)))
		if rec.Code != http.StatusMultiStatus {
			b.Fatalf("batch: %d %s", rec.Code, rec.Body)
		}
	}
	cpu0 := loadgen.ProcessCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/v1/log/entries?logIndex=%d", (i*7919)%size), nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("get: %d %s", rec.Code, rec.Body)
			}
		}
	})
	b.ReportMetric(float64((loadgen.ProcessCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/read")
}
