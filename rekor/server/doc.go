// Package server is provscope's embedded transparency log: a Rekor v1
// compatible log that the real Sigstore clients (cosign, rekor-cli,
// sigstore-go) use unmodified, kept in one SQLite database file.
//
// It serves:
//
//   - the Rekor v1 REST API, with the shapes and status codes of Rekor
//     v1.5.4's openapi (https://github.com/sigstore/rekor/blob/v1.5.4/openapi.yaml),
//     built from Rekor's own generated models: GET /api/v1/log,
//     /api/v1/log/publicKey, /api/v1/log/proof, POST and GET
//     /api/v1/log/entries, GET /api/v1/log/entries/{id},
//     POST /api/v1/log/entries/retrieve and POST /api/v1/index/retrieve;
//   - the C2SP tlog-tiles read API (https://c2sp.org/tlog-tiles) under
//     /api/v2/: checkpoint, tile/L/N[.p/W] and tile/entries/N[.p/W];
//   - documented extensions (extensions.go): batch POST with
//     Idempotency-Key, rate limiting, request body limits, identity prefix
//     search and /api/v1/version; and /healthz.
//
// Entries are hashedrekord 0.0.1, dsse 0.0.1 and intoto 0.0.1/0.0.2,
// validated and canonicalised with Rekor's pkg/types, so the stored bodies
// are byte-identical to Rekor's. The Merkle tree is RFC 6962
// (https://www.rfc-editor.org/rfc/rfc6962), kept as tlog-tiles hash tiles.
// Every entry carries a signed entry timestamp (ECDSA P-256 over the RFC
// 8785 canonical JSON of body, integratedTime, logID and logIndex, as Rekor
// signs it) and an inclusion proof with a signed checkpoint
// (https://c2sp.org/tlog-checkpoint).
//
// Durability: an entry is answered 201 only after the SQLite transaction
// holding it, its tree nodes and the new signed checkpoint has committed
// (WAL, synchronous=FULL). On every start Open checks the stored bodies,
// tiles, checkpoints and indexes against each other and refuses to serve
// a damaged log (*DamageError); what the signed checkpoint does not cover
// is checked on every read. The log is append-only: there is no delete.
//
// A request reads down the files in this order:
//
//   - api.go: the HTTP handlers and middleware (routes, request decoding,
//     answers); limits.go, extensions.go and tiles.go hold the limits, the
//     extension handlers and the tlog-tiles read API.
//   - submit.go: proposed entries validated and canonicalised on all CPUs
//     (kinds.go, codec.go), handed to the sequencer, and answered with
//     body, SET and inclusion proof (logEntry, also used by reads);
//     idempotency.go keeps batch answers for Idempotency-Key retries.
//   - log.go: Open, the log's identity and the sequencer, the single
//     writer that commits queued entries in one transaction per batch
//     (group commit) and publishes the new tree state.
//   - sign.go: the SETs and checkpoints the sequencer signs, and the check
//     of a stored SET on read.
//   - store.go: the SQLite schema, pragmas and every SQL statement, behind
//     type store (prepared writer and reader statements); rawstore.go
//     exports its insert path for the storage floor benchmark
//     (internal/loadgen/floor).
//   - tree.go: the Merkle tree over stored tiles: appends, roots and
//     inclusion and consistency proofs; filter.go is the Bloom filter of
//     leaf hashes that spares duplicate lookups.
//   - integrity.go: the start-up check; identities.go: the identity index
//     for prefix search; entryjson.go: entry answers encoded by hand, byte
//     for byte what encoding/json writes.
//
// Measurements (throughput, latency, CPU profile, storage floor) and the
// designs tried and dropped are in docs/log-server.md, "Measurements and
// experiments".
//
// This package serves a log; it decides no trust for its clients. Verifying
// SETs, proofs and checkpoints is the clients' job (see package proof); the
// checks above only keep the log from serving what it did not store.
package server
