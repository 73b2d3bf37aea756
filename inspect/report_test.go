package inspect

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/internal/report"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/rekor/state"
)

// TestReportOfDemoWorld reports on a tampered, a stealth-signed and a valid
// image: exactly those verdicts, a document valid against the schema, and a
// Markdown rendering naming them.
func TestReportOfDemoWorld(t *testing.T) {
	ctx := context.Background()
	w, l := startDemo(t)
	k, _ := w.Key("2026")
	key := k.PublicKeyPEM
	cases := map[string]model.Verdict{}
	var images []*ImageReport
	for _, c := range w.Cases {
		if c.Name != "tampered" && c.Name != "stealth" && c.Name != "signed-legacy" {
			continue
		}
		rep, err := VerifyImage(ctx, Deps{Registry: registry.New(registry.Config{}), Log: l}, c.Image, Policy{KeyPEM: key}, nil)
		if err != nil {
			t.Fatal(err)
		}
		images = append(images, rep)
		cases[c.Image] = c.Expect
	}
	if len(images) != 3 {
		t.Fatalf("found %d of the 3 demo cases", len(images))
	}
	r := BuildReport(images, ReportMeta{Generated: time.Unix(1700000000, 0), Version: "test", Log: l, Policy: Policy{KeyPEM: key}})
	want := map[model.Verdict]int{model.VerdictVerified: 1, model.VerdictFailed: 1, model.VerdictNotLogged: 1}
	if r.Totals.Images != 3 || r.Totals.Verified != want[model.VerdictVerified] || r.Totals.Failed != 1 || r.Totals.NotLogged != 1 {
		t.Errorf("totals = %+v, want 1 verified, 1 failed, 1 not logged", r.Totals)
	}
	for _, img := range r.Images {
		if img.Verdict != cases[img.Reference] {
			t.Errorf("%s: verdict %s, want %s", img.Reference, img.Verdict, cases[img.Reference])
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if errs := validateReport(t, b); len(errs) != 0 {
		t.Fatalf("report does not validate against docs/report-schema.json:\n%s", strings.Join(errs, "\n"))
	}
	var md bytes.Buffer
	if err := report.WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"# Provenance report", "**verified**", "**failed**", "**not-logged**", "| ✓ |", "| ✗ |"} {
		if !strings.Contains(md.String(), s) {
			t.Errorf("markdown lacks %q", s)
		}
	}
	if os.Getenv("PROVSCOPE_SHOW_REPORT") != "" {
		t.Log("\n" + md.String())
	}
}

// TestReportOfBundleImage: a Sigstore bundle attachment in the report names
// the checkpoint the bundle carries and records its consistency step (here
// proven against what CheckLog remembered); the report validates.
func TestReportOfBundleImage(t *testing.T) {
	ctx := context.Background()
	w, l := startDemo(t)
	c, key := demoCase(t, w, "signed-bundle")
	tr, err := os.ReadFile(w.TrustedRootPath)
	if err != nil {
		t.Fatal(err)
	}
	store := &state.Store{Dir: t.TempDir()}
	if _, err := CheckLog(ctx, l, CheckOptions{Store: store, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	pol := Policy{KeyPEM: key, TrustedRoot: tr}
	rep, err := VerifyImage(ctx, Deps{Registry: registry.New(registry.Config{}), Log: l, Store: store}, c.Image, pol, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := BuildReport([]*ImageReport{rep}, ReportMeta{Generated: time.Unix(1700000000, 0), Version: "test", Log: l, Policy: pol})
	if len(r.Images) != 1 || r.Images[0].Verdict != model.VerdictVerified || len(r.Images[0].Attachments) == 0 {
		t.Fatalf("report = %+v", r.Images)
	}
	e := r.Images[0].Attachments[0]
	if e.Checkpoint == nil || e.Checkpoint.Size == 0 || e.LogIndex == nil || e.Result == nil {
		t.Errorf("bundle entry lacks its checkpoint or index: %+v", e)
	}
	consistent := false
	for _, s := range e.Result.Steps {
		consistent = consistent || s.Name == StepConsistency2 && s.Status == model.StatusPass
	}
	if !consistent {
		t.Errorf("bundle entry has no passing %s step: %+v", StepConsistency2, e.Result.Steps)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if errs := validateReport(t, b); len(errs) != 0 {
		t.Fatalf("report does not validate against docs/report-schema.json:\n%s", strings.Join(errs, "\n"))
	}
}
