package inspect

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/inspect/inspecttest"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/state"
)

// TestSimpleSigningPayloadIsCosigns: the payload rebuilt to find a
// signature by hash is byte for byte what cosign v2.6.5 signs
// (`cosign generate 127.0.0.1:1/demo/api@sha256:aaa…`).
func TestSimpleSigningPayloadIsCosigns(t *testing.T) {
	const cosign = `{"critical":{"identity":{"docker-reference":"127.0.0.1:1/demo/api"},"image":{"docker-manifest-digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},"type":"cosign container image signature"},"optional":null}`
	got, err := simpleSigningPayload("127.0.0.1:1/demo/api", "sha256:"+strings.Repeat("a", 64))
	if err != nil || string(got) != cosign {
		t.Fatalf("simpleSigningPayload = %s, %v\nwant %s", got, err, cosign)
	}
}

func TestParseImageOrDigest(t *testing.T) {
	full := "sha256:" + strings.Repeat("ab", 32)
	tests := []struct {
		in, repo, ref, digest string
		wantErr               bool
	}{
		{in: full, digest: full},
		{in: strings.Repeat("ab", 32), digest: full},
		{in: "r.example/a@" + full, repo: "r.example/a", ref: "r.example/a@" + full, digest: full},
		{in: "r.example/a:v1", ref: "r.example/a:v1"},
		{in: "sha256:abcd", wantErr: true},
		{in: "abcd1234", wantErr: true},
		{in: "r.example/a@sha256:abcd", wantErr: true},
		{in: "sha512:00", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		repo, ref, d, err := ParseImageOrDigest(tt.in)
		if (err != nil) != tt.wantErr || repo != tt.repo || ref != tt.ref || d != tt.digest {
			t.Errorf("ParseImageOrDigest(%q) = %q, %q, %q, %v; want %q, %q, %q, error %v", tt.in, repo, ref, d, err, tt.repo, tt.ref, tt.digest, tt.wantErr)
		}
	}
}

// TestConflictCheckpointKeepsBoth: when the log forked or rolled back
// after a checkpoint (size 20) was remembered, the evidence set gets the
// remembered signed checkpoint besides the log's, and its one note names
// the conflict in the export's own words: a smaller head is a rollback
// with both sizes, two roots for one size a fork with both roots.
func TestConflictCheckpointKeepsBoth(t *testing.T) {
	fake, err := inspecttest.NewFakeLog("fake.example", 42)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ctx := context.Background()
	store := &state.Store{Dir: t.TempDir()}
	open := func() *Log {
		l, err := OpenLog(ctx, logs.Log{Name: "fake", URL: srv.URL, Kind: logs.KindRekorV1}, LogOptions{KeyPEM: fake.PublicKeyPEM()})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	remembered := inspecttest.History("a", 20)
	fake.SetHistory(remembered, 20)
	if _, err := CheckLog(ctx, open(), CheckOptions{Store: store, Now: time.Unix(1, 0)}); err != nil {
		t.Fatal(err)
	}
	forked := append(inspecttest.History("a", 6), inspecttest.History("b", 14)...)
	const conflicts, both = "the log conflicts with the remembered checkpoint: ", "; both signed checkpoints are in the set"
	for _, tt := range []struct {
		name     string
		leaves   [][]byte
		size     uint64
		conflict bool
		note     string // the conflict's note, when checked
	}{
		{"honest growth", inspecttest.History("a", 25), 25, false, ""},
		{"same", inspecttest.History("a", 20), 20, false, ""},
		{"fork", append(inspecttest.History("a", 6), inspecttest.History("b", 19)...), 25, true, ""},
		{"rollback", inspecttest.History("a", 15), 15, true, conflicts + "log rolled back: its head has size 15, smaller than the remembered 20" + both},
		{"fork at one size", forked, 20, true, conflicts + fmt.Sprintf("log forked: two signed checkpoints of size 20 have different roots %x and %x", rootOf(t, remembered), rootOf(t, forked)) + both},
	} {
		fake.SetHistory(tt.leaves, tt.size)
		l := open()
		blobs, notes := conflictCheckpoint(ctx, Deps{Log: l, Store: store}, "42", nil, nil)
		got := len(blobs) == 2 && strings.HasPrefix(blobs[0].Name, "checkpoint-remembered-20-") && strings.HasPrefix(blobs[1].Name, fmt.Sprintf("checkpoint-head-%d-", tt.size))
		if got != tt.conflict {
			t.Errorf("%s: blobs %v notes %q, want the remembered checkpoint: %v", tt.name, blobs, notes, tt.conflict)
		}
		if tt.note != "" && (len(notes) != 1 || notes[0] != tt.note) {
			t.Errorf("%s: notes %q, want [%q]", tt.name, notes, tt.note)
		}
	}
}
