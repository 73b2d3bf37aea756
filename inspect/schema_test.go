package inspect

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/internal/testenv"
)

// validate checks doc against the subset of JSON Schema (2020-12) that
// docs/report-schema.json uses: type, required, properties,
// additionalProperties false, items, enum, pattern, minimum, format
// date-time and local $ref. It returns every violation with its JSON path.
func validate(root map[string]any, schema map[string]any, doc any, path string) []string {
	if ref, ok := schema["$ref"].(string); ok {
		name, ok := strings.CutPrefix(ref, "#/$defs/")
		if !ok {
			return []string{path + ": unsupported $ref " + ref}
		}
		def, ok := root["$defs"].(map[string]any)[name].(map[string]any)
		if !ok {
			return []string{path + ": unknown $ref " + ref}
		}
		return validate(root, def, doc, path)
	}
	var errs []string
	fail := func(f string, a ...any) { errs = append(errs, path+": "+fmt.Sprintf(f, a...)) }
	if enum, ok := schema["enum"].([]any); ok && !slices.Contains(enum, doc) {
		fail("%v is not one of %v", doc, enum)
	}
	switch schema["type"] {
	case "object":
		obj, ok := doc.(map[string]any)
		if !ok {
			fail("got %T, want object", doc)
			return errs
		}
		props, _ := schema["properties"].(map[string]any)
		required, _ := schema["required"].([]any)
		for _, r := range required {
			if _, ok := obj[r.(string)]; !ok {
				fail("missing required %q", r)
			}
		}
		for k, v := range obj {
			ps, ok := props[k].(map[string]any)
			if !ok {
				if schema["additionalProperties"] == false {
					fail("unexpected property %q", k)
				}
				continue
			}
			errs = append(errs, validate(root, ps, v, path+"."+k)...)
		}
	case "array":
		arr, ok := doc.([]any)
		if !ok {
			fail("got %T, want array", doc)
			return errs
		}
		if items, ok := schema["items"].(map[string]any); ok {
			for i, v := range arr {
				errs = append(errs, validate(root, items, v, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	case "string":
		s, ok := doc.(string)
		if !ok {
			fail("got %T, want string", doc)
			return errs
		}
		if p, ok := schema["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(s) {
			fail("%q does not match %s", s, p)
		}
		if schema["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339, s); err != nil {
				fail("%q is not RFC 3339", s)
			}
		}
	case "integer":
		n, ok := doc.(float64)
		if !ok || n != math.Trunc(n) {
			fail("got %v, want integer", doc)
			return errs
		}
		if m, ok := schema["minimum"].(float64); ok && n < m {
			fail("%v < minimum %v", n, m)
		}
	case "boolean":
		if _, ok := doc.(bool); !ok {
			fail("got %v, want boolean", doc)
		}
	case nil:
	default:
		fail("unsupported schema type %v", schema["type"])
	}
	return errs
}

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "docs", "report-schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("parsing the schema: %v", err)
	}
	return s
}

// ValidateReportJSON validates a report document against the schema; the
// main package's tests use it through this helper's twin.
func validateReport(t *testing.T, reportJSON []byte) []string {
	t.Helper()
	s := loadSchema(t)
	var doc any
	if err := json.Unmarshal(reportJSON, &doc); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	return validate(s, s, doc, "$")
}

// TestValidatorCatchesViolations makes sure the validator can fail.
func TestValidatorCatchesViolations(t *testing.T) {
	good := `{"schemaVersion":"2","generatedAt":"2026-01-01T00:00:00Z","tool":{"name":"provscope","version":"dev"},
	"log":{"url":"http://x","keyFingerprint":"` + strings.Repeat("a", 64) + `","keySource":"pinned"},"policy":{"signerPinned":true},
	"totals":{"images":1,"verified":1,"failed":0,"unsigned":0,"notLogged":0,"error":0,"unpinned":0},
	"images":[{"reference":"r","digest":"sha256:` + strings.Repeat("b", 64) + `","verdict":"verified","reason":"ok","signerPinned":true,"signers":[{"keyFingerprint":"ab"}],
	"attachments":[{"kind":"signature","source":"tag","digest":"d","signer":{"keyFingerprint":"ab"},"entryUUID":"` + strings.Repeat("c", 80) + `","logIndex":3,
	"integratedTime":"2026-01-01T00:00:00Z","verdict":"verified","result":{"subject":"s","verdict":"verified","reason":"ok",
	"steps":[{"name":"n","title":"t","status":"pass","evidence":[{"label":"l","value":"v"}]}]}}]}]}`
	if errs := validateReport(t, []byte(good)); len(errs) != 0 {
		t.Fatalf("valid document rejected: %v", errs)
	}
	mutations := map[string][2]string{
		"bad verdict":        {`"verdict":"verified","reason":"ok","signerPinned"`, `"verdict":"great","reason":"ok","signerPinned"`},
		"negative index":     {`"logIndex":3`, `"logIndex":-3`},
		"bad time":           {`"integratedTime":"2026-01-01T00:00:00Z"`, `"integratedTime":"yesterday"`},
		"bad uuid":           {`"entryUUID":"` + strings.Repeat("c", 80), `"entryUUID":"` + strings.Repeat("c", 70)},
		"unknown property":   {`"policy":{"signerPinned":true}`, `"policy":{"signerPinned":true,"x":1}`},
		"string for bool":    {`"signerPinned":true}`, `"signerPinned":"yes"}`},
		"missing required":   {`"reason":"ok",` + "\n\t\"steps\"", "\n\t\"steps\""},
		"bad result verdict": {`"result":{"subject":"s","verdict":"verified"`, `"result":{"subject":"s","verdict":"fine"`},
		"bad evidence":       {`"evidence":[{"label":"l","value":"v"}]`, `"evidence":[{"label":"l"}]`},
		"v1 entries":         {`"attachments":[`, `"entries":[`},
		"string for number":  {`"images":1,`, `"images":"1",`},
		"bad step status":    {`"status":"pass"`, `"status":"ok"`},
	}
	for name, m := range mutations {
		bad := strings.Replace(good, m[0], m[1], 1)
		if bad == good {
			t.Fatalf("%s: mutation did not apply", name)
		}
		if errs := validateReport(t, []byte(bad)); len(errs) == 0 {
			t.Errorf("%s: mutated document accepted", name)
		}
	}
}
