// Package inspect orchestrates provscope's checks for the pipeline commands
// and the TUI alike: for an image it discovers the attached signatures and
// attestations (registry/), finds their transparency-log entries
// (rekor/client, rekor/tiles), verifies them (proof/) and adds up an
// image-level verdict; for a log it verifies the signed tree head and its
// consistency with the checkpoint remembered from last time (rekor/state).
//
// inspect decides nothing itself: every verdict comes from proof/. It
// sequences the fetches and checks, records them as model.Result steps and
// reports progress, so a caller can show each step as it completes.
//
// The main entry points:
//
//   - OpenLog: a log from its rekor/logs definition, with its key.
//   - CheckLog: verify a log's signed tree head(s) and consistency with the
//     remembered checkpoints (`provscope loginfo`, the TUI's consistency check).
//   - VerifyImage: every attachment of one image, verified, with a verdict
//     (`provscope verify`, `provscope report`, the TUI's verify key).
//   - Report, WriteMarkdown: the compliance report over many images, its JSON
//     schema (docs/report-schema.json) and a Markdown rendering.
package inspect
