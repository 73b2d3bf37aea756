// Package report is provscope's one presentation layer: it turns what the
// gatherers (inspect, the CLI, the explorer's backend) hand it — a
// model.Result, an image's attachments and their results, a proof trace, a
// log head — into text, Markdown and JSON. Every command and the
// explorer's evidence export render through it, so a result, an image, an
// inclusion proof or a log head reads, and decodes, the same wherever it is
// printed.
//
// It decides nothing (proof/ does) and imports no gatherer: inspect, the
// CLI and ui/backend import it. Foreign text is sanitised here at each
// printer (internal/safetext: Line for terminal text, Markdown for
// Markdown); JSON documents carry values exactly, and the writer that
// prints them escapes what a terminal would obey.
package report
