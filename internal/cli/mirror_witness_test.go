package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/provscope/provscope/rekor/mirror/mirrortest"
)

// TestMirrorWitnessFlags: mirror, audit and watch take a witness policy
// (--witness-key, repeatable, and --min-witnesses, default all of them).
// A mirror of a log whose checkpoints the witness cosigns runs; once the
// log serves a grown checkpoint without the cosignature, or with a forged
// one under the witness's name, the run stops with exit 1 and mirrors
// nothing of it. Flags that cannot be met, or given for a Rekor v1 log,
// are input errors.
func TestMirrorWitnessFlags(t *testing.T) {
	isolateEnv(t)
	w := mirrortest.Start(t)
	w.AddHashed(t, "witnessed", 5)
	wit := mirrortest.NewWitness(t, "witness.example")
	forger := mirrortest.NewWitness(t, "witness.example") // the witness's name, another key
	w.SetMutator(wit.Mutator(t))
	dir := filepath.Join(t.TempDir(), "m")
	logURL := "tiles+" + w.URL + "/api/v2"
	mirrorArgs := func(extra ...string) []string {
		return append([]string{"mirror", "--log", logURL, "--key", w.KeyFile(t), "--data", dir, "--witness-key", wit.VKey}, extra...)
	}
	if code, out, errs := runCLI(t, mirrorArgs()...); code != exitOK || !strings.Contains(out, "5 new entries verified") {
		t.Fatalf("mirror of a witnessed log = %d\n%s%s", code, out, errs)
	}

	w.AddHashed(t, "unwitnessed", 3)
	for name, m := range map[string]mirrortest.Mutator{"no cosignature": nil, "forged cosignature": forger.Mutator(t)} {
		w.SetMutator(m)
		code, out, errs := runCLI(t, mirrorArgs()...)
		if code != exitFailed || !strings.Contains(errs, "does not meet the witness policy") {
			t.Errorf("%s: mirror = %d\n%s%s\nwant exit 1: does not meet the witness policy", name, code, out, errs)
		}
		if code, out, _ := runCLI(t, "search", "--mirror", dir, "--sha", strings.Repeat("00", 32)); code != exitOK || !strings.Contains(out, "@ 5") {
			t.Errorf("%s: the mirror moved past the witnessed checkpoint: %d %s", name, code, out)
		}
	}
	// Without a policy the same log mirrors on.
	if code, out, errs := runCLI(t, "mirror", "--log", logURL, "--key", w.KeyFile(t), "--data", dir); code != exitOK || !strings.Contains(out, "3 new entries verified") {
		t.Errorf("mirror without a witness policy = %d\n%s%s", code, out, errs)
	}

	for _, args := range [][]string{
		mirrorArgs("--min-witnesses", "2"),
		mirrorArgs("--min-witnesses", "-1"),
		{"mirror", "--log", logURL, "--key", w.KeyFile(t), "--data", dir, "--witness-key", "not a key"},
		{"audit", "--log", w.URL, "--witness-key", wit.VKey},
		{"watch", "--log", w.URL, "--identity", "a@example.com", "--min-witnesses", "1", "--polls", "1"},
	} {
		if code, out, errs := runCLI(t, args...); code != exitUsageErr {
			t.Errorf("provscope %s = %d\n%s%s\nwant exit %d", strings.Join(args, " "), code, out, errs, exitUsageErr)
		}
	}
}
