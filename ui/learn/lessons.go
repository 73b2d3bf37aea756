package learn

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// lesson is a short guided tour: a few steps, each a sentence about what
// its setup puts on the screen.
type lesson struct {
	title string
	steps []lessonStep
}

type lessonStep struct {
	text  string
	setup func(m *Model)
}

// Setups rebuild the whole state they describe, so a step always shows
// what its sentence says, however the learner got there.

func growAt(n, leaf uint64, up int, hashes bool) func(*Model) {
	return func(m *Model) {
		m.resetLog(n)
		m.screen, m.leaf, m.up, m.showHash = ScreenGrow, leaf, up, hashes
	}
}

func inclusionAt(n, leaf uint64, step int) func(*Model) {
	return func(m *Model) {
		m.resetLog(n)
		m.screen, m.leaf, m.inclStep, m.showHash = ScreenInclusion, leaf, step, false
	}
}

func consistencyAt(n, old uint64, stage int) func(*Model) {
	return func(m *Model) {
		m.resetLog(n)
		m.screen, m.oldSize, m.newSize, m.consStep, m.showHash = ScreenConsistency, old, n, stage, false
	}
}

func tamperAt(n, leaf, probe uint64) func(*Model) {
	return func(m *Model) {
		m.resetLog(n)
		m.screen = ScreenTamper
		m.tamperWith(leaf)
		m.leaf = probe
	}
}

func tilesAt(size, leaf uint64) func(*Model) {
	return func(m *Model) {
		m.screen, m.tileSize, m.tileLeaf = ScreenTiles, size, leaf
	}
}

// allLessons returns the guided lessons. Sizes are small so every tree fits
// an 80×24 terminal.
func allLessons() []lesson {
	return []lesson{
		{"What a log promises", []lessonStep{
			{"A transparency log is a list that only grows: entries are appended at the end, never changed or removed. This one is still empty.", growAt(0, 0, 0, false)},
			{"Here is its first entry, leaf 0, holding the bytes \"entry 0\". A tree of one leaf is just that leaf.", growAt(1, 0, 0, false)},
			{"With 4 entries the leaves pair up into a perfect binary tree. Nodes are named (level, index): level 0 is the leaves; the selected node (2,0) is the root.", growAt(4, 0, 2, false)},
			{"With 7 entries the tree is no longer perfect: RFC 6962 splits at the largest power of two, so the right side is lopsided. Dashed (╌) nodes are ephemeral: their hash changes as entries arrive.", growAt(7, 6, 0, false)},
			{"The root (3,0) commits to all 7 entries at once: change any byte below it and its hash changes. The log signs this root; the next lessons show how anyone checks it.", growAt(7, 6, 2, false)},
		}},
		{"Leaf and node hashes", []lessonStep{
			{"Labels now show the first 4 hex digits of each hash. Leaf 2's hash is SHA-256 of the byte 0x00 followed by its entry, \"entry 2\".", growAt(4, 2, 0, true)},
			{"Its parent (1,1) hashes the byte 0x01 followed by its two children's hashes, left then right.", growAt(4, 2, 1, true)},
			{"The root (2,0) is built the same way from (1,0) and (1,1). Every interior node is SHA-256(0x01 ‖ left ‖ right).", growAt(4, 2, 2, true)},
			{"Why 0x00 and 0x01? So a leaf can never pass for an interior node: without them, two child hashes (64 bytes) could be presented as some leaf's entry.", growAt(4, 2, 2, true)},
		}},
		{"Inclusion proofs", []lessonStep{
			{"To show leaf 2 is in the tree of 7, the log sends only the 3 underlined hashes, not all 7 entries. Step 0 hashes the leaf: 0x00 ‖ \"entry 2\".", inclusionAt(7, 2, 0)},
			{"Step 1: leaf 2 is a left child, so it is hashed with proof[0], its sibling leaf (0,3), on the right, giving the parent (1,1).", inclusionAt(7, 2, 1)},
			{"Step 2: (1,1) is a right child, so proof[1] = (1,0) goes on the left, giving (2,0).", inclusionAt(7, 2, 2)},
			{"Step 3: proof[2] is (2,1), an ephemeral node standing for leaves 4..6; hashing it on the right gives the root (3,0).", inclusionAt(7, 2, 3)},
			{"The rebuilt root equals the checkpoint's root, and the checkpoint's signature verifies with the log's public key: leaf 2 is in the log.", inclusionAt(7, 2, 4)},
			{"Your turn: press esc to leave the lesson, pick another leaf with ←/→ and press space to step through its proof.", inclusionAt(7, 5, 0)},
		}},
		{"Consistency proofs", []lessonStep{
			{"You saved the log's checkpoint at size 3; now it signs size 7. A consistency proof shows the new tree still holds the old 3 leaves, unchanged. This one has 4 hashes and starts from old node (0,2) = proof[0].", consistencyAt(7, 3, 0)},
			{"Step o1 rebuilds the old root of size 3: (2,0) = SHA-256(0x01 ‖ proof[2] ‖ (0,2)), from old nodes only.", consistencyAt(7, 3, 1)},
			{"Steps n1 to n3 start again from (0,2), add the new hashes proof[1] and proof[3], and climb to the new root (3,0).", consistencyAt(7, 3, 4)},
			{"Both rebuilt roots equal the signed ones, so nothing in the first 3 leaves was changed or removed: the log only appended.", consistencyAt(7, 3, 5)},
			{"When the old size is a power of two, like 4, the old root is itself a node of the new tree, (2,0), and the proof leaves it out.", consistencyAt(7, 4, 0)},
		}},
		{"Checkpoints and signatures", []lessonStep{
			{"A checkpoint is the log's name (origin), the tree size and the root hash in base64, followed by the log's signature line.", inclusionAt(7, 2, 4)},
			{"Clients trust a root only after verifying that signature with the log's public key, obtained ahead of time; the ✓ line says it verified.", inclusionAt(7, 2, 4)},
			{"Now suppose the log quietly changes one byte of leaf 2, \"entry 2\" becoming \"Entry 2\": every hash from it up to the root changes (reversed red).", tamperAt(7, 2, 2)},
			{"The log can still serve proofs, but they rebuild a root that differs from the signed one: leaf 5's proof goes wrong at step 3, where it takes the changed (2,0).", tamperAt(7, 2, 5)},
			{"Old checkpoints expose it too: the one of size 3, which held leaf 2, is not consistent with the changed tree; size 2's, from before leaf 2, still is.", tamperAt(7, 2, 5)},
		}},
		{"Witnesses", []lessonStep{
			{"A log could show different trees to different people. Witnesses are independent servers that remember the last checkpoint they saw; this one saw size 3 and checked the proof to size 7.", consistencyAt(7, 3, 5)},
			{"Only after that check does the witness add its own line, a cosignature/v1 that also records when it signed: the checkpoint now carries two signature lines, and both verify.", consistencyAt(7, 3, 6)},
			{"A witness that saw size 3 before leaf 2 was changed refuses the changed tree: the consistency check fails, so it never cosigns.", tamperAt(7, 2, 2)},
			{"Clients can require several witness signatures, so a log that forks its history would have to fool every witness at once.", consistencyAt(7, 3, 6)},
		}},
		{"Tiles", []lessonStep{
			{"Modern logs (C2SP tlog-tiles) don't compute proofs on request: they publish the tree as files of 256 hashes, called tiles, that anyone can fetch and cache.", tilesAt(70000, 69999)},
			{"A tree of 70,000 entries is 273 full level-0 tiles plus a partial one of width 112, one full and one partial (width 17) tile at level 1, and a level-2 tile of width 1.", tilesAt(70000, 69999)},
			{"Leaf 69,999 is position 111 of the partial tile tile/0/273.p/112; it has no level-1 hash yet, because leaves 69,888 to 70,143 are not all there.", tilesAt(70000, 69999)},
			{"Leaf 1,000 is position 232 of the full tile tile/0/003; above it, node (8,3) is in tile/1/000, and node (16,0), leaves 0..65,535, is the only hash of tile/2/000.p/1.", tilesAt(70000, 1000)},
			{"To prove leaf 1,000, a client needs just the 4 tiles listed last and the checkpoint; it computes the same RFC 6962 proof you stepped through earlier.", tilesAt(70000, 1000)},
		}},
	}
}

// StartLesson opens lesson i (0-based) at its first step.
func (m *Model) StartLesson(i int) {
	if i < 0 || i >= len(m.lessons) {
		return
	}
	m.menu = false
	m.lesson = i
	m.lessonGo(0)
}

func (m *Model) lessonGo(step int) {
	if m.lesson < 0 {
		return
	}
	steps := m.lessons[m.lesson].steps
	step = min(max(step, 0), len(steps)-1)
	m.lstep = step
	m.typing = false
	m.status = ""
	steps[step].setup(m)
}

func (m *Model) lessonNext() {
	if m.lesson < 0 {
		return
	}
	if m.lstep+1 < len(m.lessons[m.lesson].steps) {
		m.lessonGo(m.lstep + 1)
		return
	}
	done := m.lesson
	m.lesson = -1
	m.menu = true
	m.menuCursor = min(done+1, len(m.lessons)-1)
	m.status = fmt.Sprintf("Lesson %d done.", done+1)
}

func (m *Model) menuKey(msg tea.KeyPressMsg) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Up) && m.menuCursor > 0:
		m.menuCursor--
	case key.Matches(msg, k.Down) && m.menuCursor+1 < len(m.lessons):
		m.menuCursor++
	case key.Matches(msg, k.Confirm):
		m.status = ""
		m.StartLesson(m.menuCursor)
	case key.Matches(msg, k.Leave) || key.Matches(msg, k.Lessons):
		m.menu = false
		m.status = ""
	}
}

func (m *Model) menuView(w int) []string {
	st := m.st
	out := []string{st.Heading.Render("Guided lessons: how a transparency log keeps its promises")}
	out = append(out, wrap("Each lesson is a few steps with one sentence each; press n or enter to go on. You can leave any lesson with esc and play with the tree yourself.", w)...)
	out = append(out, "")
	for i, l := range m.lessons {
		line := fmt.Sprintf("  %d. %s (%d steps)", i+1, l.title, len(l.steps))
		if i == m.menuCursor {
			line = st.Node.Selected.Render(fmt.Sprintf("▶ %d. %s (%d steps)", i+1, l.title, len(l.steps)))
		}
		out = append(out, line)
	}
	out = append(out, "")
	if m.status != "" {
		out = append(out, st.Pass.Render(m.status))
	}
	out = append(out, st.Muted.Render(truncate("Or press esc to play freely with the screens in the tabs above.", w)))
	return out
}

func (m *Model) lessonView(w int) []string {
	st := m.st
	l := m.lessons[m.lesson]
	inner := max(w-4, 10)
	title := st.LessonTitle.Render(fmt.Sprintf("Lesson %d/%d · %s", m.lesson+1, len(m.lessons), l.title)) +
		st.Muted.Render(fmt.Sprintf(" · step %d of %d", m.lstep+1, len(l.steps)))
	lines := []string{truncate(title, inner)}
	lines = append(lines, wrap(l.steps[m.lstep].text, inner)...)
	box := st.Lesson.Width(w).Render(joinLines(lines))
	return splitLines(box)
}

func joinLines(ls []string) string {
	out := ""
	for i, l := range ls {
		if i > 0 {
			out += "\n"
		}
		out += l
	}
	return out
}
