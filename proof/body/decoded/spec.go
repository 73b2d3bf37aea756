package decoded

import (
	"encoding/json"
	"fmt"

	"github.com/go-openapi/strfmt"
	"github.com/sigstore/rekor-tiles/v2/pkg/generated/protobuf"
	"google.golang.org/protobuf/encoding/protojson"
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

// V1Schema decodes a Rekor v1 body of the wanted kind and version into
// rekor's generated schema type with that type's DecodeEntry (decode), and
// validates it. Spec's checks come first.
func V1Schema[T any, PT interface {
	*T
	Validate(strfmt.Registry) error
}](canonical []byte, wantKind, wantVersion string, decode func(any, PT) error,
) (PT, error) {
	spec, err := Spec(canonical, wantKind, wantVersion)
	if err != nil {
		return nil, err
	}
	obj := PT(new(T))
	if err := decode(spec, obj); err != nil {
		return nil, fmt.Errorf("decoding %s spec: %w", wantKind, err)
	}
	if err := obj.Validate(strfmt.Default); err != nil {
		return nil, fmt.Errorf("validating %s spec: %w", wantKind, err)
	}
	return obj, nil
}

// V2Entry decodes a Rekor v2 (protobuf JSON) body after checking the size
// bound, and checks that its kind and apiVersion are the wanted ones.
func V2Entry(canonical []byte, wantKind, wantVersion string) (*protobuf.Entry, error) {
	if len(canonical) > MaxBodySize {
		return nil, fmt.Errorf("body of %d bytes exceeds the %d-byte limit", len(canonical), MaxBodySize)
	}
	var e protobuf.Entry
	if err := protojson.Unmarshal(canonical, &e); err != nil {
		return nil, fmt.Errorf("decoding %s %s body: %w", wantKind, wantVersion, err)
	}
	if e.GetKind() != wantKind || e.GetApiVersion() != wantVersion {
		return nil, fmt.Errorf("body is %s/%s, want %s/%s", e.GetKind(), e.GetApiVersion(), wantKind, wantVersion)
	}
	return &e, nil
}
