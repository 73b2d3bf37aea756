package registry

import (
	"net/url"
	"testing"
	"time"
)

func TestParseRateLimitHeader(t *testing.T) {
	for _, tc := range []struct {
		in     string
		n      int
		window time.Duration
		ok     bool
	}{
		{"100;w=21600", 100, 6 * time.Hour, true},
		{" 76 ; w=21600", 76, 6 * time.Hour, true},
		{"10", 10, 0, true},
		{"", 0, 0, false},
		{"-1;w=60", 0, 0, false},
		{"abc", 0, 0, false},
		{"5;w=x", 0, 0, false},
		{"5;w=99999999999", 0, 0, false},
	} {
		n, w, ok := parseRateLimitHeader(tc.in)
		if n != tc.n || w != tc.window || ok != tc.ok {
			t.Errorf("parseRateLimitHeader(%q) = %d, %v, %v, want %d, %v, %v", tc.in, n, w, ok, tc.n, tc.window, tc.ok)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7", 7 * time.Second, true},
		{"0", 0, true},
		{"Mon, 07 Dec 2026 06:01:30 GMT", 90 * time.Second, true},
		{"Mon, 07 Dec 2026 05:00:00 GMT", 0, true},
		{"-3", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	} {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v, want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestNextLink(t *testing.T) {
	base, _ := url.Parse("https://ghcr.io/v2/o/r/tags/list?n=2")
	for _, tc := range []struct {
		name   string
		values []string
		want   string
	}{
		{"relative", []string{`</v2/o/r/tags/list?last=b&n=2>; rel="next"`}, "https://ghcr.io/v2/o/r/tags/list?last=b&n=2"},
		{"absolute", []string{`<https://ghcr.io/v2/o/r/tags/list?last=b>; rel=next`}, "https://ghcr.io/v2/o/r/tags/list?last=b"},
		{"among others", []string{`<https://x/prev>; rel="prev", </next>; rel="next"`}, "https://ghcr.io/next"},
		{"none", []string{`<https://x/prev>; rel="prev"`}, ""},
		{"no brackets", []string{`/next; rel="next"`}, ""},
		{"empty", nil, ""},
	} {
		got, err := nextLink(base, tc.values)
		s := ""
		if got != nil {
			s = got.String()
		}
		if err != nil || s != tc.want {
			t.Errorf("%s: nextLink(%q) = %q, %v, want %q", tc.name, tc.values, s, err, tc.want)
		}
	}
}

// FuzzRateLimitParsers: the header parsers never panic, never return a
// negative count or wait, and a window stays within a year.
func FuzzRateLimitParsers(f *testing.F) {
	for _, s := range []string{"100;w=21600", "7", "Mon, 07 Dec 2026 06:01:30 GMT", `</n>; rel="next"`, ";;;w=", "-1"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://r.example/v2/x/tags/list")
	now := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if n, w, ok := parseRateLimitHeader(s); ok && (n < 0 || w < 0 || w > 366*24*time.Hour) {
			t.Errorf("parseRateLimitHeader(%q) = %d, %v", s, n, w)
		}
		if d, ok := parseRetryAfter(s, now); ok && d < 0 {
			t.Errorf("parseRetryAfter(%q) = %v", s, d)
		}
		_, _ = nextLink(base, []string{s})
	})
}
