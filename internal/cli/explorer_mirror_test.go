package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/provscope/provscope/rekor/mirror/mirrortest"
)

// TestExplorerSearchUsesDefaultMirror: the explorer on a tiles log
// (provscope serve's /api/v2 as tiles+URL) searches nothing until the log
// is mirrored, and says how to mirror it; `provscope mirror` without
// --data puts the mirror where the explorer looks, and the same search
// then finds the entries, each proven against the mirror's checkpoint.
func TestExplorerSearchUsesDefaultMirror(t *testing.T) {
	isolateEnv(t)
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("PROVSCOPE_TUF_OFFLINE", "1")
	ctx := context.Background()
	w := mirrortest.Start(t)
	digests := w.AddHashed(t, "explorer", 5)
	w.AddKeyless(t, "alice@example.com", "https://issuer.example")
	logURL := "tiles+" + w.URL + "/api/v2"
	open := func() *explorerConfig {
		return &explorerConfig{LogURL: logURL, LogPublicKeyPEM: w.KeyPEM(), ForgetCheckpoints: true}
	}

	b, _, err := openBackend(ctx, open())
	if err != nil {
		t.Fatalf("opening the explorer on a tiles log: %v", err)
	}
	r, err := b.Search(ctx, "sha256:"+digests[2])
	want := "no mirror of this log: run provscope mirror --log " + logURL + " --key LOG-KEY.pem"
	if err != nil || len(r.UUIDs) != 0 || r.Note != want {
		t.Fatalf("search before mirroring = %+v, %v; want the note %q", r, err, want)
	}

	if code, out, errs := runCLI(t, "mirror", "--log", logURL, "--key", w.KeyFile(t)); code != exitOK || !strings.Contains(out, "6 new entries verified") {
		t.Fatalf("mirror without --data = %d\n%s%s", code, out, errs)
	}
	b, _, err = openBackend(ctx, open())
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int64{"sha256:" + digests[2]: 2, "alice@": 5} {
		r, err := b.Search(ctx, q)
		if err != nil || len(r.UUIDs) != 1 || !strings.Contains(r.Note, "from the mirror") {
			t.Errorf("search %q after mirroring = %+v, %v; want one entry from the mirror", q, r, err)
			continue
		}
		es, err := b.Entries(ctx, r.UUIDs)
		if err != nil || len(es) != 1 || es[0].LogIndex != want {
			t.Errorf("search %q: entries %+v, %v; want entry %d", q, es, err, want)
		}
	}
}
