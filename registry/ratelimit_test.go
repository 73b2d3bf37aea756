package registry

import (
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
