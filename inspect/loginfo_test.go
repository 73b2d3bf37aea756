package inspect

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/provscope/provscope/inspect/inspecttest"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/state"
)

func TestCheckLogDetectsRollbackAndFork(t *testing.T) {
	fake, err := inspecttest.NewFakeLog("fake.example", 42)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ctx := context.Background()
	a := inspecttest.History("a", 20)
	b := append(inspecttest.History("a", 6), inspecttest.History("b", 14)...)

	tests := []struct {
		name    string
		leaves  [][]byte
		size    uint64
		want    model.Verdict
		wantErr any
	}{
		{"first sight", a, 10, model.VerdictVerified, nil},
		{"unchanged", a, 10, model.VerdictVerified, nil},
		{"grown", a, 15, model.VerdictVerified, nil},
		{"rolled back", a, 12, model.VerdictFailed, new(*RollbackError)},
		{"forked at the same size", b, 15, model.VerdictFailed, new(*ForkError)},
		{"forked and grown", b, 18, model.VerdictFailed, new(*InconsistentError)},
		{"honest again", a, 20, model.VerdictVerified, nil},
	}
	store := &state.Store{Dir: t.TempDir()}
	for _, tt := range tests {
		fake.SetHistory(tt.leaves, tt.size)
		l, err := OpenLog(ctx, logs.Log{Name: "fake", URL: srv.URL, Kind: logs.KindRekorV1}, LogOptions{KeyPEM: fake.PublicKeyPEM()})
		if err != nil {
			t.Fatal(err)
		}
		c, err := CheckLog(ctx, l, CheckOptions{Store: store, Now: time.Unix(1, 0)})
		if err != nil {
			t.Fatalf("%s: CheckLog: %v", tt.name, err)
		}
		if got := c.Verdict(); got != tt.want {
			t.Fatalf("%s: verdict = %v, want %v (%s)", tt.name, got, tt.want, c.Trees[0].Result.Reason())
		}
		if tt.wantErr != nil {
			f := c.Trees[0].Result.FirstFailure()
			switch target := tt.wantErr.(type) {
			case **RollbackError:
				if !errors.As(f.Err, target) {
					t.Errorf("%s: failure = %v, want a RollbackError", tt.name, f.Err)
				}
			case **ForkError:
				if !errors.As(f.Err, target) {
					t.Errorf("%s: failure = %v, want a ForkError", tt.name, f.Err)
				}
			case **InconsistentError:
				if !errors.As(f.Err, target) || (*target).Trace == nil {
					t.Errorf("%s: failure = %v, want an InconsistentError with its trace", tt.name, f.Err)
				}
			}
		}
	}
	prev, _ := store.Load(srv.URL, "42")
	if prev == nil || prev.Size != 20 {
		t.Errorf("remembered = %+v, want size 20", prev)
	}
}

func TestCheckLogRejectsWrongKey(t *testing.T) {
	fake, _ := inspecttest.NewFakeLog("fake.example", 7)
	other, _ := inspecttest.NewFakeLog("fake.example", 7)
	fake.SetHistory(inspecttest.History("a", 3), 3)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	l, err := OpenLog(context.Background(), logs.Log{URL: srv.URL}, LogOptions{KeyPEM: other.PublicKeyPEM()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := CheckLog(context.Background(), l, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Verdict() != model.VerdictFailed || c.Trees[0].Result.FirstFailure().Name != StepTreeHead {
		t.Errorf("verdict with the wrong key = %v (%s), want failed at %s", c.Verdict(), c.Trees[0].Result.Reason(), StepTreeHead)
	}
	// Without a pinned key, the key is fetched from the log.
	l, err = OpenLog(context.Background(), logs.Log{URL: srv.URL}, LogOptions{})
	if err != nil || l.KeySource != KeyFetched {
		t.Fatalf("OpenLog without key = %v, source %q", err, l.KeySource)
	}
}

// TestCheckLogShards checks every shard of a sharded Rekor v1 log: each has
// its own remembered checkpoint, and a frozen shard that changes is caught.
func TestCheckLogShards(t *testing.T) {
	fake, err := inspecttest.NewFakeLog("fake.example", 3)
	if err != nil {
		t.Fatal(err)
	}
	fake.SetInactiveShard(1, inspecttest.History("old", 9))
	fake.SetHistory(inspecttest.History("new", 4), 4)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ctx := context.Background()
	store := &state.Store{Dir: t.TempDir()}
	l, err := OpenLog(ctx, logs.Log{URL: srv.URL}, LogOptions{KeyPEM: fake.PublicKeyPEM()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := CheckLog(ctx, l, CheckOptions{Store: store, Now: time.Unix(1, 0)})
	if err != nil || c.Verdict() != model.VerdictVerified || len(c.Trees) != 2 || c.Trees[1].Active || c.Trees[1].TreeID != "1" {
		t.Fatalf("CheckLog = %+v, %v; want 2 verified trees, the second inactive", c, err)
	}
	for _, id := range []string{"1", "3"} {
		if p, _ := store.Load(srv.URL, id); p == nil {
			t.Errorf("tree %s not remembered", id)
		}
	}
	// The active tree grows: fine. The frozen shard shows another history
	// of the same size: a fork, caught on that shard only.
	fake.SetHistory(inspecttest.History("new", 6), 6)
	fake.SetInactiveShard(1, inspecttest.History("evil", 9))
	c, err = CheckLog(ctx, l, CheckOptions{Store: store, Now: time.Unix(2, 0)})
	if err != nil || c.Verdict() != model.VerdictFailed {
		t.Fatalf("CheckLog after the shard changed = %v, %v; want failed", c.Verdict(), err)
	}
	if v := c.Trees[0].Result.Verdict(); v != model.VerdictVerified {
		t.Errorf("active tree = %v, want verified", v)
	}
	var fork *ForkError
	if f := c.Trees[1].Result.FirstFailure(); f == nil || !errors.As(f.Err, &fork) {
		t.Errorf("inactive shard failure = %+v, want a ForkError", f)
	}
}
