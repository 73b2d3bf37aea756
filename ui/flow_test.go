package ui

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/model"
)

// Each flow's test drives a bare App (no backend: nothing is fetched) with
// that flow's messages only: an answer to an older request changes
// nothing, the answer to the request in flight is applied.

func flowApp(t *testing.T) *App {
	t.Helper()
	c := NewCommon(nil, true, true)
	c.RefreshInterval = 0
	return New(c, WithoutLearn())
}

func deliver(a *App, msg tea.Msg) { a.Update(msg) }

// TestFlowRouting: every flow message is claimed by exactly one flow's
// handler, and a message of no flow by none.
func TestFlowRouting(t *testing.T) {
	a := flowApp(t)
	handlers := map[string]func(tea.Msg) (tea.Cmd, bool){
		"images": a.handleImagesMsg, "entries": a.handleEntriesMsg, "verify": a.handleVerifyMsg,
		"head": a.handleHeadMsg, "log": a.handleLogMsg, "export": a.handleExportMsg,
		"timeline": a.handleTimelineMsg, "watch": a.handleWatchMsg,
	}
	tests := []struct {
		msg  tea.Msg
		want string
	}{
		{reposLoadedMsg{id: -1}, "images"},
		{LoadTagsMsg{}, "images"},
		{tagsLoadedMsg{}, "images"},
		{SelectImageMsg{Ref: "x"}, "images"},
		{imageLoadedMsg{}, "images"},
		{backgroundDoneMsg{}, "images"},
		{entriesLoadedMsg{id: -1}, "entries"},
		{SelectEntryMsg{Index: -1}, "entries"},
		{pageLoadedMsg{gen: -1}, "entries"},
		{verifyEventMsg{}, "verify"},
		{signerPinnedMsg{id: -1}, "verify"},
		{RefreshHeadMsg{}, "head"},
		{logInfoMsg{id: -1}, "head"},
		{tickMsg{id: -1}, "head"},
		{recalledMsg{id: -1}, "head"},
		{rememberedMsg{}, "head"},
		{consistencyMsg{id: -1}, "head"},
		{logOpenedMsg{id: -1}, "log"},
		{registryOpenedMsg{id: -1}, "log"},
		{exportDoneMsg{}, "export"},
		{timelineLoadedMsg{id: -1}, "timeline"},
		{WatchSteppedMsg{id: -1, released: true}, "watch"},
		{tea.FocusMsg{}, ""},
	}
	for _, tt := range tests {
		var got []string
		for name, h := range handlers {
			if _, ok := h(tt.msg); ok {
				got = append(got, name)
			}
		}
		if want := []string{tt.want}; tt.want == "" && len(got) != 0 || tt.want != "" && (len(got) != 1 || got[0] != tt.want) {
			t.Errorf("%T claimed by %v, want %v", tt.msg, got, want)
		}
	}
}

func TestImagesFlowDropsStaleRepos(t *testing.T) {
	a := flowApp(t)
	old := a.nextID()
	a.reposReq = a.nextID()
	deliver(a, reposLoadedMsg{id: old, repos: []model.Repository{{Name: "stale/repo"}}})
	if len(a.s.repos) != 0 {
		t.Fatalf("repos %v after an answer to an older request, want none", a.s.repos)
	}
	deliver(a, reposLoadedMsg{id: a.reposReq, repos: []model.Repository{{Name: "demo/app"}}})
	if len(a.s.repos) != 1 || a.s.repos[0].Name != "demo/app" {
		t.Errorf("repos %v after the current answer, want demo/app", a.s.repos)
	}
}

func TestEntriesFlowDropsStaleLists(t *testing.T) {
	a := flowApp(t)
	old := a.nextID()
	a.entriesReq = a.nextID()
	a.entries.setLoading("Search “new”")
	deliver(a, entriesLoadedMsg{id: old, title: "Search “old”", uuids: []string{"u1"}})
	if a.entries.title != "Search “new”" || len(a.entries.refs) != 0 {
		t.Fatalf("entries %q %v after an answer to an older search, want the new one loading", a.entries.title, a.entries.refs)
	}
	deliver(a, entriesLoadedMsg{id: a.entriesReq, title: "Search “new”", uuids: []string{"u2"}, note: "1 match"})
	if len(a.entries.refs) != 1 || a.entries.refs[0] != "u2" || a.status != "1 match" {
		t.Errorf("entries %v, status %q after the current answer, want [u2] and its note", a.entries.refs, a.status)
	}
}

func TestVerifyFlowDropsStaleEvents(t *testing.T) {
	a := flowApp(t)
	v := &verification{subject: "demo/app:v1", id: a.nextID(), running: true}
	a.s.results["k"] = v
	done := verifyEventMsg{key: "k", done: true, res: model.Result{Subject: "demo/app:v1"}}
	stale := done
	stale.id = v.id - 1
	deliver(a, stale)
	if !v.running || v.result != nil {
		t.Fatal("a verification ended by the events of one it replaced")
	}
	done.id = v.id
	deliver(a, done)
	if v.running || v.result == nil {
		t.Error("the verification's own end was not applied")
	}
}

func TestVerifyFlowDropsStaleSigner(t *testing.T) {
	a := flowApp(t)
	old := a.nextID()
	a.signerReq = a.nextID()
	deliver(a, signerPinnedMsg{id: old, spec: "mallory", label: "mallory"})
	if a.c.Signer != "" || a.signerGen != 0 {
		t.Fatalf("signer %q (generation %d) pinned by an older request", a.c.Signer, a.signerGen)
	}
	deliver(a, signerPinnedMsg{id: a.signerReq, spec: "alice", label: "alice"})
	if a.c.Signer != "alice" || a.signerGen != 1 || a.signerSpec != "alice" {
		t.Errorf("signer %q (generation %d, spec %q), want alice pinned once", a.c.Signer, a.signerGen, a.signerSpec)
	}
}

func TestHeadFlowDropsStaleAnswers(t *testing.T) {
	a := flowApp(t)
	old := a.nextID()
	a.headReq, a.consReq = a.nextID(), a.nextID()
	deliver(a, logInfoMsg{id: old, info: model.LogInfo{TreeSize: 7}})
	if a.s.head != nil {
		t.Fatalf("head %+v from an older read, want none", a.s.head)
	}
	problem := errors.New("root differs")
	deliver(a, consistencyMsg{id: old, manual: true, problem: problem})
	if a.banner != "" || a.s.forget {
		t.Fatalf("banner %q (forget %v) from an older check, want none", a.banner, a.s.forget)
	}

	deliver(a, logInfoMsg{id: a.headReq, info: model.LogInfo{TreeSize: 7}})
	if a.s.head == nil || a.s.head.TreeSize != 7 || a.s.remembered == nil {
		t.Errorf("head %+v (remembered %+v) after the current read, want size 7 remembered", a.s.head, a.s.remembered)
	}
	deliver(a, consistencyMsg{id: a.consReq, manual: true, problem: problem})
	if !strings.Contains(a.banner, "INCONSISTENT LOG: root differs") || !a.s.forget {
		t.Errorf("banner %q (forget %v) after the current check, want the alarm", a.banner, a.s.forget)
	}
}

func TestLogFlowDropsStaleSwitch(t *testing.T) {
	a := flowApp(t)
	a.c.LogName = "first"
	old := a.nextID()
	a.logReq = a.nextID()
	deliver(a, logOpenedMsg{id: old, choice: LogChoice{Name: "stale"}})
	if a.c.LogName != "first" {
		t.Fatalf("switched to %q by an older request", a.c.LogName)
	}
	deliver(a, logOpenedMsg{id: a.logReq, choice: LogChoice{Name: "second"}})
	if a.c.LogName != "second" || a.status != "switched to second" {
		t.Errorf("log %q, status %q after the current switch, want second", a.c.LogName, a.status)
	}
}

func TestExportFlowReports(t *testing.T) {
	tests := []struct {
		msg  exportDoneMsg
		want string
	}{
		{exportDoneMsg{err: errors.New("disk full")}, "✗ export failed: disk full"},
		{exportDoneMsg{dir: "/e", files: []string{"a"}, err: errors.New("b")}, "wrote 1 files to /e, but: b"},
		{exportDoneMsg{dir: "/e", files: []string{"a", "b"}}, "wrote 2 files to /e"},
	}
	for _, tt := range tests {
		a := flowApp(t)
		deliver(a, tt.msg)
		if a.status != tt.want {
			t.Errorf("status %q, want %q", a.status, tt.want)
		}
	}
}

func TestTimelineFlowDropsStale(t *testing.T) {
	a := flowApp(t)
	old := a.nextID()
	a.timelineReq = a.nextID()
	a.tl = &timelineState{ref: "demo/app:v1", lines: []string{"building the timeline…"}}
	deliver(a, timelineLoadedMsg{id: old, err: errors.New("stale")})
	if a.tl.err != nil {
		t.Fatalf("timeline error %v from an older request", a.tl.err)
	}
	deliver(a, timelineLoadedMsg{id: a.timelineReq, tl: &inspect.Timeline{}})
	if len(a.tl.lines) == 1 && a.tl.lines[0] == "building the timeline…" {
		t.Error("the current timeline was not applied")
	}
}
