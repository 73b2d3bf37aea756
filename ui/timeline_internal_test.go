package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/hostile"
	"github.com/provscope/provscope/model"
)

// TestTimelineLinesSanitise: every foreign string of a timeline is
// sanitised where its lines are built, before any whole-screen filter.
func TestTimelineLinesSanitise(t *testing.T) {
	evil := hostile.Mixed()
	tl := &inspect.Timeline{
		Digest:       evil,
		Events:       []inspect.TimelineEvent{{Time: time.Unix(0, 0), Kind: evil, PredicateType: evil, Digest: evil, Signer: model.Signer{Subject: evil, Issuer: evil}}},
		Keys:         []inspect.KeyUse{{Signer: evil}},
		Certificates: []inspect.CertWindow{{Subject: evil, Issuer: evil}},
		Moves:        []inspect.TagMove{{Digest: evil, Signers: []model.Signer{{Subject: evil}}}},
		Notes:        []string{evil},
	}
	out := strings.Join(timelineLines(tl), "\n")
	if err := hostile.Check(out); err != nil {
		t.Error(err)
	}
	if raw := hostile.RawPayloads(out); len(raw) > 0 {
		t.Errorf("payloads shown raw: %v", raw)
	}
}
