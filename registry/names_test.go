package registry_test

import (
	"context"
	"strings"
	"testing"

	"github.com/provscope/provscope/internal/hostile"
	"github.com/provscope/provscope/registry"
)

func TestValidTag(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"v1.2.0", true},
		{"latest", true},
		{"_x", true},
		{"sha256-abc.sig", true},
		{strings.Repeat("a", 128), true},
		{strings.Repeat("a", 129), false},
		{"", false},
		{".hidden", false},
		{"-dash", false},
		{"a/b", false},
		{"a:b", false},
		{"v1\x1b]52;c;aGk=\x07", false},
		{"v1\u202e", false},
		{"v1\n## x", false},
		{"v1 ", false},
	}
	for _, tc := range tests {
		if got := registry.ValidTag(tc.in); got != tc.want {
			t.Errorf("ValidTag(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	for _, tag := range hostile.Tags() {
		if registry.ValidTag(tag) {
			t.Errorf("ValidTag(%q) = true, want false", tag)
		}
	}
}

func TestValidRepository(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"demo/web", true},
		{"library/alpine", true},
		{"a", true},
		{"a.b_c__d---e/f0", true},
		{"a/b/c/d", true},
		{"", false},
		{"Demo/web", false},
		{"demo//web", false},
		{"demo/web/", false},
		{"/demo", false},
		{"a___b", false},
		{"a._b", false},
		{"demo/web:tag", false},
		{"hostile/" + hostile.Mixed(), false},
		{"demo/\u202ebew", false},
	}
	for _, tc := range tests {
		if got := registry.ValidRepository(tc.in); got != tc.want {
			t.Errorf("ValidRepository(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestTagsFlagsInvalidNames lists the hostile repository, whose registry
// adds grammar-breaking tags to its listing: each keeps its exact name,
// carries InvalidTagErr and is not resolved; the valid tags resolve.
func TestTagsFlagsInvalidNames(t *testing.T) {
	w, err := hostile.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	c := registry.New(registry.Config{})
	page, err := c.Tags(context.Background(), w.RegistryHost+"/"+hostile.Repository, "")
	if err != nil {
		t.Fatal(err)
	}
	invalid := map[string]bool{}
	for _, tag := range hostile.Tags() {
		invalid[tag] = true
	}
	seen := 0
	for _, tag := range page.Items {
		switch {
		case invalid[tag.Name]:
			seen++
			if tag.Err != registry.InvalidTagErr || tag.Digest != "" {
				t.Errorf("tag %q: err %q digest %q, want %q and no digest", tag.Name, tag.Err, tag.Digest, registry.InvalidTagErr)
			}
		case tag.Err != "" || tag.Digest == "":
			t.Errorf("valid tag %q: err %q digest %q", tag.Name, tag.Err, tag.Digest)
		}
	}
	if seen != len(invalid) {
		t.Errorf("listed %d of the %d invalid tags: %+v", seen, len(invalid), page.Items)
	}
}
