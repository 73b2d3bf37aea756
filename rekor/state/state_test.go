package state

import (
	"os"
	"testing"
	"time"
)

func TestSaveLoad(t *testing.T) {
	s := Store{Dir: t.TempDir() + "/cp"}
	if c, err := s.Load("http://127.0.0.1:3000", "1"); c != nil || err != nil {
		t.Fatalf("Load(empty) = %v, %v; want nil, nil", c, err)
	}
	want := Checkpoint{LogURL: "http://127.0.0.1:3000", TreeID: "1", Origin: "o - 1", Size: 7, RootHash: "ab", Note: "n", SeenAt: time.Unix(5, 0).UTC()}
	if err := s.Save(want); err != nil {
		t.Fatal(err)
	}
	other := want
	other.TreeID, other.Size = "2", 9
	if err := s.Save(other); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load("http://127.0.0.1:3000/", "1")
	if err != nil || got == nil || *got != want {
		t.Fatalf("Load = %+v, %v; want %+v", got, err, want)
	}
	if got, _ := s.Load("http://127.0.0.1:3000", "2"); got == nil || got.Size != 9 {
		t.Errorf("Load(tree 2) = %+v, want size 9", got)
	}
	ents, _ := os.ReadDir(s.Dir)
	if len(ents) != 2 {
		t.Errorf("state dir holds %d files, want 2 (no temp files left)", len(ents))
	}
}

func TestCorruptFile(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	if err := os.WriteFile(s.file("http://x", ""), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load("http://x", ""); err == nil {
		t.Error("Load(corrupt) succeeded, want an error")
	}
}

func TestDefaultDir(t *testing.T) {
	d, _ := DefaultDir(func(k string) string { return map[string]string{"XDG_STATE_HOME": "/s"}[k] })
	if d != "/s/provscope/checkpoints" {
		t.Errorf("DefaultDir = %s", d)
	}
}

func TestListAndOrigin(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	for _, c := range []Checkpoint{
		{LogURL: "http://a/", TreeID: "2", Size: 2},
		{LogURL: "http://a", TreeID: "1", Size: 1},
		{LogURL: "http://b", TreeID: "1", Size: 9},
	} {
		if err := s.Save(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveOrigin(Origin{LogURL: "http://a", KeyFingerprint: "k", Origin: "a.example"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.List("http://a")
	if err != nil || len(got) != 2 || got[0].TreeID != "1" || got[1].TreeID != "2" {
		t.Fatalf("List(http://a) = %+v, %v; want trees 1 and 2", got, err)
	}
	o, err := s.LoadOrigin("http://a/", "k")
	if err != nil || o == nil || o.Origin != "a.example" {
		t.Fatalf("LoadOrigin = %+v, %v; want a.example", o, err)
	}
	if o, err := s.LoadOrigin("http://a", "other key"); o != nil || err != nil {
		t.Errorf("LoadOrigin(other key) = %+v, %v; want nil, nil", o, err)
	}
}
