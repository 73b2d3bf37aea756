package ui

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/provscope/provscope/internal/safetext"
)

// Foreign text (anything from a registry, a log, a certificate, a server's
// error answer, a paste) reaches the screen only through these helpers:
//
//   - safe, short, wrap, styledWrap and hexShort take plain text and
//     sanitise it with safetext.Line before cutting or wrapping it, so a
//     cut never splits an escape and no control of the value survives;
//   - fit and clip take a line the panes composed from their own styles and
//     already sanitised values; they keep SGR styling but make every other
//     control visible before measuring and cutting (a value that missed
//     the first line can neither move the cursor nor skew the columns);
//   - App.View passes the whole frame through safetext.Frame last.

func itoa(i int) string { return strconv.Itoa(i) }

// safe returns foreign text sanitised for one line of a pane.
func safe(s string) string { return safetext.Line(s) }

// short returns s sanitised and cut to n cells with an ellipsis when
// longer.
func short(s string, n int) string { return safetext.Truncate(s, n) }

// fit truncates a (possibly styled) line to w cells and pads it to exactly
// w cells. Every control but SGR styling is made visible first (tabs too:
// a terminal would move the cursor past the column's end).
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s = safetext.Frame(s)
	if strings.IndexByte(s, '\t') >= 0 {
		s = strings.ReplaceAll(s, "\t", `\t`)
	}
	s = ansi.Truncate(s, w, "…")
	if pad := w - lipgloss.Width(s); pad > 0 {
		s += strings.Repeat(" ", pad)
	}
	return s
}

// clip keeps the first h lines of s, each fitted to w cells, padding with
// blank lines to exactly h lines.
func clip(lines []string, w, h int) string {
	if h <= 0 {
		return ""
	}
	out := make([]string, h)
	for i := range h {
		l := ""
		if i < len(lines) {
			l = lines[i]
		}
		out[i] = fit(l, w)
	}
	return strings.Join(out, "\n")
}

// wrap sanitises plain (foreign or own) text and breaks it into lines of
// at most w cells.
func wrap(s string, w int) []string { return wrapStyled(safe(s), w) }

// wrapStyled breaks a line composed of the program's styles and sanitised
// values into lines of at most w cells.
func wrapStyled(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	return strings.Split(ansi.Wrap(safetext.Frame(s), w, " /-_"), "\n")
}

// hexShort shows a hex string (sanitised: a digest from a registry is
// foreign) as its first n cells and an ellipsis, or whole when it fits.
func hexShort(h string, n int) string {
	h = safe(h)
	if n <= 0 || lipgloss.Width(h) <= n {
		return h
	}
	return ansi.Truncate(h, n, "") + "…"
}

// styledWrap wraps plain text to w cells and styles each line, so a style
// survives line breaks.
func styledWrap(st lipgloss.Style, s string, w int) []string {
	ls := wrap(s, w)
	for i, l := range ls {
		ls[i] = st.Render(l)
	}
	return ls
}

// midCut sanitises s and, when it is wider than n cells, keeps its start
// and end around an ellipsis ("sha256:1a2b…9f0e"): both ends of a digest
// or an ID are what a reader compares.
func midCut(s string, n int) string {
	s = safe(s)
	w := ansi.StringWidth(s)
	if n <= 0 || w <= n {
		return s
	}
	if n < 3 {
		return ansi.Truncate(s, n, "")
	}
	head := (n - 1) / 2
	tail := n - 1 - head
	return ansi.Truncate(s, head, "") + "…" + ansi.TruncateLeft(s, w-tail, "")
}

// hexPrefix is a hex string's first n cells, sanitised, without an
// ellipsis: a short name for a hash, as git shows commits.
func hexPrefix(h string, n int) string { return ansi.Truncate(safe(h), n, "") }
