package ui

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

func itoa(i int) string { return strconv.Itoa(i) }

// short returns s cut to n runes with an ellipsis when longer.
func short(s string, n int) string {
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n == 1 {
		return "…"
	}
	return string(r[:n-1]) + "…"
}

// fit truncates a (possibly styled) line to w cells and pads it to exactly
// w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
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

// wrap breaks plain text into lines of at most w cells.
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	return strings.Split(ansi.Wrap(s, w, " /-_"), "\n")
}

// hexShort shows a hex string as its first n digits and an ellipsis, or
// whole when it fits.
func hexShort(h string, n int) string {
	if n <= 0 || len(h) <= n {
		return h
	}
	return h[:n] + "…"
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
