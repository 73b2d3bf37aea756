package ui_test

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/fakebackend"
)

// bigLog is the fake world whose search matches n synthetic entries.
type bigLog struct {
	*fakebackend.Backend
	n int
}

func (b *bigLog) Search(context.Context, string) (ui.SearchResult, error) {
	return ui.SearchResult{UUIDs: fakebackend.SyntheticUUIDs(b.n)}, nil
}

func (b *bigLog) Entries(_ context.Context, uuids []string) ([]model.LogEntry, error) {
	out := make([]model.LogEntry, len(uuids))
	for i, u := range uuids {
		e, err := fakebackend.SyntheticEntry(u, b.n)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// BenchmarkKeypressFrame100k measures one key press → frame (Update, the
// selection it triggers, View) with 100,000 entries in the entries pane at
// 120×40, and the heap the explorer holds with them loaded. Targets: p99
// ≤16 ms, ≤150 MB.
func BenchmarkKeypressFrame100k(b *testing.B) {
	const n = 100_000
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	be := &bigLog{Backend: fakebackend.New(), n: n}
	c := ui.NewCommon(be, true, false)
	c.RefreshInterval = 0
	a := ui.New(c)
	run(b, a, a.Init())
	send(b, a, tea.WindowSizeMsg{Width: 120, Height: 40})
	send(b, a, keyMsg("/"))
	typeText(b, a, "*")
	send(b, a, keyMsg("enter"))
	if got := a.EntryCount(); got != n {
		b.Fatalf("loaded %d entries, want %d", got, n)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)

	// Each measured frame: the key press, the selection message it
	// returns, View. Page fetches (log I/O) run after, untimed, the way
	// they run on their own goroutines in the program.
	keys := []tea.KeyPressMsg{keyMsg("j"), keyMsg("j"), keyMsg("pgdown"), keyMsg("k"), keyMsg("G"), keyMsg("g"), keyMsg("pgdown")}
	durs := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		_, cmd := a.Update(keys[i%len(keys)])
		var later []tea.Cmd
		if cmd != nil {
			switch msg := cmd().(type) {
			case tea.BatchMsg:
				later = msg
			case nil:
			default:
				_, next := a.Update(msg)
				later = append(later, next)
			}
		}
		_ = a.View()
		durs = append(durs, time.Since(start))
		b.StopTimer()
		for _, c := range later {
			run(b, a, c)
		}
		b.StartTimer()
	}
	b.StopTimer()
	runtime.GC()
	var held runtime.MemStats
	runtime.ReadMemStats(&held)
	if held.HeapInuse > after.HeapInuse {
		after = held
	}
	slices.Sort(durs)
	pct := func(p float64) float64 {
		return float64(durs[min(int(float64(len(durs))*p), len(durs)-1)].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/(1<<20), "heap-MB")
	runtime.KeepAlive(a)
}
