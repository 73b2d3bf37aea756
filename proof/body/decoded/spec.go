package decoded

import (
	"encoding/json"
	"fmt"
)

// Spec splits a Rekor v1 body into its kind, apiVersion and spec (as a
// generic map, the input rekor's DecodeEntry functions take), after checking
// the size bound and that kind/apiVersion are the wanted ones.
func Spec(canonical []byte, wantKind, wantVersion string) (map[string]any, error) {
	if len(canonical) > MaxBodySize {
		return nil, fmt.Errorf("body of %d bytes exceeds the %d-byte limit", len(canonical), MaxBodySize)
	}
	var env struct {
		APIVersion string         `json:"apiVersion"`
		Kind       string         `json:"kind"`
		Spec       map[string]any `json:"spec"`
	}
	if err := json.Unmarshal(canonical, &env); err != nil {
		return nil, fmt.Errorf("decoding %s body: %w", wantKind, err)
	}
	if env.Kind != wantKind || env.APIVersion != wantVersion {
		return nil, fmt.Errorf("body is %s/%s, want %s/%s", env.Kind, env.APIVersion, wantKind, wantVersion)
	}
	if env.Spec == nil {
		return nil, fmt.Errorf("%s body has no spec", wantKind)
	}
	return env.Spec, nil
}
