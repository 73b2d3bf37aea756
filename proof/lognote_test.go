package proof

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/provscope/provscope/model"
)

func signerPEM(t testing.TB, s *rekorV1Signer) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&s.priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func TestLogNoteVerify(t *testing.T) {
	v1 := newRekorV1Signer(t, "rekor.example.dev")
	v1Note := string(signNote(t, string(MarshalCheckpoint(model.Checkpoint{Origin: "rekor.example.dev - 42", Size: 3, RootHash: bytes.Repeat([]byte{1}, 32)})), v1))
	tiles := newRekorV1Signer(t, "log.example.dev/v2")
	tilesNote := string(signNote(t, string(MarshalCheckpoint(model.Checkpoint{Origin: "log.example.dev/v2", Size: 7, RootHash: bytes.Repeat([]byte{2}, 32)})), tiles))
	// A checkpoint of another origin, honestly signed by the tiles key.
	elsewhere := newRekorV1Signer(t, "elsewhere.example")
	elsewhere.priv = tiles.priv
	tilesElsewhere := string(signNote(t, string(MarshalCheckpoint(model.Checkpoint{Origin: "elsewhere.example", Size: 7, RootHash: bytes.Repeat([]byte{2}, 32)})), elsewhere))
	tests := []struct {
		name     string
		log      LogNote
		note     string
		wantSize uint64
		wantErr  any // nil, or a pointer to the error type; "" for any error
	}{
		{"rekor v1, known host", LogNote{KeyPEM: signerPEM(t, v1), RekorV1: true, Host: "rekor.example.dev"}, v1Note, 3, nil},
		{"rekor v1, unknown host", LogNote{KeyPEM: signerPEM(t, v1), RekorV1: true}, v1Note, 3, nil},
		{"hostile: rekor v1, another host", LogNote{KeyPEM: signerPEM(t, v1), RekorV1: true, Host: "rekor.sigstore.dev"}, v1Note, 0, new(*OriginError)},
		{"hostile: rekor v1, another key", LogNote{KeyPEM: signerPEM(t, tiles), RekorV1: true}, v1Note, 0, ""},
		{"hostile: rekor v1, mutated size", LogNote{KeyPEM: signerPEM(t, v1), RekorV1: true}, strings.Replace(v1Note, "\n3\n", "\n4\n", 1), 0, ""},
		{"tiles, configured origin", LogNote{KeyPEM: signerPEM(t, tiles), Origin: "log.example.dev/v2"}, tilesNote, 7, nil},
		{"hostile: tiles, another origin", LogNote{KeyPEM: signerPEM(t, tiles), Origin: "log.example.dev/v2"}, tilesElsewhere, 0, ""},
		{"hostile: tiles, no signature line", LogNote{KeyPEM: signerPEM(t, tiles)}, strings.SplitAfter(tilesNote, "\n\n")[0], 0, ""},
		{"hostile: not a key", LogNote{KeyPEM: []byte("junk"), Origin: "log.example.dev/v2"}, tilesNote, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cp, err := tc.log.Verify(tc.note)
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("Verify() = %v, want nil", err)
			case tc.wantErr == nil:
				if cp.Size != tc.wantSize {
					t.Errorf("Verify() size = %d, want %d", cp.Size, tc.wantSize)
				}
			case err == nil:
				t.Fatalf("Verify() = %+v, want an error", cp)
			case tc.wantErr != "" && !errors.As(err, tc.wantErr):
				t.Errorf("Verify() = %v (%T), want %T", err, err, tc.wantErr)
			case !strings.HasPrefix(err.Error(), "verifying checkpoint: "):
				t.Errorf("Verify() = %q, want it to start with %q", err, "verifying checkpoint: ")
			}
		})
	}
}

func TestLogNoteKeysNames(t *testing.T) {
	s := newRekorV1Signer(t, "rekor.example.dev")
	n := string(signNote(t, "rekor.example.dev - 1\n1\n"+strings.Repeat("A", 43)+"=\n", s))
	n += "— bad+name AAAA\n— other.example AAAA\n"
	keys, err := LogNote{KeyPEM: signerPEM(t, s), Origin: "configured.example"}.Keys(n)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range keys {
		got = append(got, k.Name)
	}
	for _, want := range []string{"rekor.example.dev", "other.example", "configured.example"} {
		if !strings.Contains(strings.Join(got, " "), want) {
			t.Errorf("Keys() names = %v, want %q among them", got, want)
		}
	}
	if strings.Contains(strings.Join(got, " "), "bad+name") {
		t.Errorf("Keys() names = %v: a name with '+' cannot be a key's", got)
	}
}

func TestVerifyTiledEntry(t *testing.T) {
	s := newRekorV1Signer(t, "log.example.dev/v2")
	log := LogNote{KeyPEM: signerPEM(t, s), Origin: "log.example.dev/v2"}
	bodies := testBodies(5)
	tree := &refTree{}
	for _, b := range bodies {
		tree.leaves = append(tree.leaves, LeafHash(b))
	}
	root := tree.mth(0, 5)
	sign := func(size uint64, root []byte, by *rekorV1Signer) string {
		return string(signNote(t, string(MarshalCheckpoint(model.Checkpoint{Origin: "log.example.dev/v2", Size: size, RootHash: root})), by))
	}
	entry := func() model.LogEntry {
		return model.LogEntry{
			UUID: hex.EncodeToString(LeafHash(bodies[2])), LogIndex: 2, Body: bodies[2],
			Proof: &model.InclusionProof{LogIndex: 2, TreeSize: 5, RootHash: root, Hashes: tree.path(2, 0, 5), Checkpoint: sign(5, root, s)},
		}
	}
	other := newRekorV1Signer(t, "log.example.dev/v2")
	tests := []struct {
		name   string
		mutate func(*model.LogEntry)
		want   string // the first failing step, "" for none
	}{
		{"verifies", func(*model.LogEntry) {}, ""},
		{"hostile: entry ID of another body", func(e *model.LogEntry) { e.UUID = hex.EncodeToString(LeafHash(bodies[3])) }, StepLeafHash},
		{"hostile: body swapped, no entry ID", func(e *model.LogEntry) { e.Body, e.UUID = bodies[3], "" }, StepInclusionProof},
		{"hostile: proof hash flipped", func(e *model.LogEntry) { e.Proof.Hashes[0] = flipLast(e.Proof.Hashes[0]) }, StepInclusionProof},
		{"hostile: no proof", func(e *model.LogEntry) { e.Proof = nil }, StepInclusionProof},
		{"hostile: negative size", func(e *model.LogEntry) { e.Proof.TreeSize = -1 }, StepInclusionProof},
		{"hostile: checkpoint by another key", func(e *model.LogEntry) { e.Proof.Checkpoint = sign(5, root, other) }, StepCheckpoint},
		{"hostile: checkpoint of another tree", func(e *model.LogEntry) { e.Proof.Checkpoint = sign(6, root, s) }, StepCheckpointMatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := entry()
			tc.mutate(&e)
			rep := VerifyTiledEntry(e, log)
			got := ""
			if f := rep.Result.FirstFailure(); f != nil {
				got = f.Name
			}
			if got != tc.want {
				t.Fatalf("VerifyTiledEntry() first failure = %q, want %q (%s)", got, tc.want, fmt.Sprint(rep.Result.Steps))
			}
			if tc.want == "" && (rep.Checkpoint == nil || rep.Checkpoint.Size != 5 || rep.Inclusion == nil) {
				t.Errorf("VerifyTiledEntry() = checkpoint %+v, trace %v; want the size-5 checkpoint and a trace", rep.Checkpoint, rep.Inclusion)
			}
			if !bytes.Equal(rep.LeafHash, LeafHash(e.Body)) {
				t.Errorf("LeafHash = %x, want %x", rep.LeafHash, LeafHash(e.Body))
			}
		})
	}
}

func TestLogNoteVerifyHead(t *testing.T) {
	s := newRekorV1Signer(t, "rekor.example.dev")
	root := bytes.Repeat([]byte{3}, 32)
	head := model.LogInfo{
		TreeID: "42", TreeSize: 9, RootHash: root,
		SignedTreeHead: string(signNote(t, string(MarshalCheckpoint(model.Checkpoint{Origin: "rekor.example.dev - 42", Size: 9, RootHash: root})), s)),
	}
	log := LogNote{KeyPEM: signerPEM(t, s), RekorV1: true, Host: "rekor.example.dev"}
	tests := []struct {
		name    string
		mutate  func(*model.LogInfo)
		wantErr any // nil, or a pointer to the error type
	}{
		{"signed head", func(*model.LogInfo) {}, nil},
		{"hostile: claims a larger size", func(h *model.LogInfo) { h.TreeSize = 10 }, new(*HeadMismatchError)},
		{"hostile: claims another root", func(h *model.LogInfo) { h.RootHash = flipLast(root) }, new(*HeadMismatchError)},
		{"hostile: lists another tree", func(h *model.LogInfo) { h.TreeID = "43" }, new(*OriginError)},
		{"hostile: unsigned note", func(h *model.LogInfo) { h.SignedTreeHead = strings.SplitAfter(h.SignedTreeHead, "\n\n")[0] }, new(error)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := head
			tc.mutate(&h)
			cp, err := log.VerifyHead(h)
			switch {
			case tc.wantErr == nil && (err != nil || cp.Size != 9):
				t.Errorf("VerifyHead() = %+v, %v; want size 9", cp, err)
			case tc.wantErr != nil && (err == nil || !errors.As(err, tc.wantErr)):
				t.Errorf("VerifyHead() = %v (%T), want %T", err, err, tc.wantErr)
			}
		})
	}
}

func TestLogNoteCheckEntryOrigin(t *testing.T) {
	tests := []struct {
		name   string
		log    LogNote
		origin string
		fail   bool
	}{
		{"the log's host", LogNote{RekorV1: true, Host: "rekor.example.dev"}, "rekor.example.dev - 42", false},
		{"hostile: another host", LogNote{RekorV1: true, Host: "rekor.example.dev"}, "rekor.sigstore.dev - 42", true},
		{"hostile: host as a prefix", LogNote{RekorV1: true, Host: "rekor.example.dev"}, "rekor.example.dev.evil - 42", true},
		{"hostile: not a rekor v1 origin", LogNote{RekorV1: true, Host: "rekor.example.dev"}, "rekor.example.dev", true},
		{"unknown host: not checked", LogNote{RekorV1: true}, "anything - 1", false},
		{"tiles log: not checked here", LogNote{Host: "rekor.example.dev"}, "log.example.dev/v2", false},
	}
	for _, tc := range tests {
		r := &model.Result{}
		tc.log.CheckEntryOrigin(r, model.Checkpoint{Origin: tc.origin})
		failed := r.FirstFailure() != nil && r.FirstFailure().Name == StepCheckpointOrigin
		if failed != tc.fail || !tc.fail && len(r.Steps) != 0 {
			t.Errorf("%s: CheckEntryOrigin(%q) steps = %+v, want failed %v", tc.name, tc.origin, r.Steps, tc.fail)
		}
	}
}
