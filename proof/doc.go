// Package proof decides trust at the transparency-log level and explains
// every decision: RFC 6962 Merkle inclusion and consistency proofs, signed
// checkpoints (signed notes), Rekor signed entry timestamps and saved Rekor
// v1 entries.
//
// The package is pure: bytes, integers, keys and the time (as an argument)
// in; verdicts, typed errors and explanation traces out. It performs no I/O.
//
// Verdicts come from the reference libraries (transparency-dev/merkle for
// proofs); this package orchestrates them and rebuilds the same walk as a
// trace of hash steps with node addresses, so a user can see which node
// failed. Specifications:
//
//   - RFC 6962 §2.1, Merkle hash trees: https://www.rfc-editor.org/rfc/rfc6962#section-2.1
package proof
