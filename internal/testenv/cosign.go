package testenv

import (
	"bufio"
	"slices"
	"strings"
)

// CosignTreeArtifacts parses `cosign tree` (also with --experimental-oci11)
// output into sorted "source layer-digest" pairs, the source named the way
// registry/ names Attachment.Source: "tag:<tag>" or "referrer:<digest>".
func CosignTreeArtifacts(out string) []string {
	var got []string
	source := ""
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.Contains(line, "for an image tag: "):
			ref := line[strings.Index(line, "for an image tag: ")+len("for an image tag: "):]
			source = "tag:" + ref[strings.LastIndex(ref, ":")+1:]
		case strings.Contains(line, "via OCI referrer: "):
			ref := line[strings.Index(line, "via OCI referrer: ")+len("via OCI referrer: "):]
			source = "referrer:" + ref[strings.LastIndex(ref, "@")+1:]
		case strings.Contains(line, "🍒 "):
			got = append(got, source+" "+strings.TrimSpace(line[strings.Index(line, "🍒 ")+len("🍒 "):]))
		}
	}
	slices.Sort(got)
	return got
}
