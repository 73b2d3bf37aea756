package proof

import "fmt"

// Lookup is what one way of asking a log for an entry answered.
type Lookup int

const (
	// LookupNone: this way of asking was not available (a tiles log has no
	// lookup by leaf hash; without a key no entry can be rebuilt to look up).
	LookupNone Lookup = iota
	// LookupAbsent: asked, and the answer held no entry recording it.
	LookupAbsent
	// LookupFound: asked, and the answer held an entry recording it (whose
	// inclusion proof is then verified like any other).
	LookupFound
)

// String names l as the step details quote it.
func (l Lookup) String() string {
	switch l {
	case LookupNone:
		return "not asked"
	case LookupAbsent:
		return "absent"
	case LookupFound:
		return "found"
	}
	return fmt.Sprintf("lookup(%d)", int(l))
}

// Logged is whether a log holds an entry, as far as its answers tell.
type Logged int

const (
	// LoggedCannotTell: no authoritative answer says either way.
	LoggedCannotTell Logged = iota
	// LoggedYes: an answer produced the entry.
	LoggedYes
	// LoggedNo: the log's authoritative lookup says it holds no such entry.
	LoggedNo
)

// String names g.
func (g Logged) String() string {
	switch g {
	case LoggedCannotTell:
		return "cannot tell"
	case LoggedYes:
		return "logged"
	case LoggedNo:
		return "not logged"
	}
	return fmt.Sprintf("logged(%d)", int(g))
}

// DecideLogged says whether a log holds an entry that nothing attached
// (no bundle) places in it, from two answers: index, the log's search index
// (Rekor v1 /api/v1/index/retrieve, which Rekor documents as best effort,
// "no guarantees"), and tree, the log's lookup of the entry itself by its
// leaf hash (Rekor v1 GET /api/v1/log/entries/{uuid} or retrieve with the
// proposed entry, answered from the Merkle tree across shards).
//
// An entry either answer produced is logged: its inclusion proof is
// verified next and decides whether it really is in the tree. Only the
// tree's answer can say an entry is absent: an index that finds nothing is
// not evidence (a false "not logged" would call an honest signer a stealth
// signer). With no tree answer and nothing found, the verdict is "cannot
// tell". note explains a disagreement between the two answers, or why
// there is no telling; it is empty when there is nothing to add.
func DecideLogged(index, tree Lookup) (verdict Logged, note string) {
	switch {
	case tree == LookupFound && index == LookupAbsent:
		return LoggedYes, "the log's search index did not list this entry, but the log found it by its leaf hash in the tree (the index is best effort)"
	case tree == LookupFound:
		return LoggedYes, ""
	case index == LookupFound && tree == LookupAbsent:
		return LoggedYes, "the log's search index listed this entry, but its lookup by leaf hash did not find it: the inclusion proof decides"
	case index == LookupFound:
		return LoggedYes, ""
	case tree == LookupAbsent:
		return LoggedNo, ""
	case index == LookupAbsent:
		return LoggedCannotTell, "cannot tell whether the log holds it: its search index (best effort, no guarantees) lists nothing, and no lookup of the entry itself by leaf hash was possible"
	}
	return LoggedCannotTell, "cannot tell whether the log holds it: no lookup of the entry by leaf hash was possible"
}
