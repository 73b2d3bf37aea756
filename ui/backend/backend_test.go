package backend_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	// Registers -update, so `go test ./ui/... -update` (make golden) runs
	// here too.
	_ "github.com/charmbracelet/x/exp/golden"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/backend"
)

// TestBackendOnDemoWorld reads the demo world (registry and log on
// loopback) through the adapter: listings, attachments, entries, searches,
// paging and verification.
func TestBackendOnDemoWorld(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the demo world")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w, err := demo.Start(ctx, demo.Options{})
	if err != nil {
		t.Fatalf("starting the demo world: %v", err)
	}
	defer w.Close()
	tr, err := os.ReadFile(w.TrustedRootPath)
	if err != nil {
		t.Fatal(err)
	}
	b, err := backend.Open(ctx, backend.Config{
		RegistryHost: w.RegistryHost,
		Log:          logs.Log{Name: "demo", URL: w.LogURL, Kind: logs.KindRekorV1},
		KeyPEM:       w.LogPublicKeyPEM, Policy: inspect.Policy{TrustedRoot: tr},
	})
	if err != nil {
		t.Fatal(err)
	}
	var _ ui.Backend = b

	repos, err := b.Repositories(ctx)
	if err != nil || len(repos) < 5 {
		t.Fatalf("Repositories() = %d repos, %v; want at least 5", len(repos), err)
	}
	tags, err := b.Tags(ctx, "demo/web")
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range tags {
		if strings.HasSuffix(tg.Name, ".sig") || strings.HasSuffix(tg.Name, ".att") {
			t.Errorf("Tags lists cosign's attachment tag %q", tg.Name)
		}
	}
	img, atts, err := b.Image(ctx, "demo/web:v1.2.0")
	if err != nil || len(atts) == 0 {
		t.Fatalf("Image(demo/web:v1.2.0) = %d attachments, %v", len(atts), err)
	}
	es, err := b.EntriesFor(ctx, img, atts)
	if err != nil || len(es) == 0 {
		t.Fatalf("EntriesFor = %d entries, %v", len(es), err)
	}
	li, err := b.LogInfo(ctx)
	if err != nil || li.TreeSize < 1 {
		t.Fatalf("LogInfo() = %+v, %v", li, err)
	}

	// Every way to search finds the entry.
	e := es[0]
	for _, q := range []string{"0", e.UUID, e.UUID[len(e.UUID)-64:]} {
		r, err := b.Search(ctx, q)
		if err != nil || len(r.UUIDs) == 0 || r.Note != "" {
			t.Errorf("Search(%q) = %+v, %v", q, r, err)
		}
	}
	if _, err := b.Search(ctx, "999999"); err == nil {
		t.Error("Search of a log index beyond the log: no error")
	}
	// Entries come back in the order asked, whatever form of ID.
	all := make([]string, 0, li.TreeSize)
	for i := li.TreeSize - 1; i >= 0; i-- {
		u, err := b.Search(ctx, itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, u.UUIDs...)
	}
	got, err := b.Entries(ctx, all)
	if err != nil || len(got) != len(all) {
		t.Fatalf("Entries(%d) = %d, %v", len(all), len(got), err)
	}
	idx := make([]int64, len(got))
	for i, g := range got {
		idx[i] = g.LogIndex
	}
	if !slices.IsSortedFunc(idx, func(a, b int64) int { return int(b - a) }) {
		t.Errorf("Entries out of order: %v", idx)
	}
	if li.TreeSize > 1 {
		if _, err := b.ConsistencyProof(ctx, 1, li.TreeSize); err != nil {
			t.Errorf("ConsistencyProof: %v", err)
		}
	}

	// Verification, streamed. No signer is pinned: intact and logged is
	// unpinned, never verified.
	var steps int
	res, err := b.Verify(ctx, ui.Subject{Ref: "demo/web:v1.2.0"}, func(model.Step) { steps++ })
	if err != nil || res.Verdict() != model.VerdictUnpinned || steps == 0 {
		t.Errorf("Verify(web) = %v (%s), %v, %d steps streamed", res.Verdict(), res.Reason(), err, steps)
	}
	res, err = b.Verify(ctx, ui.Subject{Entry: &e}, nil)
	if err != nil || res.Verdict() != model.VerdictVerified {
		t.Errorf("Verify(entry) = %v (%s), %v", res.Verdict(), res.Reason(), err)
	}
	// The stealth signature carries no key and no policy pins one: no
	// entry can be rebuilt to ask the log's tree for, and the index is
	// best effort, so "not logged" cannot be known (proof.DecideLogged).
	res, _ = b.Verify(ctx, ui.Subject{Ref: "demo/worker:v1.0.0"}, nil)
	if res.Verdict() != model.VerdictError {
		t.Errorf("Verify(stealth) without a key = %v (%s), want error (cannot tell)", res.Verdict(), res.Reason())
	}
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// TestLogKeyPinned: a backend opened with the log's key pinned says so; one
// that fetched the key from the log itself does not (the explorer's header
// then marks it, ui.LogKeyReporter).
func TestLogKeyPinned(t *testing.T) {
	l := startLog(t)
	def := logs.Log{Name: "embedded", URL: l.srv.URL, Kind: logs.KindRekorV1}
	for _, tc := range []struct {
		name string
		key  []byte
		want bool
	}{
		{"pinned", l.log.PublicKeyPEM(), true},
		{"fetched", nil, false},
	} {
		b, err := backend.Open(context.Background(), backend.Config{Log: def, KeyPEM: tc.key})
		if err != nil {
			t.Fatalf("%s: Open = %v", tc.name, err)
		}
		if got := b.LogKeyPinned(); got != tc.want {
			t.Errorf("%s: LogKeyPinned = %v, want %v", tc.name, got, tc.want)
		}
	}
}
