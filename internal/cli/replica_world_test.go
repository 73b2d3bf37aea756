package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/replica"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/backend"
)

// shardedWorld is the public world replicated on loopback: a ghcr.io-like
// registry (no catalog, bearer tokens) and a Rekor v1 log with two shards
// like rekor.sigstore.dev, one image signed on each shard with one key.
type shardedWorld struct {
	rep     *replica.Registry
	log     *replica.RekorV1
	logArgs []string
	logKey  []byte
	keyDir  string
	key     string // the signer's public key file
	// old is signed on the frozen first shard, cur on the active second.
	old, cur         string
	oldEntry, cEntry signed
}

// signed is the entry record provscope sign writes.
type signed struct {
	UUID     string `json:"uuid"`
	LogIndex int64  `json:"logIndex"`
}

// pushImage pushes a random image to repo:v1 through the registry's
// unauthenticated backend and returns its name on the front.
func pushImage(t *testing.T, rep *replica.Registry, repo string) string {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(rep.Backend() + "/" + repo + ":v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
	return rep.Host() + "/" + repo + ":v1"
}

// signOn signs repo:v1 (through the backend) into the front with the
// world's key (generated on first use) and returns the entry record.
func (w *shardedWorld) signOn(t *testing.T, repo string) (signed, int, string) {
	t.Helper()
	entryFile := filepath.Join(t.TempDir(), "entry.json")
	args := []string{"sign", w.rep.Backend() + "/" + repo + ":v1", "--entry-file", entryFile}
	if _, err := os.Stat(filepath.Join(w.keyDir, "cosign.key")); err == nil {
		args = append(args, "--key", filepath.Join(w.keyDir, "cosign.key"))
	} else {
		args = append(args, "--generate-key", "--key-dir", w.keyDir)
	}
	code, out, errs := runCLI(t, append(args, w.logArgs...)...)
	var e signed
	if code == exitOK {
		b, err := os.ReadFile(entryFile)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatal(err)
		}
	}
	return e, code, out + errs
}

func startShardedWorld(t *testing.T) *shardedWorld {
	t.Helper()
	dir := isolateEnv(t)
	t.Setenv("COSIGN_PASSWORD", "test-password")
	t.Setenv("COSIGN_REPOSITORY", "")
	rep := replica.StartRegistry(replica.RegistryOptions{})
	t.Cleanup(rep.Close)
	lg, err := replica.StartRekorV1Sharded(filepath.Join(dir, "rekor"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lg.Close)
	keyFile := filepath.Join(dir, "rekor.pub")
	if err := os.WriteFile(keyFile, lg.PublicKeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	w := &shardedWorld{
		rep: rep, log: lg, logKey: lg.PublicKeyPEM(), keyDir: filepath.Join(dir, "keys"),
		logArgs: []string{"--log", lg.URL, "--log-key", keyFile},
	}
	w.key = filepath.Join(w.keyDir, "cosign.pub")

	// Shard 1: a filler image, then the old image, so that the old
	// image's entry is not at index 0; then the shard is frozen.
	w.old = pushImage(t, rep, "team/old")
	pushImage(t, rep, "team/filler")
	for _, repo := range []string{"team/filler", "team/old"} {
		e, code, out := w.signOn(t, repo)
		if code != exitOK {
			t.Fatalf("sign %s on shard 1 = %d\n%s", repo, code, out)
		}
		w.oldEntry = e
	}
	if err := lg.Freeze(); err != nil {
		t.Fatal(err)
	}
	// Shard 2: the current image, global index 2, local index 0.
	w.cur = pushImage(t, rep, "team/cur")
	e, code, out := w.signOn(t, "team/cur")
	if code != exitOK {
		t.Fatalf("sign team/cur on shard 2 = %d\n%s", code, out)
	}
	w.cEntry = e
	ids := lg.TreeIDs()
	if len(ids) != 2 || w.oldEntry.LogIndex != 1 || w.cEntry.LogIndex != 2 ||
		!strings.HasPrefix(w.oldEntry.UUID, fmt.Sprintf("%016x", ids[0])) || !strings.HasPrefix(w.cEntry.UUID, fmt.Sprintf("%016x", ids[1])) {
		t.Fatalf("entries %+v (shard 1) and %+v (shard 2), shards %v: want global indices 1 and 2, each under its shard's tree ID", w.oldEntry, w.cEntry, ids)
	}
	return w
}

// TestReplicaShardedLogInfo: loginfo checks both shards of the sharded
// Rekor v1 log (the frozen one listed in inactiveShards with its signed
// checkpoint) and remembers them; once the log stops listing the frozen
// shard, loginfo reports the dropped tree and fails.
func TestReplicaShardedLogInfo(t *testing.T) {
	w := startShardedWorld(t)
	ids := w.log.TreeIDs()
	code, out, errs := runCLI(t, append([]string{"loginfo"}, w.logArgs...)...)
	if code != exitOK {
		t.Fatalf("loginfo = %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{fmt.Sprint(ids[0]), fmt.Sprint(ids[1]), "inactive shard"} {
		if !strings.Contains(out, want) {
			t.Errorf("loginfo does not show %q:\n%s", want, out)
		}
	}
	if testing.Verbose() {
		t.Log("\n" + out)
	}
	// The active shard grows; loginfo proves it consistent with the
	// remembered head (a consistency proof asked of that shard by tree
	// ID) and the frozen shard unchanged.
	pushImage(t, w.rep, "team/more")
	if _, code, out := w.signOn(t, "team/more"); code != exitOK {
		t.Fatalf("sign team/more = %d\n%s", code, out)
	}
	code, out, errs = runCLI(t, append([]string{"loginfo"}, w.logArgs...)...)
	if code != exitOK || strings.Count(out, "✓ Consistency") != 2 {
		t.Fatalf("second loginfo = %d, want both trees proved consistent\n%s%s", code, out, errs)
	}
	if testing.Verbose() {
		t.Log("\n" + out)
	}

	w.log.HideInactive(true)
	code, out, errs = runCLI(t, append([]string{"loginfo"}, w.logArgs...)...)
	if code != exitFailed || !strings.Contains(out+errs, "dropped tree "+fmt.Sprint(ids[0])) {
		t.Errorf("loginfo after the log stopped listing shard %d = %d, want %d reporting the dropped tree\n%s%s", ids[0], code, exitFailed, out, errs)
	}
}

// TestReplicaShardedVerifyReportGet: verify and report of an image signed on
// the frozen shard and of one signed on the active shard both verify with
// the pinned key, and get --log-index with a global index returns the
// entry of the shard holding it (its UUID under that shard's tree ID, its
// logIndex global, its inclusion proof's index local).
func TestReplicaShardedVerifyReportGet(t *testing.T) {
	w := startShardedWorld(t)
	for _, img := range []string{w.old, w.cur} {
		code, out, errs := runCLI(t, append([]string{"verify", img, "--key", w.key}, w.logArgs...)...)
		if code != exitOK || !strings.Contains(out, "Verdict: verified") {
			t.Errorf("verify %s = %d, want %d\n%s%s", img, code, exitOK, out, errs)
		}
		code, out, errs = runCLI(t, append([]string{"report", img, "--key", w.key, "--format", "json"}, w.logArgs...)...)
		var rep struct {
			Images []struct {
				Verdict string `json:"verdict"`
			} `json:"images"`
		}
		if err := json.Unmarshal([]byte(out), &rep); code != exitOK || err != nil || len(rep.Images) != 1 || rep.Images[0].Verdict != "verified" {
			t.Errorf("report %s = %d (%v), want one verified image\n%s%s", img, code, err, out, errs)
		}
	}

	for _, c := range []struct {
		e          signed
		shardIndex int64
	}{{w.oldEntry, 1}, {w.cEntry, 0}} {
		code, out, errs := runCLI(t, append([]string{"get", "--log-index", fmt.Sprint(c.e.LogIndex), "--output", "json"}, w.logArgs...)...)
		var doc struct {
			Entry  model.LogEntry `json:"entry"`
			Result struct {
				Verdict string `json:"verdict"`
			} `json:"result"`
		}
		if err := json.Unmarshal([]byte(out), &doc); code != exitOK || err != nil {
			t.Fatalf("get --log-index %d = %d (%v)\n%s%s", c.e.LogIndex, code, err, out, errs)
		}
		if doc.Entry.UUID != c.e.UUID || doc.Entry.LogIndex != c.e.LogIndex || doc.Entry.Proof == nil || doc.Entry.Proof.LogIndex != c.shardIndex || doc.Result.Verdict != "verified" {
			t.Errorf("get --log-index %d = uuid %s index %d proof %+v verdict %q, want uuid %s, shard index %d, verified",
				c.e.LogIndex, doc.Entry.UUID, doc.Entry.LogIndex, doc.Entry.Proof, doc.Result.Verdict, c.e.UUID, c.shardIndex)
		}
	}
}

// TestReplicaShardedSearch: search asks every shard's index and fetches
// the entries it found from the shard each UUID names: the three entries
// signed with the key, on both shards.
func TestReplicaShardedSearch(t *testing.T) {
	w := startShardedWorld(t)
	code, out, errs := runCLI(t, append([]string{"search", "--public-key", w.key}, w.logArgs...)...)
	if code != exitOK || !strings.HasPrefix(out, "3 entries") || !strings.Contains(out, w.oldEntry.UUID) || !strings.Contains(out, w.cEntry.UUID) {
		t.Errorf("search --public-key = %d, want the 3 entries of both shards (%s, %s)\n%s%s", code, w.oldEntry.UUID, w.cEntry.UUID, out, errs)
	}
}

// TestReplicaShardedExplorer: the explorer's backend, opened on the
// sharded log, verifies the image signed on each shard.
func TestReplicaShardedExplorer(t *testing.T) {
	w := startShardedWorld(t)
	key, err := os.ReadFile(w.key)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b, err := backend.Open(ctx, backend.Config{
		RegistryHost: w.rep.Host(),
		Log:          logs.Log{Name: "replica", URL: w.log.URL, Kind: logs.KindRekorV1},
		KeyPEM:       w.logKey,
		Policy:       inspect.Policy{KeyPEM: key},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range []string{w.old, w.cur} {
		res, err := b.Verify(ctx, ui.Subject{Ref: img}, nil)
		if v := res.Verdict(); err != nil || v != model.VerdictVerified {
			t.Errorf("explorer verify %s = %v (%v): %s", img, v, err, res.Reason())
		}
	}
}

// TestReplicaShardedWrongSETIndex: a front that signs SETs over the
// shard-local index while its entries state the global one (the
// translation forgotten) is caught: the image it logs does not verify.
func TestReplicaShardedWrongSETIndex(t *testing.T) {
	w := startShardedWorld(t)
	w.log.SETOverLocalIndex(true)
	img := pushImage(t, w.rep, "team/next")
	e, code, out := w.signOn(t, "team/next")
	t.Logf("sign against the broken front = %d\n%s", code, out)
	if code == exitOK {
		// sign accepted the log's answer; verify must not.
		code, vout, verrs := runCLI(t, append([]string{"verify", img, "--key", w.key}, w.logArgs...)...)
		t.Logf("verify = %d\n%s%s", code, vout, verrs)
		if code != exitFailed || !strings.Contains(vout, "✗ Signed entry timestamp") {
			t.Errorf("verify of %s logged at global %d with a SET over its shard index = %d, want %d\n%s%s", img, e.LogIndex, code, exitFailed, vout, verrs)
		}
		return
	}
	if code != exitFailed || !strings.Contains(strings.ToLower(out), "signed entry timestamp") && !strings.Contains(out, "SET") {
		t.Errorf("sign against a log whose SET signs the wrong index = %d, want %d over the SET\n%s", code, exitFailed, out)
	}
}

// TestReplicaRekorV2Tiles: a Rekor v2 log serving only the tlog-tiles read
// API: loginfo, get and proof read it through `--log tiles+URL`.
func TestReplicaRekorV2Tiles(t *testing.T) {
	dir := isolateEnv(t)
	t.Setenv("COSIGN_PASSWORD", "test-password")
	t.Setenv("COSIGN_REPOSITORY", "")
	rep := replica.StartRegistry(replica.RegistryOptions{})
	t.Cleanup(rep.Close)
	v2, err := replica.StartRekorV2(filepath.Join(dir, "tiles"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v2.Close)
	keyFile := filepath.Join(dir, "tiles.pub")
	if err := os.WriteFile(keyFile, v2.PublicKeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	w := &shardedWorld{rep: rep, keyDir: filepath.Join(dir, "keys"), logArgs: []string{"--log", v2.WriteURL, "--log-key", keyFile}}
	for _, repo := range []string{"team/a", "team/b", "team/c"} {
		pushImage(t, rep, repo)
		if _, code, out := w.signOn(t, repo); code != exitOK {
			t.Fatalf("sign %s = %d\n%s", repo, code, out)
		}
	}
	// The tiles log serves no Rekor v1 API: it is read as tiles only.
	// (Asked first: provscope remembers the log's origin per key.)
	if code, out, errs := runCLI(t, "loginfo", "--log", strings.TrimSuffix(v2.TilesURL, "/api/v2"), "--log-key", keyFile); code == exitOK {
		t.Errorf("loginfo on the tiles log's host as a Rekor v1 log = %d, want a failure\n%s%s", code, out, errs)
	}
	tiles := []string{"--log", "tiles+" + v2.TilesURL, "--log-key", keyFile}
	if code, out, errs := runCLI(t, append([]string{"loginfo"}, tiles...)...); code != exitOK || !strings.Contains(out, "size 3") {
		t.Errorf("loginfo on the tiles log = %d\n%s%s", code, out, errs)
	}
	if code, out, errs := runCLI(t, append([]string{"get", "--log-index", "1"}, tiles...)...); code != exitOK || !strings.Contains(out, "hashedrekord") || !strings.Contains(out, "Verdict: verified") {
		t.Errorf("get --log-index 1 on the tiles log = %d\n%s%s", code, out, errs)
	}
	if code, out, errs := runCLI(t, append([]string{"proof", "--log-index", "2"}, tiles...)...); code != exitOK || !strings.Contains(out, "computed from tiles") || !strings.Contains(out, "Verdict: verified") {
		t.Errorf("proof --log-index 2 on the tiles log = %d\n%s%s", code, out, errs)
	}
}

// TestReplicaShardedTUF: with the trust material from a TUF repository
// replica whose trusted root lists the sharded log's key and whose signing
// config lists the log as a Rekor v1 service (as a private or staging
// Sigstore deployment's does), verify and report need no --log-key: the
// log key is pinned by the trust root and the images on both shards
// verify. (Before, every log of a TUF trusted root but rekor.sigstore.dev
// was taken for a tiles log, and verify could not look the entries up.)
func TestReplicaShardedTUF(t *testing.T) {
	w := startShardedWorld(t)
	tr, err := w.log.TrustedRoot()
	if err != nil {
		t.Fatal(err)
	}
	sc := fmt.Sprintf(`{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json","caUrls":[],"oidcUrls":[],
	  "rekorTlogUrls":[{"url":%q,"majorApiVersion":1,"validFor":{"start":"2020-01-01T00:00:00Z"},"operator":"replica"}],
	  "tsaUrls":[],"rekorTlogConfig":{"selector":"ANY"},"tsaConfig":{"selector":"ANY"}}`, w.log.URL)
	repo, err := replica.NewTUF(map[string][]byte{replica.TargetTrustedRoot: tr, replica.TargetSigningConfig: []byte(sc)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(repo.Close)
	rootFile := filepath.Join(t.TempDir(), "tuf-root.json")
	if err := os.WriteFile(rootFile, repo.InitialRoot(), 0o600); err != nil {
		t.Fatal(err)
	}
	report := func(img string) (int, string, string) {
		t.Helper()
		code, out, errs := runCLI(t, "report", img, "--key", w.key, "--format", "json", "--log", w.log.URL)
		var doc struct {
			Log struct {
				KeySource string `json:"keySource"`
			} `json:"log"`
			Images []struct {
				Verdict string `json:"verdict"`
			} `json:"images"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Images) != 1 {
			t.Fatalf("report %s = %d (%v)\n%s%s", img, code, err, out, errs)
		}
		return code, doc.Log.KeySource, doc.Images[0].Verdict
	}
	// Under the embedded public-good root the replica's log is unknown:
	// its key is fetched from the log itself.
	if _, src, _ := report(w.old); src != inspect.KeyFetched {
		t.Errorf("log key source under the embedded root = %q, want %q", src, inspect.KeyFetched)
	}
	t.Setenv("PROVSCOPE_TUF_OFFLINE", "")
	t.Setenv("PROVSCOPE_TUF_URL", repo.URL())
	t.Setenv("PROVSCOPE_TUF_ROOT", rootFile)
	for _, img := range []string{w.old, w.cur} {
		code, out, errs := runCLI(t, "verify", img, "--key", w.key, "--log", w.log.URL)
		if code != exitOK || !strings.Contains(out, "Verdict: verified") {
			t.Errorf("verify %s under the TUF root = %d, want %d\n%s%s", img, code, exitOK, out, errs)
		}
		if code, src, verdict := report(img); code != exitOK || src != inspect.KeyPinned || verdict != "verified" {
			t.Errorf("report %s under the TUF root = %d, key %s, %s; want %d, pinned, verified", img, code, src, verdict, exitOK)
		}
	}
	if code, out, errs := runCLI(t, "loginfo", "--log", w.log.URL); code != exitOK || strings.Count(out, "✓ Signed tree head") != 2 {
		t.Errorf("loginfo under the TUF root = %d, want both shards checked\n%s%s", code, out, errs)
	}
}
