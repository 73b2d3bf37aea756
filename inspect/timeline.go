package inspect

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/provscope/provscope/internal/report"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/proof/body"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/rekor/client"
	"github.com/provscope/provscope/rekor/state"
)

// maxTimelineTags bounds how many tags of a repository the timeline
// resolves to find which signed digests no tag points to any more.
const maxTimelineTags = 100

// The timeline's data types live in internal/report, which renders them
// (text, Markdown, the explorer's lines) and may not import inspect; these
// aliases keep inspect's builders and their callers as they were.
type (
	Timeline      = report.Timeline
	TimelineEvent = report.TimelineEvent
	RememberedRef = report.RememberedRef
	KeyUse        = report.KeyUse
	CertWindow    = report.CertWindow
	TagMove       = report.TagMove
)

// TimelineForImage builds ref's timeline: every entry about its digest
// (About), and for each digest whose .sig tag remains but that no tag
// points to any more, that digest's entries and signers.
func TimelineForImage(ctx context.Context, deps Deps, ref string) (*Timeline, error) {
	rep, err := About(ctx, deps, ref)
	if err != nil {
		return nil, err
	}
	tl := &Timeline{Subject: ref, Digest: rep.Digest, Log: rep.Log, Notes: rep.Notes}
	raw := addAbout(tl, rep, true)
	if len(tl.Events) == 0 {
		tl.Notes = append(tl.Notes, "no log entry is about the current digest "+rep.Digest)
	}
	if rep.Repository != "" {
		moves, notes := orphanedDigests(ctx, deps, rep.Repository, rep.Digest)
		tl.Notes = append(tl.Notes, notes...)
		for _, m := range moves {
			orep, err := About(ctx, deps, rep.Repository+"@"+m.Digest)
			if err != nil {
				tl.Notes = append(tl.Notes, fmt.Sprintf("%s: %v", m.Digest, err))
				continue
			}
			seen := map[model.Signer]bool{}
			for _, e := range orep.Entries {
				if e.Binding == proof.BindNone {
					continue
				}
				m.Entries = append(m.Entries, e.LogIndex)
				if !seen[e.Signer] {
					seen[e.Signer] = true
					m.Signers = append(m.Signers, e.Signer)
				}
			}
			tl.Moves = append(tl.Moves, m)
			raw = append(raw, addAbout(tl, orep, false)...)
		}
	}
	finish(tl, raw, deps)
	return tl, nil
}

// TimelineForQuery builds the timeline of the entries a search finds (an
// identity, a key); issuer, when set, keeps only certificates naming it.
func TimelineForQuery(ctx context.Context, deps Deps, subject string, q client.SearchQuery, issuer string) (*Timeline, error) {
	if deps.Log == nil || deps.Log.Rekor == nil {
		return nil, errors.New("a timeline needs a Rekor v1 log's search index; tlog-tiles logs have none")
	}
	tl := &Timeline{Subject: subject, Log: deps.Log.Def.URL}
	var raw []model.LogEntry
	uuids, err := deps.Log.Rekor.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(uuids) > maxAboutEntries {
		tl.Notes = append(tl.Notes, fmt.Sprintf("%d entries found; only the first %d were fetched", len(uuids), maxAboutEntries))
		uuids = uuids[:maxAboutEntries]
	}
	if len(uuids) > 0 {
		entries, err := deps.Log.Rekor.Retrieve(ctx, uuids, nil)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			ev := TimelineEvent{Time: e.IntegratedTime.UTC(), LogIndex: e.LogIndex, UUID: e.UUID, Kind: string(e.Kind)}
			if b, err := body.Decode(e.Body); err == nil {
				ev.Signer = b.Signer()
			}
			if issuer != "" && ev.Signer.Issuer != issuer {
				continue
			}
			tl.Events = append(tl.Events, ev)
			raw = append(raw, e)
		}
	}
	finish(tl, raw, deps)
	return tl, nil
}

// addAbout adds rep's entries bound to its digest to tl and returns
// their log entries, which finish reads for their inclusion proofs.
func addAbout(tl *Timeline, rep *AboutReport, current bool) []model.LogEntry {
	var raw []model.LogEntry
	for _, e := range rep.Entries {
		if e.Binding == proof.BindNone {
			continue
		}
		tl.Events = append(tl.Events, TimelineEvent{
			Time: e.IntegratedTime, LogIndex: e.LogIndex, UUID: e.UUID, Kind: e.Kind, Signer: e.Signer,
			PredicateType: e.PredicateType, Digest: rep.Digest, Current: current, Binding: e.Binding,
		})
		raw = append(raw, e.Entry)
	}
	return raw
}

// orphanedDigests lists the digests of repo whose cosign signature tag
// remains while no other tag resolves to them.
func orphanedDigests(ctx context.Context, deps Deps, repo, current string) ([]TagMove, []string) {
	listing, err := deps.Registry.ListTags(ctx, repo)
	if err != nil {
		return nil, []string{"listing tags to find moved tags: " + err.Error()}
	}
	var notes []string
	if listing.Truncated {
		notes = append(notes, "the tag listing was cut short: moved tags may be missing")
	}
	pointed := map[string]bool{current: true}
	var sigDigests []TagMove
	resolved := 0
	for _, t := range listing.Tags {
		if d, ok := sigTagDigest(t); ok {
			sigDigests = append(sigDigests, TagMove{Digest: d, SigTag: t})
			continue
		}
		if registry.IsAttachmentTag(t) {
			continue
		}
		if resolved >= maxTimelineTags {
			notes = append(notes, fmt.Sprintf("only the first %d tags were resolved: moved tags may be missing", maxTimelineTags))
			break
		}
		resolved++
		img, err := deps.Registry.Resolve(ctx, repo+":"+t)
		if err != nil {
			continue
		}
		pointed[img.Digest] = true
	}
	var out []TagMove
	for _, m := range sigDigests {
		if !pointed[m.Digest] {
			out = append(out, m)
		}
	}
	return out, notes
}

// sigTagDigest reads "sha256-<64 hex>.sig" as a digest.
func sigTagDigest(tag string) (string, bool) {
	h, ok := strings.CutPrefix(tag, "sha256-")
	if !ok {
		return "", false
	}
	h, ok = strings.CutSuffix(h, registry.SuffixSignature)
	if !ok || len(h) != 64 || !isHexDigits(h) {
		return "", false
	}
	return "sha256:" + strings.ToLower(h), true
}

// finish orders the events, adds key uses, certificate windows and the
// remembered checkpoint covering each entry; raw are the events' log
// entries.
func finish(tl *Timeline, raw []model.LogEntry, deps Deps) {
	covering := map[string]state.Checkpoint{}
	if deps.Store != nil && deps.Log != nil {
		if cps, err := deps.Store.List(deps.Log.StateKey()); err == nil {
			for _, c := range cps {
				covering[c.TreeID] = c
			}
		}
	}
	proofIndex := map[string]int64{}
	for _, e := range raw {
		if e.Proof != nil {
			proofIndex[e.UUID] = e.Proof.LogIndex
		}
	}
	for i := range tl.Events {
		ev := &tl.Events[i]
		c, ok := covering[client.TreeIDOf(ev.UUID)]
		idx, hasIdx := proofIndex[ev.UUID]
		if ok && hasIdx && idx >= 0 && uint64(idx) < c.Size {
			ev.Checkpoint = &RememberedRef{Origin: c.Origin, Size: c.Size, SeenAt: c.SeenAt}
		}
	}
	sort.SliceStable(tl.Events, func(i, j int) bool {
		if !tl.Events[i].Time.Equal(tl.Events[j].Time) {
			return tl.Events[i].Time.Before(tl.Events[j].Time)
		}
		return tl.Events[i].LogIndex < tl.Events[j].LogIndex
	})
	uses := map[string]*KeyUse{}
	var order []string
	seenCert := map[model.Signer]bool{}
	for _, ev := range tl.Events {
		s := ev.Signer
		if !s.NotBefore.IsZero() && !seenCert[s] {
			seenCert[s] = true
			tl.Certificates = append(tl.Certificates, CertWindow{Subject: s.Subject, Issuer: s.Issuer, NotBefore: s.NotBefore, NotAfter: s.NotAfter, LogIndex: ev.LogIndex})
		}
		k := s.KeyFingerprint
		if k == "" {
			k = s.String()
		}
		if s.Subject != "" {
			k = s.String() // keyless: each certificate has its own key; the identity is what rotates
		}
		u, ok := uses[k]
		if !ok {
			u = &KeyUse{Signer: k, First: ev.Time, FirstIndex: ev.LogIndex}
			uses[k] = u
			order = append(order, k)
		}
		u.Last, u.LastIndex = ev.Time, ev.LogIndex
		u.Entries++
	}
	for _, k := range order {
		tl.Keys = append(tl.Keys, *uses[k])
	}
	if tl.Events == nil {
		tl.Events = []TimelineEvent{}
	}
	if tl.Keys == nil {
		tl.Keys = []KeyUse{}
	}
	if tl.Certificates == nil {
		tl.Certificates = []CertWindow{}
	}
	if tl.Moves == nil {
		tl.Moves = []TagMove{}
	}
}
