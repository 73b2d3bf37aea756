package report

import (
	"bytes"
	"encoding/hex"
	"strings"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
)

// CheckpointDoc is a checkpoint as `loginfo --output json` writes it: the
// root hash in hex, as the remembered checkpoints (rekor/state) have it.
type CheckpointDoc struct {
	Origin   string   `json:"origin"`
	Size     uint64   `json:"size"`
	RootHash string   `json:"rootHash"`
	Extra    []string `json:"extra,omitempty"`
}

// CheckpointDocOf returns cp as a CheckpointDoc (nil for nil).
func CheckpointDocOf(cp *model.Checkpoint) *CheckpointDoc {
	if cp == nil {
		return nil
	}
	return &CheckpointDoc{Origin: cp.Origin, Size: cp.Size, RootHash: hex.EncodeToString(cp.RootHash), Extra: cp.Extra}
}

// HeadDoc is a log tree's head in the shape of one of `loginfo --output
// json`'s trees (treeID, checkpoint, signedTreeHead): the explorer's
// evidence export writes it as log-head.json.
type HeadDoc struct {
	TreeID     string         `json:"treeID,omitempty"`
	Checkpoint *CheckpointDoc `json:"checkpoint,omitempty"`
	// SignedTreeHead is the note exactly as the log served it.
	SignedTreeHead string `json:"signedTreeHead"`
}

// HeadDocOf returns h as a HeadDoc: its checkpoint is h's size and root
// (the ones the explorer showed), with the origin and extension lines read
// from the body of h's signed note when that body states the same size and
// root (its signature is the log check's to verify); a note that does not
// parse, or names another tree, leaves the origin empty, and the note
// itself is still there to read.
func HeadDocOf(h model.LogInfo) HeadDoc {
	d := HeadDoc{TreeID: h.TreeID, SignedTreeHead: h.SignedTreeHead}
	if h.TreeSize < 0 {
		return d
	}
	cp := model.Checkpoint{Size: uint64(h.TreeSize), RootHash: h.RootHash}
	body, _, _ := strings.Cut(h.SignedTreeHead, "\n\n")
	if signed, err := proof.ParseCheckpoint([]byte(body + "\n")); err == nil && signed.Size == cp.Size && bytes.Equal(signed.RootHash, cp.RootHash) {
		cp = signed
	}
	d.Checkpoint = CheckpointDocOf(&cp)
	return d
}
