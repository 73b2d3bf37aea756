package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestProgressBar(t *testing.T) {
	var off bytes.Buffer
	b := newProgressBar(&off, 3)
	b.step()
	b.done()
	if off.Len() != 0 {
		t.Errorf("progress bar drew on a non-terminal: %q", off.String())
	}
	var on bytes.Buffer
	b = &progressBar{w: &on, on: true, of: 4}
	for range 4 {
		b.step()
	}
	b.done()
	if s := on.String(); !strings.Contains(s, "2/4 images") || !strings.Contains(s, "[##############################] 4/4 images") || !strings.HasSuffix(s, "\r\033[K") {
		t.Errorf("progress bar output = %q", s)
	}
}
