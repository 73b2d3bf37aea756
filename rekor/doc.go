// Package rekor groups provscope's code that talks Rekor: reading
// transparency logs (rekor/client, rekor/tiles, ...) and serving one
// (rekor/server, the embedded Rekor v1 compatible log behind
// `provscope serve` and `provscope demo`).
//
// The API is Rekor v1's (https://github.com/sigstore/rekor/blob/v1.5.4/openapi.yaml)
// and the C2SP tlog-tiles read API (https://c2sp.org/tlog-tiles); trees are
// RFC 6962 Merkle trees (https://www.rfc-editor.org/rfc/rfc6962) and
// checkpoints are signed notes (https://c2sp.org/tlog-checkpoint).
//
// Nothing under rekor/ decides trust: these packages fetch, parse and serve.
// Verifying signatures, proofs and checkpoints is the job of package proof.
package rekor
