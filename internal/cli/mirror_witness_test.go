package cli

import (
	"crypto/rand"
	"path/filepath"
	"strings"
	"testing"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"github.com/provscope/provscope/rekor/mirror/mirrortest"
)

// cosigner adds a C2SP tlog-cosignature line to the checkpoints a
// mirrortest world serves.
type cosigner struct {
	signer note.Signer
	vkey   string
}

func newCosigner(t *testing.T, name string) cosigner {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		t.Fatal(err)
	}
	return cosigner{signer: s, vkey: vkey}
}

// mutator cosigns every checkpoint the world serves.
func (c cosigner) mutator(t *testing.T) mirrortest.Mutator {
	return func(path string, b []byte) []byte {
		if path != "checkpoint" {
			return b
		}
		text, sigs, ok := strings.Cut(string(b), "\n\n")
		if !ok {
			return b
		}
		out, err := note.Sign(&note.Note{Text: text + "\n"}, c.signer)
		if err != nil {
			t.Error(err)
			return b
		}
		_, line, _ := strings.Cut(string(out), "\n\n")
		return []byte(text + "\n\n" + sigs + line)
	}
}

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
	wit := newCosigner(t, "witness.example")
	forger := newCosigner(t, "witness.example") // the witness's name, another key
	w.SetMutator(wit.mutator(t))
	dir := filepath.Join(t.TempDir(), "m")
	logURL := "tiles+" + w.URL + "/api/v2"
	mirrorArgs := func(extra ...string) []string {
		return append([]string{"mirror", "--log", logURL, "--key", w.KeyFile(t), "--data", dir, "--witness-key", wit.vkey}, extra...)
	}
	if code, out, errs := runCLI(t, mirrorArgs()...); code != exitOK || !strings.Contains(out, "5 new entries verified") {
		t.Fatalf("mirror of a witnessed log = %d\n%s%s", code, out, errs)
	}

	w.AddHashed(t, "unwitnessed", 3)
	for name, m := range map[string]mirrortest.Mutator{"no cosignature": nil, "forged cosignature": forger.mutator(t)} {
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
		{"audit", "--log", w.URL, "--witness-key", wit.vkey},
		{"watch", "--log", w.URL, "--identity", "a@example.com", "--min-witnesses", "1", "--polls", "1"},
	} {
		if code, out, errs := runCLI(t, args...); code != exitUsageErr {
			t.Errorf("provscope %s = %d\n%s%s\nwant exit %d", strings.Join(args, " "), code, out, errs, exitUsageErr)
		}
	}
}
