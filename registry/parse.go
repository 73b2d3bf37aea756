package registry

import (
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
)

// Media types, annotation keys and predicate types of cosign's formats.
const (
	MediaTypeSimpleSigning = "application/vnd.dev.cosign.simplesigning.v1+json"
	MediaTypeDSSE          = "application/vnd.dsse.envelope.v1+json"
	MediaTypeInToto        = "application/vnd.in-toto+json"
	MediaTypeBundleV03     = "application/vnd.dev.sigstore.bundle.v0.3+json"
	MediaTypeSPDXJSON      = "application/spdx+json"
	MediaTypeSPDXJSONText  = "text/spdx+json"
	MediaTypeSPDXText      = "text/spdx"
	MediaTypeCycloneDXJSON = "application/vnd.cyclonedx+json"
	MediaTypeCycloneDXXML  = "application/vnd.cyclonedx+xml"

	AnnotationSignature        = "dev.cosignproject.cosign/signature"
	AnnotationCertificate      = "dev.sigstore.cosign/certificate"
	AnnotationChain            = "dev.sigstore.cosign/chain"
	AnnotationBundle           = "dev.sigstore.cosign/bundle"
	AnnotationRFC3161Timestamp = "dev.sigstore.cosign/rfc3161timestamp"
	AnnotationPredicateType    = "predicateType"

	// AnnotationBundleContent and AnnotationBundlePredicateType are set by
	// cosign on a bundle referrer's manifest.
	AnnotationBundleContent       = "dev.sigstore.bundle.content"
	AnnotationBundlePredicateType = "dev.sigstore.bundle.predicateType"

	// PredicateCosignSign is the predicate type of the in-toto statement that
	// cosign --new-bundle-format signs in place of a simple-signing payload.
	PredicateCosignSign = "https://sigstore.dev/cosign/sign/v1"
	PredicateSLSAv02    = "https://slsa.dev/provenance/v0.2"
	PredicateSLSAv1     = "https://slsa.dev/provenance/v1"
)

// SimpleSigning is the cosign simple-signing payload
// (https://github.com/containers/image/blob/main/docs/containers-signature.5.md).
type SimpleSigning struct {
	Critical struct {
		Identity struct {
			DockerReference string `json:"docker-reference"`
		} `json:"identity"`
		Image struct {
			DockerManifestDigest string `json:"docker-manifest-digest"`
		} `json:"image"`
		Type string `json:"type"`
	} `json:"critical"`
	Optional map[string]any `json:"optional"`
}

// ParseSimpleSigning parses a simple-signing payload and returns the digest
// it signs.
func ParseSimpleSigning(b []byte) (SimpleSigning, error) {
	var ss SimpleSigning
	if err := json.Unmarshal(b, &ss); err != nil {
		return ss, fmt.Errorf("parsing simple-signing payload: %w", err)
	}
	if ss.Critical.Type != "cosign container image signature" && ss.Critical.Type != "atomic container signature" {
		return ss, fmt.Errorf("parsing simple-signing payload: critical.type %q, want %q", ss.Critical.Type, "cosign container image signature")
	}
	if ss.Critical.Image.DockerManifestDigest == "" {
		return ss, errors.New("parsing simple-signing payload: no critical.image.docker-manifest-digest")
	}
	return ss, nil
}

// legacyRekorBundle is cosign's "dev.sigstore.cosign/bundle" annotation.
type legacyRekorBundle struct {
	SignedEntryTimestamp []byte `json:"SignedEntryTimestamp"`
	Payload              struct {
		Body           string `json:"body"`
		IntegratedTime int64  `json:"integratedTime"`
		LogIndex       int64  `json:"logIndex"`
		LogID          string `json:"logID"`
	} `json:"Payload"`
}

// ParseRekorBundle parses cosign's legacy bundle annotation
// {SignedEntryTimestamp, Payload{body, integratedTime, logIndex, logID}}.
func ParseRekorBundle(s string) (*model.RekorBundle, error) {
	var lb legacyRekorBundle
	if err := json.Unmarshal([]byte(s), &lb); err != nil {
		return nil, fmt.Errorf("parsing rekor bundle annotation: %w", err)
	}
	body, err := base64.StdEncoding.DecodeString(lb.Payload.Body)
	if err != nil {
		return nil, fmt.Errorf("parsing rekor bundle annotation: decoding body: %w", err)
	}
	if len(body) == 0 || len(lb.SignedEntryTimestamp) == 0 {
		return nil, fmt.Errorf("parsing rekor bundle annotation: body %d bytes, SET %d bytes, want both non-empty", len(body), len(lb.SignedEntryTimestamp))
	}
	return &model.RekorBundle{
		SignedEntryTimestamp: lb.SignedEntryTimestamp,
		Body:                 body,
		IntegratedTime:       lb.Payload.IntegratedTime,
		LogIndex:             lb.Payload.LogIndex,
		LogID:                lb.Payload.LogID,
	}, nil
}

// ParseRFC3161Annotation parses cosign's "dev.sigstore.cosign/rfc3161timestamp"
// annotation ({"SignedRFC3161Timestamp": base64 DER}).
func ParseRFC3161Annotation(s string) ([]byte, error) {
	var v struct {
		SignedRFC3161Timestamp []byte `json:"SignedRFC3161Timestamp"`
	}
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("parsing rfc3161 timestamp annotation: %w", err)
	}
	if len(v.SignedRFC3161Timestamp) == 0 {
		return nil, errors.New("parsing rfc3161 timestamp annotation: empty SignedRFC3161Timestamp")
	}
	return v.SignedRFC3161Timestamp, nil
}

// Envelope is a DSSE envelope (https://github.com/secure-systems-lab/dsse),
// parsed by proof, which verifies its signatures: one parser for both.
type Envelope = proof.Envelope

// ParseEnvelope parses a DSSE envelope in JSON (proof.ParseEnvelope).
func ParseEnvelope(b []byte) (Envelope, error) { return proof.ParseEnvelope(b) }

// Statement is the part of an in-toto statement (v0.1 or v1) provscope
// reads (proof.Statement).
type Statement = proof.Statement

// ParseStatement parses an in-toto statement (proof.ParseStatement).
func ParseStatement(b []byte) (Statement, error) { return proof.ParseStatement(b) }

// subjectDigest returns st's first subject's sha256 digest as
// "sha256:<hex>".
func subjectDigest(st Statement) string {
	for _, sub := range st.Subject {
		if h, ok := sub.Digest["sha256"]; ok {
			return "sha256:" + h
		}
	}
	return ""
}

// fillFromStatement copies what a statement says into a.
func fillFromStatement(a *model.Attachment, st Statement) {
	a.PredicateType = st.PredicateType
	a.SignedDigest = subjectDigest(st)
	if strings.HasPrefix(st.PredicateType, "https://slsa.dev/provenance/") {
		fillSLSA(a, st.Predicate)
	}
}

// fillSLSA reads builder, build type and materials from a SLSA provenance
// predicate, v0.2 or v1. A predicate it cannot read leaves them empty.
func fillSLSA(a *model.Attachment, pred json.RawMessage) {
	var p struct {
		// v0.2
		Builder struct {
			ID string `json:"id"`
		} `json:"builder"`
		BuildType string `json:"buildType"`
		Materials []struct {
			URI    string            `json:"uri"`
			Digest map[string]string `json:"digest"`
		} `json:"materials"`
		// v1
		BuildDefinition struct {
			BuildType            string `json:"buildType"`
			ResolvedDependencies []struct {
				URI    string            `json:"uri"`
				Digest map[string]string `json:"digest"`
			} `json:"resolvedDependencies"`
		} `json:"buildDefinition"`
		RunDetails struct {
			Builder struct {
				ID string `json:"id"`
			} `json:"builder"`
		} `json:"runDetails"`
	}
	if json.Unmarshal(pred, &p) != nil {
		return
	}
	a.Builder = firstNonEmpty(p.Builder.ID, p.RunDetails.Builder.ID)
	a.BuildType = firstNonEmpty(p.BuildType, p.BuildDefinition.BuildType)
	for _, m := range p.Materials {
		a.Materials = append(a.Materials, material(m.URI, m.Digest))
	}
	for _, m := range p.BuildDefinition.ResolvedDependencies {
		a.Materials = append(a.Materials, material(m.URI, m.Digest))
	}
}

func material(uri string, digest map[string]string) string {
	algs := make([]string, 0, len(digest))
	for k := range digest {
		algs = append(algs, k)
	}
	sort.Strings(algs)
	if len(algs) == 0 {
		return uri
	}
	return uri + "@" + algs[0] + ":" + digest[algs[0]]
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// ParseSBOM recognises an SPDX or CycloneDX JSON document and counts its
// packages (SPDX "packages", CycloneDX "components"). SPDX tag-value text is
// recognised by its "SPDXVersion:" line and its "PackageName:" lines counted.
func ParseSBOM(mediaType string, b []byte) (format string, packages int, err error) {
	if strings.HasPrefix(strings.TrimSpace(string(b)), "SPDXVersion:") {
		return "spdx", strings.Count(string(b), "\nPackageName:"), nil
	}
	var doc struct {
		SPDXVersion string            `json:"spdxVersion"`
		Packages    []json.RawMessage `json:"packages"`
		BOMFormat   string            `json:"bomFormat"`
		Components  []json.RawMessage `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return "", 0, fmt.Errorf("parsing sbom (%s): %w", mediaType, err)
	}
	switch {
	case doc.SPDXVersion != "":
		return "spdx", len(doc.Packages), nil
	case doc.BOMFormat == "CycloneDX":
		return "cyclonedx", len(doc.Components), nil
	}
	return "", 0, fmt.Errorf("parsing sbom (%s): neither spdxVersion nor bomFormat CycloneDX", mediaType)
}

// IsSBOMMediaType reports whether mt is an SBOM media type cosign attaches.
func IsSBOMMediaType(mt string) bool {
	switch mt {
	case MediaTypeSPDXJSON, MediaTypeSPDXJSONText, MediaTypeSPDXText, MediaTypeCycloneDXJSON, MediaTypeCycloneDXXML:
		return true
	}
	return false
}

// fillLegacySignature parses one layer of a cosign .sig image: its
// simple-signing payload and its annotations.
func fillLegacySignature(a *model.Attachment, payload []byte) error {
	a.Payload = payload
	var errs []error
	if ss, err := ParseSimpleSigning(payload); err != nil {
		errs = append(errs, err)
	} else {
		a.SignedDigest = ss.Critical.Image.DockerManifestDigest
	}
	errs = append(errs, fillAnnotations(a, true))
	return errors.Join(errs...)
}

// fillAttestationLayer parses one layer of a cosign .att image (a DSSE
// envelope holding an in-toto statement) and its annotations.
func fillAttestationLayer(a *model.Attachment, payload []byte) error {
	a.Payload = payload
	errs := []error{fillEnvelope(a, payload), fillAnnotations(a, false)}
	return errors.Join(errs...)
}

func fillEnvelope(a *model.Attachment, b []byte) error {
	env, err := ParseEnvelope(b)
	if err != nil {
		return err
	}
	a.PayloadType = env.PayloadType
	a.Signature = env.Signatures[0].Sig
	if env.PayloadType != MediaTypeInToto {
		return nil
	}
	st, err := ParseStatement(env.Payload)
	if err != nil {
		return err
	}
	fillFromStatement(a, st)
	return nil
}

// fillAnnotations reads cosign's layer annotations. The signature annotation
// is required for signatures (sigRequired) and, for attestations, empty.
func fillAnnotations(a *model.Attachment, sigRequired bool) error {
	var errs []error
	ann := a.Annotations
	if s, ok := ann[AnnotationSignature]; ok && s != "" {
		sig, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("decoding signature annotation: %w", err))
		} else {
			a.Signature = sig
		}
	} else if sigRequired {
		errs = append(errs, fmt.Errorf("no %s annotation", AnnotationSignature))
	}
	if s := ann[AnnotationCertificate]; s != "" {
		a.Certificate = []byte(s)
	}
	if s := ann[AnnotationChain]; s != "" {
		a.Chain = []byte(s)
	}
	if s, ok := ann[AnnotationBundle]; ok {
		rb, err := ParseRekorBundle(s)
		if err != nil {
			errs = append(errs, err)
		} else {
			a.RekorBundle = rb
		}
	}
	if s, ok := ann[AnnotationRFC3161Timestamp]; ok {
		ts, err := ParseRFC3161Annotation(s)
		if err != nil {
			errs = append(errs, err)
		} else {
			a.RFC3161Timestamp = ts
		}
	}
	if pt := ann[AnnotationPredicateType]; pt != "" && a.PredicateType == "" {
		a.PredicateType = pt
	}
	return errors.Join(errs...)
}

// fillBundle parses a Sigstore bundle (v0.1–v0.3, JSON): its content decides
// the kind (a DSSE envelope with the cosign sign predicate, or a message
// signature, is a signature; any other DSSE statement is an attestation), and
// its first tlog entry is copied into RekorBundle so the UI can show it.
func fillBundle(a *model.Attachment, b []byte) error {
	a.Bundle = b
	a.Payload = b
	var pb protobundle.Bundle
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, &pb); err != nil {
		return fmt.Errorf("parsing sigstore bundle: %w", err)
	}
	if !strings.HasPrefix(pb.GetMediaType(), "application/vnd.dev.sigstore.bundle") {
		return fmt.Errorf("parsing sigstore bundle: mediaType %q, want application/vnd.dev.sigstore.bundle…", pb.GetMediaType())
	}
	vm := pb.GetVerificationMaterial()
	if c := vm.GetCertificate(); c != nil {
		a.Certificate = pemCert(c.GetRawBytes())
	} else if chain := vm.GetX509CertificateChain().GetCertificates(); len(chain) > 0 {
		a.Certificate = pemCert(chain[0].GetRawBytes())
		for _, c := range chain[1:] {
			a.Chain = append(a.Chain, pemCert(c.GetRawBytes())...)
		}
	}
	if ts := vm.GetTimestampVerificationData().GetRfc3161Timestamps(); len(ts) > 0 {
		a.RFC3161Timestamp = ts[0].GetSignedTimestamp()
	}
	if tl := vm.GetTlogEntries(); len(tl) > 0 {
		e := tl[0]
		a.RekorBundle = &model.RekorBundle{
			SignedEntryTimestamp: e.GetInclusionPromise().GetSignedEntryTimestamp(),
			Body:                 e.GetCanonicalizedBody(),
			IntegratedTime:       e.GetIntegratedTime(),
			LogIndex:             e.GetLogIndex(),
			LogID:                fmt.Sprintf("%x", e.GetLogId().GetKeyId()),
		}
	}
	switch {
	case pb.GetDsseEnvelope() != nil:
		env := pb.GetDsseEnvelope()
		a.PayloadType = env.GetPayloadType()
		if sigs := env.GetSignatures(); len(sigs) > 0 {
			a.Signature = sigs[0].GetSig()
		}
		a.Kind = model.AttachAttestation
		if env.GetPayloadType() != MediaTypeInToto {
			return nil
		}
		st, err := ParseStatement(env.GetPayload())
		if err != nil {
			return err
		}
		fillFromStatement(a, st)
		if st.PredicateType == PredicateCosignSign {
			a.Kind = model.AttachSignature
		}
	case pb.GetMessageSignature() != nil:
		ms := pb.GetMessageSignature()
		a.Kind = model.AttachSignature
		a.Signature = ms.GetSignature()
		if d := ms.GetMessageDigest(); d != nil && len(d.GetDigest()) > 0 {
			a.SignedDigest = fmt.Sprintf("sha256:%x", d.GetDigest())
		}
	default:
		return errors.New("parsing sigstore bundle: neither dsseEnvelope nor messageSignature")
	}
	return nil
}

func pemCert(der []byte) []byte {
	if len(der) == 0 {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// The OCI distribution-spec grammar for repository names and tags
// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests).
var (
	repositoryGrammar = regexp.MustCompile(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$`)
	tagGrammar        = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`)
)

// ValidRepository reports whether name (a repository path without the
// registry host, such as "demo/web") follows the OCI distribution-spec
// grammar. A registry's catalog may list any string; one that fails this
// check is hostile or broken and must be shown escaped and flagged, never
// raw (package safetext).
func ValidRepository(name string) bool { return repositoryGrammar.MatchString(name) }

// ValidTag reports whether tag follows the OCI distribution-spec grammar:
// [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}. A registry's tag listing may hold any
// string; one that fails this check is hostile or broken and must be shown
// escaped and flagged, never raw (package safetext).
func ValidTag(tag string) bool { return tagGrammar.MatchString(tag) }

// InvalidTagErr is the model.Tag.Err that Tags gives a listed tag whose name
// breaks the grammar (ValidTag): such a tag is not resolved, and shows flagged.
const InvalidTagErr = "invalid tag name: not a valid OCI tag, shown escaped"
