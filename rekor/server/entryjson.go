package server

import (
	"encoding/base64"
	"encoding/json"
	"strconv"

	"github.com/sigstore/rekor/pkg/generated/models"
)

// Entry answers are encoded by hand: encoding/json walks the generated
// models by reflection and took a tenth of a single POST's server CPU.
// appendEntryJSON writes the same bytes encoding/json writes for the
// entries this log builds (TestEntryJSONMatchesEncodingJSON) and hands
// anything else to encoding/json.

// appendEntryJSON appends the JSON of models.LogEntry{id: *e} to b.
func appendEntryJSON(b []byte, id string, e *models.LogEntryAnon) ([]byte, error) {
	body, ok := e.Body.(string)
	v := e.Verification
	if !ok || e.Attestation != nil || e.IntegratedTime == nil || e.LogID == nil || e.LogIndex == nil ||
		v == nil || v.InclusionProof == nil || !plainJSONString(id) || !plainJSONString(body) || !plainJSONString(*e.LogID) {
		return appendJSON(b, models.LogEntry{id: *e})
	}
	p := v.InclusionProof
	if p.Checkpoint == nil || p.LogIndex == nil || p.RootHash == nil || p.TreeSize == nil || p.Hashes == nil || !plainJSONString(*p.RootHash) {
		return appendJSON(b, models.LogEntry{id: *e})
	}
	for _, h := range p.Hashes {
		if !plainJSONString(h) {
			return appendJSON(b, models.LogEntry{id: *e})
		}
	}
	b = append(b, `{"`...)
	b = append(b, id...)
	b = append(b, `":{"body":"`...)
	b = append(b, body...)
	b = append(b, `","integratedTime":`...)
	b = strconv.AppendInt(b, *e.IntegratedTime, 10)
	b = append(b, `,"logID":"`...)
	b = append(b, *e.LogID...)
	b = append(b, `","logIndex":`...)
	b = strconv.AppendInt(b, *e.LogIndex, 10)
	b = append(b, `,"verification":{"inclusionProof":{"checkpoint":`...)
	b, err := appendJSON(b, *p.Checkpoint) // encoding/json's escaping of the note text
	if err != nil {
		return nil, err
	}
	b = append(b, `,"hashes":[`...)
	for i, h := range p.Hashes {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, h...)
		b = append(b, '"')
	}
	b = append(b, `],"logIndex":`...)
	b = strconv.AppendInt(b, *p.LogIndex, 10)
	b = append(b, `,"rootHash":"`...)
	b = append(b, *p.RootHash...)
	b = append(b, `","treeSize":`...)
	b = strconv.AppendInt(b, *p.TreeSize, 10)
	b = append(b, '}')
	if len(v.SignedEntryTimestamp) > 0 {
		b = append(b, `,"signedEntryTimestamp":"`...)
		b = base64.StdEncoding.AppendEncode(b, v.SignedEntryTimestamp)
		b = append(b, '"')
	}
	return append(b, `}}}`...), nil
}

// appendBatchJSON appends the JSON of the batch answer out would be
// encoded as: []BatchItem, one per result.
func appendBatchJSON(b []byte, res []entryResult) ([]byte, error) {
	b = append(b, '[')
	for i, r := range res {
		if i > 0 {
			b = append(b, ',')
		}
		if !plainJSONString(r.id) {
			it := BatchItem{Status: r.status, EntryID: r.id, Error: r.err}
			if r.entry != nil {
				it.Entry = models.LogEntry{r.id: *r.entry}
			}
			var err error
			if b, err = appendJSON(b, it); err != nil {
				return nil, err
			}
			continue
		}
		b = append(b, `{"status":`...)
		b = strconv.AppendInt(b, int64(r.status), 10)
		if r.id != "" {
			b = append(b, `,"entryID":"`...)
			b = append(b, r.id...)
			b = append(b, '"')
		}
		var err error
		if r.entry != nil {
			b = append(b, `,"entry":`...)
			if b, err = appendEntryJSON(b, r.id, r.entry); err != nil {
				return nil, err
			}
		}
		if r.err != nil {
			b = append(b, `,"error":`...)
			if b, err = appendJSON(b, r.err); err != nil {
				return nil, err
			}
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// appendJSON appends encoding/json's encoding of v.
func appendJSON(b []byte, v any) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}
