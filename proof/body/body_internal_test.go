package body

import "testing"

func TestShortDiff(t *testing.T) {
	a := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0xaa, 0xbb}
	b := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0xcc}
	ga, gb := shortDiff(a, b)
	if want := "…aabb (from byte 10)"; ga != want {
		t.Errorf("shortDiff(a) = %q, want %q", ga, want)
	}
	if want := "…cc (from byte 10)"; gb != want {
		t.Errorf("shortDiff(b) = %q, want %q", gb, want)
	}
	ga, gb = shortDiff([]byte{1, 2}, []byte{3, 4})
	if ga == gb {
		t.Errorf("shortDiff of different short inputs rendered alike: %q", ga)
	}
}
