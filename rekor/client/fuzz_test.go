package client

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sigstore/rekor/pkg/generated/models"
)

// FuzzConvertEntry feeds arbitrary LogEntryAnon JSON to ConvertEntry: it
// must return an entry or an error, never panic, and a converted entry must
// keep its body and index.
func FuzzConvertEntry(f *testing.F) {
	f.Add(`{"body":"eyJhcGlWZXJzaW9uIjoiMC4wLjEiLCJraW5kIjoiaGFzaGVkcmVrb3JkIn0=","integratedTime":1,"logID":"ab","logIndex":3,"verification":{"inclusionProof":{"logIndex":3,"treeSize":4,"rootHash":"` + strings.Repeat("00", 32) + `","hashes":["` + strings.Repeat("11", 32) + `"],"checkpoint":"x"},"signedEntryTimestamp":"AAAA"}}`)
	f.Add(`{"body":123}`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 1<<16 {
			return
		}
		var anon models.LogEntryAnon
		if err := json.Unmarshal([]byte(s), &anon); err != nil {
			return
		}
		e, err := ConvertEntry(strings.Repeat("a", 64), anon)
		if err != nil {
			return
		}
		if e.LogIndex != *anon.LogIndex || len(e.Body) == 0 && anon.Body.(string) != "" {
			t.Fatalf("ConvertEntry lost the index or body: %+v", e)
		}
		if e.Proof != nil {
			for _, h := range e.Proof.Hashes {
				if len(h) != 32 {
					t.Fatalf("proof hash of %d bytes accepted", len(h))
				}
			}
		}
	})
}
