package model

import "time"

// Repository is a repository in an OCI registry.
type Repository struct {
	Registry string `json:"registry"`
	Name     string `json:"name"`
}

// Tag is a tag in a repository and the digest it currently points to.
type Tag struct {
	Repository string `json:"repository"`
	Name       string `json:"name"`
	Digest     string `json:"digest,omitempty"`
	// Err is set when the tag is listed but could not be resolved.
	Err string `json:"error,omitempty"`
}

// Platform is an image's OS/architecture.
type Platform struct {
	OS           string `json:"os"`
	Architecture string `json:"architecture"`
	Variant      string `json:"variant,omitempty"`
}

// String renders p as os/arch[/variant].
func (p Platform) String() string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// Image summarises one manifest (or index) at a digest.
type Image struct {
	// Reference is how the user named it (registry/repo:tag or @digest).
	Reference string `json:"reference"`
	// Digest is the manifest digest, "sha256:<hex>".
	Digest    string `json:"digest"`
	MediaType string `json:"mediaType"`
	// Platform is set for a platform manifest.
	Platform *Platform `json:"platform,omitempty"`
	// Children are the platform manifests of an index.
	Children    []Image           `json:"children,omitempty"`
	Created     time.Time         `json:"created,omitzero"`
	LayerCount  int               `json:"layerCount"`
	Size        int64             `json:"size"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	// Err is set when this manifest (typically one platform of an index)
	// could not be read; the rest of the summary is still filled.
	Err string `json:"error,omitempty"`
}

// AttachmentKind says what an artifact attached to an image is.
type AttachmentKind int

const (
	// AttachSignature is a cosign signature (legacy .sig tag or a bundle
	// referrer for a message signature).
	AttachSignature AttachmentKind = iota + 1
	// AttachAttestation is a DSSE-wrapped in-toto statement (.att tag or a
	// bundle referrer carrying a DSSE envelope).
	AttachAttestation
	// AttachSBOM is a software bill of materials (.sbom tag or a referrer).
	AttachSBOM
)

// String returns the lower-case name of k.
func (k AttachmentKind) String() string {
	switch k {
	case AttachSignature:
		return "signature"
	case AttachAttestation:
		return "attestation"
	case AttachSBOM:
		return "sbom"
	}
	return "unknown"
}

// MarshalText encodes k as its String.
func (k AttachmentKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Attachment is one signature, attestation or SBOM found for an image
// digest, with everything registry/ parsed out of it. It carries no trust
// decision: proof/ makes those.
type Attachment struct {
	Kind AttachmentKind `json:"kind"`
	// Source says how it was found: "tag:sha256-<hex>.sig", "referrer".
	Source string `json:"source"`
	// Digest is the digest of the layer or manifest holding it.
	Digest    string `json:"digest"`
	MediaType string `json:"mediaType"`
	// Payload is the signed payload (simple-signing JSON, a DSSE envelope,
	// an SBOM document), bounded in size.
	Payload []byte `json:"-"`
	// Signature is the raw signature bytes (base64-decoded), for legacy
	// cosign signatures.
	Signature []byte `json:"-"`
	// Certificate and Chain are PEM, when the signer used a certificate.
	Certificate []byte `json:"-"`
	Chain       []byte `json:"-"`
	// RekorBundle is cosign's legacy offline log proof, when present.
	RekorBundle *RekorBundle `json:"rekorBundle,omitempty"`
	// Bundle is a Sigstore protobuf bundle (JSON), for the new bundle format.
	Bundle []byte `json:"-"`
	// RFC3161Timestamp is a DER timestamp response, when present.
	RFC3161Timestamp []byte `json:"-"`
	// PredicateType is the in-toto predicate type of an attestation.
	PredicateType string `json:"predicateType,omitempty"`
	// SBOMFormat is "spdx" or "cyclonedx"; SBOMPackages counts packages.
	SBOMFormat   string `json:"sbomFormat,omitempty"`
	SBOMPackages int    `json:"sbomPackages,omitempty"`
	// PayloadType is the DSSE payload type of an envelope, such as
	// "application/vnd.in-toto+json".
	PayloadType string `json:"payloadType,omitempty"`
	// Builder, BuildType and Materials are read from a SLSA provenance
	// predicate (v0.2 builder.id/buildType/materials, v1
	// runDetails.builder.id/buildDefinition.buildType/resolvedDependencies);
	// Materials are "uri@alg:hex".
	Builder   string   `json:"builder,omitempty"`
	BuildType string   `json:"buildType,omitempty"`
	Materials []string `json:"materials,omitempty"`
	// SignedDigest is the image digest the payload claims to sign.
	SignedDigest string            `json:"signedDigest,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	// Err is set when the attachment was found but could not be parsed.
	Err string `json:"error,omitempty"`
}

// RekorBundle is cosign's legacy "rekor bundle" annotation: the SET and the
// payload it signs.
type RekorBundle struct {
	SignedEntryTimestamp []byte `json:"signedEntryTimestamp"`
	Body                 []byte `json:"body"`
	IntegratedTime       int64  `json:"integratedTime"`
	LogIndex             int64  `json:"logIndex"`
	LogID                string `json:"logID"`
}
