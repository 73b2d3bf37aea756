package proof

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// TestMain refuses the fixture-writing flags when CI is set, before any
// test runs and so before any file can be written: a CI run can never
// regenerate the vectors it is meant to check.
func TestMain(m *testing.M) {
	flag.Parse()
	// -update-bundle-fixture belongs to the external test package, which
	// shares this binary's flags.
	fixture := false
	if f := flag.Lookup("update-bundle-fixture"); f != nil {
		fixture = f.Value.String() == "true"
	}
	if err := refuseUpdateInCI(os.Getenv("CI"), *updateVectors, fixture); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

func refuseUpdateInCI(ci string, vectors, bundleFixture bool) error {
	if ci == "" {
		return nil
	}
	switch {
	case vectors:
		return fmt.Errorf("-update-vectors refused: CI=%q is set", ci)
	case bundleFixture:
		return fmt.Errorf("-update-bundle-fixture refused: CI=%q is set", ci)
	}
	return nil
}

func TestRefuseUpdateInCI(t *testing.T) {
	for _, tc := range []struct {
		ci                string
		vectors, fixtures bool
		wantErr           bool
	}{
		{"", true, true, false},
		{"true", false, false, false},
		{"true", true, false, true},
		{"1", false, true, true},
	} {
		err := refuseUpdateInCI(tc.ci, tc.vectors, tc.fixtures)
		if (err != nil) != tc.wantErr {
			t.Errorf("refuseUpdateInCI(%q, %v, %v) = %v, want error %v", tc.ci, tc.vectors, tc.fixtures, err, tc.wantErr)
		}
	}
}
