// Package model holds provscope's domain types: images and what is attached
// to them, transparency-log entries, checkpoints and proofs, and the results
// of verifying them.
//
// The types are plain data. Nothing here performs I/O, verifies anything or
// knows how it is drawn: fetching lives in rekor/ and registry/, deciding
// trust in proof/, presentation in ui/.
package model
