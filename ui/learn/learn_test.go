package learn

import (
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/provscope/provscope/internal/testenv"
	"github.com/provscope/provscope/proof"
)

// TestMain refuses -update in CI before any test runs, so that no golden is
// rewritten there.
func TestMain(m *testing.M) { os.Exit(testenv.MainRefusingUpdateInCI(m)) }

// TestUpdateRefusedInCI runs the lesson goldens with CI=true and -update in
// an empty folder and checks that the run fails having written nothing.
func TestUpdateRefusedInCI(t *testing.T) {
	testenv.RequireUpdateRefusedInCI(t, t.TempDir(), "^TestLessonGoldens$")
}

func press(m *Model, keys ...string) *Model {
	for _, k := range keys {
		m, _ = m.Update(keyMsg(k))
	}
	return m
}

// keyMsg builds the key press the terminal would send for a key name.
func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

func newTestModel(w, h int) *Model {
	m := New(Config{Seed: 42, NoColor: false, IsDark: true})
	m, _ = m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

func checkSize(t *testing.T, view string, w, h int) {
	t.Helper()
	gw, gh := lipgloss.Size(view)
	if gw > w || gh != h {
		t.Fatalf("view is %dx%d, want at most %d wide and %d high", gw, gh, w, h)
	}
}

// TestLessonGoldens walks every lesson with the keyboard, as a learner
// would, and compares every step's view (ANSI stripped) with its golden.
func TestLessonGoldens(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			m := newTestModel(sz.w, sz.h)
			t.Run("menu", func(t *testing.T) {
				v := m.View()
				checkSize(t, v, sz.w, sz.h)
				golden.RequireEqual(t, ansi.Strip(v))
			})
			m = press(m, "enter")
			for li, l := range m.lessons {
				for si := range l.steps {
					t.Run(fmt.Sprintf("lesson%d/step%d", li+1, si+1), func(t *testing.T) {
						if m.lesson != li || m.lstep != si {
							t.Fatalf("keyboard walk is at lesson %d step %d, want %d/%d", m.lesson+1, m.lstep+1, li+1, si+1)
						}
						v := m.View()
						checkSize(t, v, sz.w, sz.h)
						golden.RequireEqual(t, ansi.Strip(v))
					})
					m = press(m, "n")
				}
				// Finishing a lesson returns to the list with the next one selected.
				if !m.menu {
					t.Fatalf("after lesson %d: lesson list not shown", li+1)
				}
				if li+1 < len(m.lessons) {
					m = press(m, "enter")
				}
			}
		})
	}
}

var (
	addrRE   = regexp.MustCompile(`\(\d+,\d+\)`)
	quotedRE = regexp.MustCompile(`"[^"]+"`)
	pathRE   = regexp.MustCompile(`tile/[0-9./px]*[0-9]`)
)

// TestLessonTextMatchesScreen checks that every node address, quoted entry
// and tile path a lesson sentence names is on the screen it describes.
func TestLessonTextMatchesScreen(t *testing.T) {
	m := newTestModel(120, 40)
	for li, l := range m.lessons {
		m.StartLesson(li)
		for si, s := range l.steps {
			m.lessonGo(si)
			screen := ansi.Strip(strings.Join(m.body(120, 40), "\n"))
			if m.screen == ScreenGrow || m.screen == ScreenInclusion || m.screen == ScreenConsistency {
				// Tree rows name nodes by level row and index; spell them out.
				screen += strings.Join(drawnAddrs(m), " ")
			}
			for _, re := range []*regexp.Regexp{addrRE, quotedRE, pathRE} {
				for _, want := range re.FindAllString(s.text, -1) {
					if !strings.Contains(screen, want) {
						t.Errorf("lesson %d step %d names %s, not on screen:\n%s", li+1, si+1, want, screen)
					}
				}
			}
		}
	}
}

// drawnAddrs lists the nodes the tree on screen draws, as "(level,index)".
func drawnAddrs(m *Model) []string {
	size := m.log.Size()
	if m.screen == ScreenConsistency {
		if _, n2, ok := m.consSizes(); ok {
			size = n2
		}
	}
	if size == 0 {
		return nil
	}
	t := layoutTree(treeSpec{size: size, focus: []uint64{m.leaf}, label: labeler(m.log, size, false)}, 120)
	var out []string
	var walk func(n *tnode)
	walk = func(n *tnode) {
		out = append(out, n.addr.String())
		if !n.collapsed && !n.leaf() {
			walk(n.left)
			walk(n.right)
		}
	}
	walk(t.root)
	return out
}

// TestDrawnProofNodesAreVisible checks, at 80 columns, for every leaf of
// every size up to 128 and for the first, middle and last leaf and four
// others of every size up to 1000 (300 with -short), that each node of the drawn inclusion proof and each
// step's output is drawn (not hidden in a collapsed subtree) and that the
// proof node under each step is that node's child in the drawn tree.
func TestDrawnProofNodesAreVisible(t *testing.T) {
	m := newTestModel(80, 24)
	maxSize := uint64(1000)
	if testing.Short() {
		maxSize = 300
	}
	m.resetLog(maxSize)
	for size := uint64(1); size <= maxSize; size++ {
		root, _ := m.log.Root(size)
		leaves := []uint64{0, size / 2, size - 1}
		for j := range uint64(4) {
			leaves = append(leaves, (size*7919+j*104729)%size)
		}
		if size <= 128 {
			leaves = leaves[:0]
			for i := range size {
				leaves = append(leaves, i)
			}
		}
		for _, leaf := range leaves {
			in := proveInclusion(m.log, leaf, size, root)
			if in.err != nil {
				t.Fatalf("proveInclusion(%d, %d) = %v", leaf, size, in.err)
			}
			lt := layoutTree(treeSpec{size: size, focus: []uint64{leaf}, label: labeler(m.log, size, false)}, 80)
			drawn := map[proof.NodeAddr]*tnode{}
			var walk func(n *tnode)
			walk = func(n *tnode) {
				drawn[n.addr] = n
				if !n.collapsed && !n.leaf() {
					walk(n.left)
					walk(n.right)
				}
			}
			walk(lt.root)
			for _, s := range in.trace.Steps {
				n, ok := drawn[s.Node]
				if !ok || n.collapsed {
					t.Fatalf("size %d leaf %d: step node %v not drawn expanded", size, leaf, s.Node)
				}
				sib := addr(in.nodes[s.ProofIndex].ID)
				child := n.right
				if s.SiblingOnLeft {
					child = n.left
				}
				if child.addr != sib {
					t.Fatalf("size %d leaf %d: proof node %v drawn as %v under %v", size, leaf, sib, child.addr, s.Node)
				}
			}
		}
	}
}

func TestGrowAndType(t *testing.T) {
	m := newTestModel(80, 24)
	m = press(m, "esc", "a", "a", "A")
	if got := m.log.Size(); got != 18 {
		t.Fatalf("after a, a, A: size %d, want 18", got)
	}
	m = press(m, "i", "h", "i", "q", "backspace", "!")
	if !m.Capturing() {
		t.Fatal("typing a leaf: Capturing() = false, want true")
	}
	m = press(m, "enter")
	if got, want := string(m.log.Entry(18)), "hi!"; got != want {
		t.Errorf("typed leaf = %q, want %q", got, want)
	}
	if m.Capturing() {
		t.Error("after enter: Capturing() = true")
	}
	// Up walks the path to the root; the root of 19 leaves is (5,0).
	m = press(m, "up", "up", "up", "up", "up", "up", "up")
	if got, want := m.selectedNode(), (proof.NodeAddr{Level: 5}); got != want {
		t.Errorf("selected after 7 × up = %v, want %v", got, want)
	}
	if !strings.Contains(ansi.Strip(m.View()), "Selected node (5,0)") {
		t.Errorf("view does not describe the selected root:\n%s", ansi.Strip(m.View()))
	}
}

func TestInclusionStepsToCheckpoint(t *testing.T) {
	m := newTestModel(120, 40)
	m = press(m, "esc")
	m.resetLog(11)
	m = press(m, "2", "home", "right", "right", "right")
	if m.leaf != 3 {
		t.Fatalf("leaf = %d, want 3", m.leaf)
	}
	for range 10 {
		m = press(m, "space")
	}
	v := ansi.Strip(m.View())
	for _, want := range []string{"✓ equal", "✓ ed25519 signature by learn.provscope.example/log: verified", "\n11\n"} {
		if !strings.Contains(strings.ReplaceAll(v, "  │ ", "\n"), want) {
			t.Errorf("final inclusion view lacks %q:\n%s", want, v)
		}
	}
}

func TestTamperAndRestore(t *testing.T) {
	m := newTestModel(120, 40)
	m = press(m, "esc")
	m.resetLog(20)
	m = press(m, "4", "right", "right", "right", "t")
	if !m.tamper.on || m.tamper.leaf != 3 {
		t.Fatalf("after t on leaf 3: tamper = %+v", m.tamper)
	}
	if m.tamper.failing != 20 {
		t.Errorf("failing proofs = %d, want all 20", m.tamper.failing)
	}
	if m.tamper.consAfter.err == nil || m.tamper.consBefore.err != nil {
		t.Errorf("consistency after/before = %v / %v, want failure / success", m.tamper.consAfter.err, m.tamper.consBefore.err)
	}
	m = press(m, "right", "right")
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "Proof for leaf 5 ✗ fails") || !strings.Contains(v, "It goes wrong at step 3, which takes proof[2] = (2,0)") {
		t.Errorf("tamper view for leaf 5:\n%s", v)
	}
	m = press(m, "r")
	if m.tamper.on {
		t.Error("after r: still tampered")
	}
}

func TestConsistencyKeys(t *testing.T) {
	m := newTestModel(120, 40)
	m = press(m, "esc")
	m.resetLog(9)
	m = press(m, "3")
	n1, n2, _ := m.consSizes()
	if n1 != 4 || n2 != 9 {
		t.Fatalf("default sizes = %d, %d, want 4, 9", n1, n2)
	}
	m = press(m, "left", "[", "[")
	n1, n2, _ = m.consSizes()
	if n1 != 3 || n2 != 7 {
		t.Fatalf("after ←, [, [: sizes %d, %d, want 3, 7", n1, n2)
	}
	for range 10 {
		m = press(m, "space")
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "✓ cosignature/v1 by witness.provscope.example: verified") {
		t.Errorf("final consistency view lacks the witness cosignature:\n%s", v)
	}
}

func TestTiles70000(t *testing.T) {
	got := tileLevels(70000)
	want := []tileLevel{{0, 70000, 273, 112}, {1, 273, 1, 17}, {2, 1, 0, 1}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("tileLevels(70000) = %v, want %v", got, want)
	}
	if got := tileLevels(256); fmt.Sprint(got) != fmt.Sprint([]tileLevel{{0, 256, 1, 0}, {1, 1, 0, 1}}) {
		t.Errorf("tileLevels(256) = %v, want a full level-0 tile and a level-1 tile of width 1", got)
	}
	for _, tc := range []struct {
		level    uint
		n, width uint64
		want     string
	}{
		{0, 1234067, 0, "tile/0/x001/x234/067"},
		{0, 273, 112, "tile/0/273.p/112"},
		{1, 1, 17, "tile/1/001.p/17"},
		{2, 0, 256, "tile/2/000"},
	} {
		if got := tilePath(tc.level, tc.n, tc.width); got != tc.want {
			t.Errorf("tilePath(%d, %d, %d) = %q, want %q", tc.level, tc.n, tc.width, got, tc.want)
		}
	}
	lt := leafTiles(69999, 70000)
	if len(lt) != 3 || lt[0].tile != 273 || lt[0].pos != 111 || lt[0].width != 112 || lt[1].exists || lt[2].exists {
		t.Errorf("leafTiles(69999, 70000) = %+v", lt)
	}
	lt = leafTiles(1000, 70000)
	if lt[0].tile != 3 || lt[0].pos != 232 || !lt[0].tileFull || lt[1].node != 3 || !lt[1].exists || !lt[2].exists || lt[2].width != 1 {
		t.Errorf("leafTiles(1000, 70000) = %+v", lt)
	}
}

var allKeys = []string{
	"a", "A", "i", "x", "t", "r", "n", "p", "L", "1", "2", "3", "4", "5", "[", "]", "g", "G",
	"space", "backspace", "left", "right", "up", "down", "home", "end", "enter", "esc", "tab", "shift+tab", "h", "q", "z",
}

// TestRandomKeys presses random keys at many sizes, tiny ones included, and
// renders after each: nothing may panic and the view must fit.
func TestRandomKeys(t *testing.T) {
	sizes := []struct{ w, h int }{{1, 1}, {10, 3}, {20, 6}, {40, 12}, {80, 24}, {120, 40}, {200, 60}}
	for _, sz := range sizes {
		for seed := range uint64(4) {
			r := rand.New(rand.NewPCG(seed, uint64(sz.w)))
			m := New(Config{Seed: seed, MaxEntries: 300})
			m, _ = m.Update(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
			presses := 400
			if testing.Short() {
				presses = 100
			}
			for range presses {
				m = press(m, allKeys[r.IntN(len(allKeys))])
				v := m.View()
				if gw, gh := lipgloss.Size(v); gw > sz.w || gh > sz.h {
					t.Fatalf("%dx%d seed %d: view %dx%d too large", sz.w, sz.h, seed, gw, gh)
				}
			}
		}
	}
}

// FuzzKeys drives the model with arbitrary key sequences at arbitrary
// sizes: after every key, from the minimum size up, the view is exactly as
// high as the window and no wider (the pane contract checkSize states: its
// lines are not padded to the full width), and below the minimum it never
// exceeds the window.
func FuzzKeys(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5}, uint8(80), uint8(24))
	f.Add([]byte("AAAAAAAAA2  4t3   "), uint8(30), uint8(8))
	f.Add([]byte("\x01\x02\x03"), uint8(29), uint8(7))
	f.Fuzz(func(t *testing.T, seq []byte, w, h uint8) {
		if len(seq) > 300 {
			seq = seq[:300]
		}
		m := New(Config{Seed: 1, MaxEntries: 200})
		m, _ = m.Update(tea.WindowSizeMsg{Width: int(w), Height: int(h)})
		check := func(after string) {
			gw, gh := lipgloss.Size(m.View())
			switch {
			case int(w) >= minWidth && int(h) >= minHeight && (gw > int(w) || gh != int(h)):
				t.Fatalf("%dx%d after %s: view is %dx%d, want exactly %d high and at most %d wide", w, h, after, gw, gh, h, w)
			case gw > int(w) || (h > 0 && gh > int(h)):
				t.Fatalf("%dx%d after %s: view is %dx%d, larger than the window", w, h, after, gw, gh)
			}
		}
		check("resize")
		for i, b := range seq {
			k := allKeys[int(b)%len(allKeys)]
			m = press(m, k)
			check(fmt.Sprintf("key %d %q", i, k))
		}
	})
}

func BenchmarkViewLargeTree(b *testing.B) {
	m := newTestModel(120, 40)
	m = press(m, "esc")
	m.resetLog(4096)
	m = press(m, "2", "end")
	b.ResetTimer()
	for b.Loop() {
		_ = m.View()
	}
}

func TestProofTiles(t *testing.T) {
	for _, tc := range []struct {
		leaf, size uint64
		want       string
	}{
		// Leaf 1,000: its own full tile, then level-1 hashes 0..3 are
		// siblings inside tile/1/000; the right side of the tree is
		// tile/1/000's other hashes, the partial level-1 tile and the
		// partial level-0 tile.
		{1000, 70000, "tile/0/003 tile/1/000 tile/0/273.p/112 tile/1/001.p/17"},
		{0, 1, ""},
		{0, 2, "tile/0/000.p/2"},
		{255, 256, "tile/0/000"},
	} {
		got, err := proofTiles(tc.leaf, tc.size)
		if err != nil {
			t.Fatalf("proofTiles(%d, %d) = %v", tc.leaf, tc.size, err)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("proofTiles(%d, %d) = %q, want %q", tc.leaf, tc.size, strings.Join(got, " "), tc.want)
		}
	}
}

// TestWideTreeKeepsSelectedLeafInView renders a 4096-leaf tree at 80
// columns with a leaf at the far right selected: the drawing scrolls so the
// leaf and its marker are on screen.
func TestWideTreeKeepsSelectedLeafInView(t *testing.T) {
	m := newTestModel(80, 24)
	m.resetLog(4096)
	for _, leaf := range []uint64{0, 2047, 4093} {
		spec := treeSpec{
			size: 4096, focus: []uint64{leaf}, label: labeler(m.log, 4096, false),
			class: classes{}.fn(), marker: func(l uint64) string {
				if l == leaf {
					return "▲"
				}
				return ""
			},
		}
		lines := renderTree(spec, 80, m.st)
		leafRow, markRow := ansi.Strip(lines[len(lines)-2]), ansi.Strip(lines[len(lines)-1])
		if !strings.Contains(leafRow, fmt.Sprint(leaf)) || !strings.Contains(markRow, "▲") {
			t.Errorf("leaf %d: not in view:\n%s\n%s", leaf, leafRow, markRow)
		}
		for i, l := range lines {
			if w := lipgloss.Width(l); w > 80 {
				t.Errorf("leaf %d: line %d is %d wide", leaf, i, w)
			}
		}
	}
}
