package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"version"}, &out, &errb); code != exitOK {
		t.Fatalf("run(version) = %d, want %d (stderr %q)", code, exitOK, errb.String())
	}
	if !strings.HasPrefix(out.String(), "provscope ") {
		t.Errorf("version output = %q, want prefix %q", out.String(), "provscope ")
	}
}

func TestUnknownFlagIsUsageError(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"version", "--no-such-flag"}, &out, &errb); code != exitUsageErr {
		t.Fatalf("run(--no-such-flag) = %d, want %d", code, exitUsageErr)
	}
}
