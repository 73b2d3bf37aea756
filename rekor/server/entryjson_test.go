package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/sigstore/rekor/pkg/generated/models"
)

// TestEntryJSONMatchesEncodingJSON checks the hand-written entry and batch
// encoders against encoding/json on the models: entries of a one-entry
// tree (no proof hashes) and of a larger one, with and without a SET, a
// checkpoint whose origin needs escaping, duplicates and errors.
func TestEntryJSONMatchesEncodingJSON(t *testing.T) {
	l, _ := testLog(t, Config{Hostname: `prov<&>scope—é"\.local`})
	g := newGen(t)
	ctx := context.Background()
	var pes []models.ProposedEntry
	for i := range 5 {
		pe, err := readProposed(bytes.NewReader(entry(t, g, i)))
		if err != nil {
			t.Fatal(err)
		}
		pes = append(pes, pe)
	}
	first, _ := l.submitEntries(ctx, pes[:1]) // a tree of one entry: no proof hashes
	rest, _ := l.submitEntries(ctx, append(pes[1:], pes[0]))
	res := append(first, rest...)
	res = append(res, entryResult{status: http.StatusBadRequest, err: &models.Error{Code: 400, Message: `bad "entry" <here>`}})

	check := func(name, id string, e *models.LogEntryAnon) {
		t.Helper()
		want, err := json.Marshal(models.LogEntry{id: *e})
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendEntryJSON(nil, id, e)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: appendEntryJSON =\n%s, %v\nencoding/json:\n%s", name, got, err, want)
		}
	}
	var statuses []int
	for i, r := range res {
		statuses = append(statuses, r.status)
		if r.entry != nil {
			check(fmt.Sprintf("entry %d", i), r.id, r.entry)
		}
	}
	if want := []int{201, 201, 201, 201, 201, 409, 400}; !slices.Equal(statuses, want) {
		t.Fatalf("statuses %v, want %v", statuses, want)
	}
	e := *res[1].entry
	v := *e.Verification
	v.SignedEntryTimestamp = nil
	e.Verification = &v
	check("no SET", res[1].id, &e)
	e.Attestation = &models.LogEntryAnonAttestation{Data: []byte("x")}
	check("attestation (encoding/json path)", res[1].id, &e)

	items := make([]BatchItem, len(res))
	for i, r := range res {
		items[i] = BatchItem{Status: r.status, EntryID: r.id, Error: r.err}
		if r.entry != nil {
			items[i].Entry = models.LogEntry{r.id: *r.entry}
		}
	}
	want, err := json.Marshal(items)
	if err != nil {
		t.Fatal(err)
	}
	if got := encodeBatch(res); got.status != http.StatusMultiStatus || !bytes.Equal(got.body, append(want, '\n')) {
		t.Errorf("encodeBatch = %d\n%s\nencoding/json:\n%s", got.status, got.body, want)
	}
}
