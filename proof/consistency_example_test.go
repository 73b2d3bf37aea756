package proof_test

import (
	"errors"
	"fmt"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
)

// A log remembered at size 20 now signs a tree of size 15: whatever its
// proof, it rolled back.
func ExampleJudgeConsistency() {
	root := make([]byte, 32)
	old := model.Checkpoint{Origin: "log.example - 7", Size: 20, RootHash: root}
	cur := model.Checkpoint{Origin: "log.example - 7", Size: 15, RootHash: root}
	_, err := proof.JudgeConsistency(proof.ConsistencyEvidence{TreeID: "7", Old: old, New: &cur})
	fmt.Println(err)
	var ie *proof.InconsistentError
	if errors.As(err, &ie) {
		fmt.Println(ie.Kind)
	}
	// Output:
	// log rolled back: tree size 15 is smaller than the remembered 20
	// rollback
}
