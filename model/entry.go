package model

import "time"

// EntryKind is a Rekor entry type, such as "hashedrekord", "dsse" or "intoto".
type EntryKind string

// The entry kinds provscope decodes.
const (
	KindHashedRekord EntryKind = "hashedrekord"
	KindDSSE         EntryKind = "dsse"
	KindIntoto       EntryKind = "intoto"
)

// LogEntry is one transparency-log entry as a log returns it (Rekor v1
// LogEntryAnon, or an entry rebuilt from a Rekor v2 / tiles bundle).
//
// Rekor v1 has two indices: LogIndex is the global (virtual) index across
// all shards, the one the SET signs; Proof.LogIndex is the leaf's index inside
// its shard's Merkle tree, the one the inclusion proof is computed for. With a
// single shard they are equal.
type LogEntry struct {
	// UUID is the entry ID: 16 hex digits of tree ID + 64 hex digits of the
	// RFC 6962 leaf hash (80 hex), or just the leaf hash (64 hex).
	UUID string `json:"uuid"`
	// LogIndex is the global log index (signed by the SET).
	LogIndex int64 `json:"logIndex"`
	// IntegratedTime is when the log integrated the entry (zero for Rekor v2).
	IntegratedTime time.Time `json:"integratedTime"`
	// LogID is the hex SHA-256 of the log's public key (DER SPKI) for Rekor
	// v1, or the C2SP key ID for Rekor v2.
	LogID string `json:"logID"`
	// Body is the canonical entry body exactly as the log stored it.
	Body []byte `json:"body"`
	// Kind and APIVersion are taken from Body.
	Kind       EntryKind `json:"kind"`
	APIVersion string    `json:"apiVersion"`
	// SET is the signed entry timestamp (DER ECDSA signature), if any.
	SET []byte `json:"signedEntryTimestamp,omitempty"`
	// Proof is the inclusion proof the log returned, if any.
	Proof *InclusionProof `json:"inclusionProof,omitempty"`
}

// InclusionProof is an RFC 6962 inclusion proof for one leaf, as a log
// returned it.
type InclusionProof struct {
	// LogIndex is the leaf's index inside the shard's tree.
	LogIndex int64 `json:"logIndex"`
	// TreeSize is the size of the tree the proof is for.
	TreeSize int64 `json:"treeSize"`
	// RootHash is the root the log claims for TreeSize.
	RootHash []byte `json:"rootHash"`
	// Hashes are the sibling hashes, leaf to root.
	Hashes [][]byte `json:"hashes"`
	// Checkpoint is the signed note committing to TreeSize and RootHash.
	Checkpoint string `json:"checkpoint,omitempty"`
}

// Checkpoint is the body of a signed tree head (C2SP tlog-checkpoint).
type Checkpoint struct {
	// Origin is the log's origin line, such as "rekor.sigstore.dev - 1193050959916656506".
	Origin string `json:"origin"`
	// Size is the number of leaves.
	Size uint64 `json:"size"`
	// RootHash is the RFC 6962 root hash of the first Size leaves.
	RootHash []byte `json:"rootHash"`
	// Extra holds any further body lines (for example "Timestamp: …").
	Extra []string `json:"extra,omitempty"`
}

// LogInfo is a log's current state as its info endpoint reports it.
type LogInfo struct {
	// TreeID identifies the active shard (Rekor v1), as a decimal string.
	TreeID   string `json:"treeID,omitempty"`
	TreeSize int64  `json:"treeSize"`
	RootHash []byte `json:"rootHash"`
	// SignedTreeHead is the signed note for TreeSize and RootHash.
	SignedTreeHead string `json:"signedTreeHead"`
	// InactiveShards are the frozen earlier shards of a Rekor v1 log.
	InactiveShards []LogInfo `json:"inactiveShards,omitempty"`
}

// Signer describes who signed: a key (by fingerprint) or a certificate
// identity.
type Signer struct {
	// KeyFingerprint is the hex SHA-256 of the public key's DER SPKI.
	KeyFingerprint string `json:"keyFingerprint,omitempty"`
	// Subject is the certificate's identity (SAN: email, URI).
	Subject string `json:"subject,omitempty"`
	// Issuer is the OIDC issuer recorded in a Fulcio certificate.
	Issuer string `json:"issuer,omitempty"`
	// NotBefore and NotAfter bound the certificate's validity.
	NotBefore time.Time `json:"notBefore,omitzero"`
	NotAfter  time.Time `json:"notAfter,omitzero"`
}

// String renders the signer as one short line: the identity when there is a
// certificate, else the key fingerprint's first 16 hex digits.
func (s Signer) String() string {
	switch {
	case s.Subject != "" && s.Issuer != "":
		return s.Subject + " (" + s.Issuer + ")"
	case s.Subject != "":
		return s.Subject
	case len(s.KeyFingerprint) > 16:
		return "key " + s.KeyFingerprint[:16]
	case s.KeyFingerprint != "":
		return "key " + s.KeyFingerprint
	}
	return "unknown signer"
}
