package model

// Glyph returns the one-character mark for s: ✓ pass, ✗ fail, – skipped,
// … pending. It lives beside String, as plain text and not a style, so that
// the CLI (inspect, below ui) and the explorer (ui/theme) read one table and
// a step cannot be marked two ways.
func (s Status) Glyph() string {
	switch s {
	case StatusPass:
		return "✓"
	case StatusFail:
		return "✗"
	case StatusSkipped:
		return "–"
	}
	return "…"
}
