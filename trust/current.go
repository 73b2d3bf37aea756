package trust

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// Current is the Rekor v2 log new entries go to, and what said so.
type Current struct {
	URL string `json:"url"`
	// From is "signing config" or, without one, "trusted root" (the newest
	// Rekor v2 log still open there).
	From string `json:"from"`
}

// ErrNoRekorV2 reports trust material that names no current Rekor v2 log.
var ErrNoRekorV2 = errors.New("no current rekor v2 log in the signing config or trusted root")

// CurrentRekorV2 returns the Rekor v2 log that is current at now: the one
// the signing config selects for API version 2 (Rekor v2 shards rotate, and
// the signing config moves to the new shard), else the Rekor v2 log of the
// trusted root with the latest start that is still valid.
func (m *Material) CurrentRekorV2(now time.Time) (Current, error) {
	if len(m.SigningConfig) > 0 {
		sc, err := root.NewSigningConfigFromJSON(m.SigningConfig)
		if err != nil {
			return Current{}, fmt.Errorf("parsing signing config: %w", err)
		}
		if s, err := root.SelectService(sc.RekorLogURLs(), []uint32{2}, now); err == nil {
			return Current{URL: strings.TrimRight(s.URL, "/"), From: "signing config"}, nil
		}
	}
	tr, err := root.NewTrustedRootFromJSON(m.TrustedRoot)
	if err != nil {
		return Current{}, fmt.Errorf("parsing trusted root: %w", err)
	}
	var best *root.TransparencyLog
	for _, l := range tr.RekorLogs() {
		if strings.TrimRight(l.BaseURL, "/") == "https://rekor.sigstore.dev" || l.ValidityPeriodStart.After(now) ||
			(!l.ValidityPeriodEnd.IsZero() && l.ValidityPeriodEnd.Before(now)) {
			continue
		}
		if best == nil || l.ValidityPeriodStart.After(best.ValidityPeriodStart) {
			best = l
		}
	}
	if best == nil {
		return Current{}, ErrNoRekorV2
	}
	return Current{URL: strings.TrimRight(best.BaseURL, "/"), From: "trusted root"}, nil
}

// RekorV1URLs returns the URLs of the Rekor v1 logs the signing config
// lists (majorApiVersion 1), whatever their validity period: entries
// logged while a log was open still verify against it. The trusted root
// does not say which API a log serves; without a signing config this is
// empty. A private or staging Sigstore deployment (rekor.sigstage.dev) lists
// its Rekor v1 log here.
func (m *Material) RekorV1URLs() ([]string, error) {
	if len(m.SigningConfig) == 0 {
		return nil, nil
	}
	sc, err := root.NewSigningConfigFromJSON(m.SigningConfig)
	if err != nil {
		return nil, fmt.Errorf("parsing signing config: %w", err)
	}
	var out []string
	for _, s := range sc.RekorLogURLs() {
		if s.MajorAPIVersion == 1 {
			out = append(out, strings.TrimRight(s.URL, "/"))
		}
	}
	return out, nil
}

// Key is one key or service of the trusted root, for display.
type Key struct {
	// Kind is "rekor", "fulcio", "ctlog" or "tsa".
	Kind string `json:"kind"`
	URL  string `json:"url"`
	// KeyID is the hex log ID of a log's key (empty for CAs).
	KeyID      string    `json:"keyId,omitempty"`
	ValidFrom  time.Time `json:"validFrom,omitzero"`
	ValidUntil time.Time `json:"validUntil,omitzero"`
}

// Keys lists the trusted root's Rekor logs, CT logs, Fulcio CAs and
// timestamp authorities, sorted by kind then URL then start. They all come
// from m.Source.
func (m *Material) Keys() ([]Key, error) {
	tr, err := root.NewTrustedRootFromJSON(m.TrustedRoot)
	if err != nil {
		return nil, fmt.Errorf("parsing trusted root: %w", err)
	}
	var out []Key
	for id, l := range tr.RekorLogs() {
		out = append(out, Key{Kind: "rekor", URL: l.BaseURL, KeyID: hexID(id, l.ID), ValidFrom: l.ValidityPeriodStart, ValidUntil: l.ValidityPeriodEnd})
	}
	for id, l := range tr.CTLogs() {
		out = append(out, Key{Kind: "ctlog", URL: l.BaseURL, KeyID: hexID(id, l.ID), ValidFrom: l.ValidityPeriodStart, ValidUntil: l.ValidityPeriodEnd})
	}
	for _, ca := range tr.FulcioCertificateAuthorities() {
		if f, ok := ca.(*root.FulcioCertificateAuthority); ok {
			out = append(out, Key{Kind: "fulcio", URL: f.URI, ValidFrom: f.ValidityPeriodStart, ValidUntil: f.ValidityPeriodEnd})
		}
	}
	for _, ta := range tr.TimestampingAuthorities() {
		if s, ok := ta.(*root.SigstoreTimestampingAuthority); ok {
			out = append(out, Key{Kind: "tsa", URL: s.URI, ValidFrom: s.ValidityPeriodStart, ValidUntil: s.ValidityPeriodEnd})
		}
	}
	slices.SortFunc(out, func(a, b Key) int {
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		if c := strings.Compare(a.URL, b.URL); c != 0 {
			return c
		}
		return a.ValidFrom.Compare(b.ValidFrom)
	})
	return out, nil
}

func hexID(mapKey string, id []byte) string {
	if len(id) > 0 {
		return hex.EncodeToString(id)
	}
	return hex.EncodeToString([]byte(mapKey))
}
