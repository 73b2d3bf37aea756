package ui

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"

	"github.com/provscope/provscope/internal/testenv"
	"github.com/provscope/provscope/model"
)

// Per-pane goldens: each pane is built alone over a session store and a
// Common (no App, no backend), the store filled as the flows fill it
// (ui/flow_*.go), and rendered at a narrow and a wide size. The goldens
// are testdata/panes/<pane>-<state>-<w>x<h>.golden, raw (the styling's
// SGR included), written by golden's -update like golden_test.go's.

// paneSizes are the sizes every pane state is rendered at.
var paneSizes = [][2]int{{38, 10}, {100, 20}}

// hostileText is foreign text carrying an SGR escape, an OSC 8 hyperlink
// and a right-to-left override: a pane must show all three escaped.
const hostileText = "\x1b[31mRED\x1b[0m \x1b]8;;https://evil.example/\x07click\x1b]8;;\x07 \u202Egpj.exe"

// paneKeyPEM is a fixed signing key, so entry rows and their fingerprints
// are stable.
const paneKeyPEM = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEl0BooGuAGcu5LUvhhBq6MQs1ge7c
e5l18LJNEAD0D9vds0bXtLrZtjZvEYmRqid5ACuj1LzT54qw8wC+Cy8gew==
-----END PUBLIC KEY-----
`

var paneEpoch = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// paneWorld is one pane's session: its Common and store, and the log
// entries the states draw from.
type paneWorld struct {
	// width and height are the pane's size.
	width, height int
	c             *Common
	s             *session
	entries       []model.LogEntry
	// tree is the log the entries are in.
	tree    *testonly.Tree
	spinner string
}

// newPaneWorld returns an empty session for a pane of width×height, with
// dark default styles, a pinned clock and no backend, and a log of 7
// hashedrekord entries with valid inclusion proofs against the tree of all
// 7.
func newPaneWorld(width, height int) *paneWorld {
	c := NewCommon(nil, true, false)
	c.Now = func() time.Time { return paneEpoch.Add(24 * time.Hour) }
	c.RegistryHost = "127.0.0.1:5000"
	sp := spinner.New(spinner.WithSpinner(spinner.MiniDot))
	sp.Style = c.Styles.Badge.Pending
	es, tree := paneLog(7)
	return &paneWorld{width: width, height: height, c: &c, s: newSession(), entries: es, tree: tree, spinner: sp.View()}
}

// sized gives a new pane its size before it gets data, as the App's
// layout does.
func sized[P paneModel](w *paneWorld, p P) P {
	p.SetSize(w.width, w.height)
	return p
}

// paneLog builds a log of n entries, each with its inclusion proof in the
// tree of n, and returns them and the tree.
func paneLog(n int) ([]model.LogEntry, *testonly.Tree) {
	tree := testonly.New(rfc6962.DefaultHasher)
	var bodies [][]byte
	for i := range n {
		d := sha256.Sum256([]byte(fmt.Sprint("image-", i)))
		b := fmt.Sprintf(`{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"%x"}},"signature":{"content":"%s","publicKey":{"content":"%s"}}}}`,
			d, base64.StdEncoding.EncodeToString([]byte(fmt.Sprint("sig-", i))), base64.StdEncoding.EncodeToString([]byte(paneKeyPEM)))
		bodies = append(bodies, []byte(b))
		tree.AppendData([]byte(b))
	}
	size := uint64(n) //nolint:gosec // G115: a handful of entries
	root := tree.Hash()
	out := make([]model.LogEntry, n)
	for i, b := range bodies {
		idx := uint64(i) //nolint:gosec // G115: a handful of entries
		p, err := tree.InclusionProof(idx, size)
		if err != nil {
			panic(err)
		}
		out[i] = model.LogEntry{
			UUID:     fmt.Sprintf("%016x%x", 0x1d4b9e2ac0ffee01, tree.LeafHash(idx)),
			LogIndex: int64(i) + 1000, IntegratedTime: paneEpoch.Add(time.Duration(i) * 37 * time.Minute),
			LogID: "c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d",
			Body:  b, Kind: model.KindHashedRekord, APIVersion: "0.0.1", SET: []byte("fake-set"),
			Proof: &model.InclusionProof{
				LogIndex: int64(i), TreeSize: int64(n), RootHash: root, Hashes: p,
				Checkpoint: fmt.Sprintf("pane.provscope.test\n%d\n%s\n\n— pane.provscope.test AAAAAA==\n", n, base64.StdEncoding.EncodeToString(root)),
			},
		}
	}
	return out, tree
}

func paneDigest(s string) string {
	d := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(d[:])
}

// paneResult builds a finished verification as backgroundDone and verifyEvent
// leave it.
func paneResult(subject string, steps ...model.Step) *verification {
	r := model.Result{Subject: subject, Steps: steps}
	return &verification{subject: subject, result: &r, steps: steps}
}

var (
	panePassSteps = []model.Step{
		{Name: "signature", Title: "Signature", Status: model.StatusPass, Detail: "ECDSA P-256 over the payload"},
		{Name: "inclusion-proof", Title: "Inclusion proof", Status: model.StatusPass, Detail: "leaf 3 of 7 reaches the checkpoint root"},
	}
	paneFailSteps = []model.Step{
		{Name: "signature", Title: "Signature", Status: model.StatusFail, Detail: "signature does not verify with the key of entry 1004"},
		{Name: "inclusion-proof", Title: "Inclusion proof", Status: model.StatusSkipped, Detail: "an earlier step failed"},
	}
	paneUnpinnedSteps = []model.Step{
		{Name: "signature", Title: "Signature", Status: model.StatusPass, Detail: "ECDSA P-256 over the payload"},
		{Name: "signer", Title: "Signer", Status: model.StatusSkipped, Detail: "no signer pinned"},
	}
)

// fillImages fills the store as the images flow does once the repositories,
// their tags, the images and their background verdicts have arrived:
// demo/app:v1.0 verified, demo/app:v1.1 unpinned, demo/tampered:v1
// failed, demo/unsigned:v1 not verified yet.
func (w *paneWorld) fillImages() {
	tags := map[string][]string{"demo/app": {"v1.0", "v1.1"}, "demo/tampered": {"v1"}, "demo/unsigned": {"v1"}}
	for _, r := range []string{"demo/app", "demo/tampered", "demo/unsigned"} {
		w.s.repos = append(w.s.repos, model.Repository{Registry: w.c.RegistryHost, Name: r})
		tl := &tagList{}
		for _, t := range tags[r] {
			ref := r + ":" + t
			tl.tags = append(tl.tags, model.Tag{Repository: r, Name: t, Digest: paneDigest(ref)})
			w.s.images[ref] = &imageState{loaded: true, img: model.Image{
				Reference: ref, Digest: paneDigest(ref), MediaType: "application/vnd.oci.image.manifest.v1+json",
				Platform: &model.Platform{OS: "linux", Architecture: "amd64"}, LayerCount: 3, Size: 31 << 20,
			}, atts: []model.Attachment{{
				Kind: model.AttachSignature, Source: "tag:" + strings.Replace(paneDigest(ref), ":", "-", 1) + ".sig",
				SignedDigest: paneDigest(ref), RekorBundle: &model.RekorBundle{LogIndex: 1003},
			}}}
		}
		w.s.tags[r] = tl
	}
	w.s.results[imageKey("demo/app:v1.0")] = paneResult("demo/app:v1.0", panePassSteps...)
	v := paneResult("demo/app:v1.1", paneUnpinnedSteps...)
	v.result.Override = model.VerdictUnpinned
	w.s.results[imageKey("demo/app:v1.1")] = v
	w.s.results[imageKey("demo/tampered:v1")] = paneResult("demo/tampered:v1", paneFailSteps...)
}

// fillEntries gives the entries pane the selected image's entries, with
// entry verdicts as the background jobs leave them: the first verified,
// the second failed, the third unpinned, the rest not verified yet.
func (w *paneWorld) fillEntries(p *entriesPane) {
	uuids := make([]string, len(w.entries))
	for i, e := range w.entries {
		uuids[i] = e.UUID
	}
	p.setEntries(entriesTitle("demo/app:v1.0"), uuids, w.entries, nil)
	w.s.results[entryKey(w.entries[0].UUID)] = paneResult("entry 1000", panePassSteps...)
	w.s.results[entryKey(w.entries[1].UUID)] = paneResult("entry 1001", paneFailSteps...)
	v := paneResult("entry 1002", paneUnpinnedSteps...)
	v.result.Override = model.VerdictUnpinned
	w.s.results[entryKey(w.entries[2].UUID)] = v
}

// paneState is one state of one pane: setup builds the pane over w, sized,
// and fills it.
type paneState struct {
	name  string
	setup func(w *paneWorld) paneModel
}

// paneModel is what every pane offers the App: a size, keys and a view.
type paneModel interface {
	SetSize(w, h int)
	Update(msg tea.Msg) tea.Cmd
	View() string
}

var paneDown = tea.KeyPressMsg{Code: tea.KeyDown}

var imagesStates = []paneState{
	{"empty", func(w *paneWorld) paneModel { return sized(w, newImagesPane(w.c, w.s)) }},
	{"loading", func(w *paneWorld) paneModel {
		w.s.reposLoading = true
		p := sized(w, newImagesPane(w.c, w.s))
		p.spinner = w.spinner
		return p
	}},
	{"error", func(w *paneWorld) paneModel {
		w.s.reposErr = fmt.Errorf("listing repositories: %w", errors.New(hostileText))
		return sized(w, newImagesPane(w.c, w.s))
	}},
	{"populated", func(w *paneWorld) paneModel {
		w.fillImages()
		p := sized(w, newImagesPane(w.c, w.s))
		p.open["demo/app"], p.open["demo/tampered"] = true, true
		p.rebuild()
		return p
	}},
	{"selected", func(w *paneWorld) paneModel {
		w.fillImages()
		p := sized(w, newImagesPane(w.c, w.s))
		p.focused = true
		p.open["demo/app"], p.open["demo/tampered"] = true, true
		p.rebuild()
		for range 4 { // to demo/tampered:v1
			p.Update(paneDown)
		}
		return p
	}},
	{"filter", func(w *paneWorld) paneModel {
		w.fillImages()
		p := sized(w, newImagesPane(w.c, w.s))
		p.focused = true
		p.filter.typing = true
		p.filter.in.SetValue("v1.")
		p.rebuild()
		return p
	}},
}

var entriesStates = []paneState{
	{"empty", func(w *paneWorld) paneModel { return sized(w, newEntriesPane(w.c, w.s)) }},
	{"loading", func(w *paneWorld) paneModel {
		p := sized(w, newEntriesPane(w.c, w.s))
		p.setLoading(entriesTitle("demo/app:v1.0"))
		p.spinner = w.spinner
		return p
	}},
	{"error", func(w *paneWorld) paneModel {
		p := sized(w, newEntriesPane(w.c, w.s))
		p.setEntries(entriesTitle("demo/app:v1.0"), nil, nil, fmt.Errorf("reading the log: %w", errors.New(hostileText)))
		return p
	}},
	{"populated", func(w *paneWorld) paneModel {
		p := sized(w, newEntriesPane(w.c, w.s))
		w.fillEntries(p)
		return p
	}},
	{"selected", func(w *paneWorld) paneModel {
		p := sized(w, newEntriesPane(w.c, w.s))
		p.focused = true
		w.fillEntries(p)
		p.Update(paneDown) // to the failed entry
		return p
	}},
	{"filter", func(w *paneWorld) paneModel {
		p := sized(w, newEntriesPane(w.c, w.s))
		p.focused = true
		w.fillEntries(p)
		p.filter.typing = true
		p.filter.in.SetValue("1002")
		p.refilter()
		return p
	}},
}

var proofStates = []paneState{
	{"empty", func(w *paneWorld) paneModel { return sized(w, newProofPane(w.c, w.s)) }},
	{"loading", func(w *paneWorld) paneModel {
		p := sized(w, newProofPane(w.c, w.s))
		p.consRunning = true
		p.spinner = w.spinner
		return p
	}},
	{"error", func(w *paneWorld) paneModel {
		p := sized(w, newProofPane(w.c, w.s))
		p.setConsistency(nil, fmt.Errorf("fetching the consistency proof: %w", errors.New(hostileText)))
		return p
	}},
	{"match", func(w *paneWorld) paneModel {
		p := sized(w, newProofPane(w.c, w.s))
		e := w.entries[3]
		p.setEntry(&e)
		return p
	}},
	{"mismatch", func(w *paneWorld) paneModel {
		p := sized(w, newProofPane(w.c, w.s))
		e := w.entries[3]
		pr := *e.Proof
		pr.Hashes = append([][]byte(nil), pr.Hashes...)
		flipped := sha256.Sum256([]byte("not the sibling"))
		pr.Hashes[1] = flipped[:]
		e.Proof = &pr
		p.setEntry(&e)
		return p
	}},
	{"consistent", func(w *paneWorld) paneModel {
		// As consistencyChecked draws a manual check that passed: the log
		// grew from 4 to 7 leaves.
		p := sized(w, newProofPane(w.c, w.s))
		cp, err := w.tree.ConsistencyProof(4, 7)
		if err != nil {
			panic(err)
		}
		t := traceConsistency(4, 7, w.tree.HashAt(4), w.tree.HashAt(7), cp)
		p.setConsistency(&t, nil)
		return p
	}},
	{"untrusted", func(w *paneWorld) paneModel {
		w.c.LogTrusted = func(string) (bool, string) {
			return false, "this log is not in the trusted root; pin its key with --log-key"
		}
		p := sized(w, newProofPane(w.c, w.s))
		e := w.entries[3]
		p.setEntry(&e)
		return p
	}},
}

var detailStates = []paneState{
	{"empty", func(w *paneWorld) paneModel { return sized(w, newDetailPane(w.c, w.s)) }},
	{"loading", func(w *paneWorld) paneModel {
		w.s.images["demo/app:v1.0"] = &imageState{loading: true}
		p := sized(w, newDetailPane(w.c, w.s))
		p.spinner = w.spinner
		p.showImage("demo/app:v1.0")
		return p
	}},
	{"error", func(w *paneWorld) paneModel {
		w.s.images["demo/app:v1.0"] = &imageState{err: fmt.Errorf("resolving demo/app:v1.0: %w", errors.New(hostileText))}
		p := sized(w, newDetailPane(w.c, w.s))
		p.showImage("demo/app:v1.0")
		return p
	}},
	{"image", func(w *paneWorld) paneModel {
		w.fillImages()
		p := sized(w, newDetailPane(w.c, w.s))
		p.showImage("demo/app:v1.0")
		return p
	}},
	{"entry", func(w *paneWorld) paneModel {
		p := sized(w, newDetailPane(w.c, w.s))
		e := w.entries[3]
		p.showEntry(&e)
		return p
	}},
	{"failed", func(w *paneWorld) paneModel {
		w.fillImages()
		p := sized(w, newDetailPane(w.c, w.s))
		p.showImage("demo/tampered:v1")
		p.revealFailure() // as verifyEvent does when a verification fails
		return p
	}},
}

// TestPaneGolden renders every pane state alone at each size and compares
// it, SGR styling included, with testdata/panes/<pane>-<state>-<w>x<h>.golden.
func TestPaneGolden(t *testing.T) {
	panes := []struct {
		name   string
		states []paneState
	}{
		{"images", imagesStates},
		{"entries", entriesStates},
		{"proof", proofStates},
		{"detail", detailStates},
	}
	for _, pn := range panes {
		for _, st := range pn.states {
			for _, sz := range paneSizes {
				name := fmt.Sprintf("%s-%s-%dx%d", pn.name, st.name, sz[0], sz[1])
				t.Run(name, func(t *testing.T) {
					p := st.setup(newPaneWorld(sz[0], sz[1]))
					p.SetSize(sz[0], sz[1]) // the App lays out again after each change
					v := p.View()
					if gw, gh := lipgloss.Size(v); gw != sz[0] || gh != sz[1] {
						t.Fatalf("view is %d×%d, want %d×%d:\n%s", gw, gh, sz[0], sz[1], ansi.Strip(v))
					}
					golden.RequireEqual(namedTB{t, "panes/" + name}, v)
				})
			}
		}
	}
}

// TestPaneGoldenUpdateRefusedInCI: TestMain's guard covers the pane
// goldens too (run with CI=true and -update, nothing is written).
func TestPaneGoldenUpdateRefusedInCI(t *testing.T) {
	testenv.RequireUpdateRefusedInCI(t, t.TempDir(), "^TestPaneGolden$")
}

// namedTB renames a test for golden, which names its file after the test:
// testdata/<name>.golden.
type namedTB struct {
	testing.TB
	name string
}

func (n namedTB) Name() string { return n.name }
