package mirror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/client"
)

// V1Config says which Rekor v1 log to audit and how.
type V1Config struct {
	// Dir keeps the audit state (one compact range per shard).
	Dir string
	// Client reads the log.
	Client *client.Client
	// KeyPEM is the log's public key; each shard's signed tree head must
	// verify with it.
	KeyPEM []byte
	// Chunk is how many entries are verified and committed together; 0
	// means 1000.
	Chunk int
	// Progress, when set, is called after each committed chunk; Done and
	// Target count entries over every shard.
	Progress func(Progress)
	// Now returns the time for progress figures; nil means time.Now.
	Now func() time.Time
}

// V1Shard is the outcome for one shard (tree) of a Rekor v1 log.
type V1Shard struct {
	TreeID string
	// Offset is the global index of the shard's first entry.
	Offset     uint64
	Checkpoint *proof.VerifiedCheckpoint
	From, To   uint64
}

// AuditV1 audits a Rekor v1 log: for every shard (inactive ones first, then
// the active one) it verifies the signed tree head, proves it consistent
// with the one audited last time, reads every entry by global index,
// recomputes the tree from the bodies and proves each chunk a prefix of the
// signed tree (proof.VerifyMirroredPrefix over the log's consistency
// proof; at the signed size the roots must be equal). State is committed
// per chunk, so an interrupted audit resumes.
func AuditV1(ctx context.Context, cfg V1Config) ([]V1Shard, error) {
	if cfg.Chunk <= 0 {
		cfg.Chunk = 1000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s, err := openStore(cfg.Dir)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if mode, err := s.meta(ctx, metaMode); err != nil {
		return nil, err
	} else if mode != nil && string(mode) != "audit-v1" {
		return nil, fmt.Errorf("%w: directory %s holds a %s, not a Rekor v1 audit", ErrWrongMode, cfg.Dir, mode)
	}
	info, err := cfg.Client.LogInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("fetching the log info: %w", err)
	}
	heads := append(append([]model.LogInfo(nil), info.InactiveShards...), *info)
	r := &v1run{cfg: cfg, s: s, start: cfg.Now()}
	var shards []V1Shard
	var offset uint64
	for _, h := range heads {
		cp, err := r.verifyHead(h)
		if err != nil {
			return nil, err
		}
		shards = append(shards, V1Shard{TreeID: h.TreeID, Offset: offset, Checkpoint: cp})
		r.total += cp.Size
		offset += cp.Size
	}
	for _, sh := range shards {
		b, err := s.meta(ctx, r.key(&sh, metaSize))
		if err != nil {
			return nil, err
		}
		if n, err := strconv.ParseUint(string(b), 10, 64); err == nil {
			r.done += n
		}
	}
	r.startDone = r.done
	for i := range shards {
		if err := r.shard(ctx, &shards[i]); err != nil {
			return nil, err
		}
	}
	return shards, nil
}

type v1run struct {
	cfg         V1Config
	s           *store
	start       time.Time
	total, done uint64
	startDone   uint64
}

// verifyHead verifies a shard's signed tree head and that the log's
// unsigned size and root agree with it.
func (r *v1run) verifyHead(h model.LogInfo) (*proof.VerifiedCheckpoint, error) {
	keys, err := r.keysFor(h.SignedTreeHead)
	if err != nil {
		return nil, fmt.Errorf("reading the signed tree head of tree %s: %w", h.TreeID, err)
	}
	cp, err := proof.VerifyCheckpoint([]byte(h.SignedTreeHead), keys, proof.CheckpointOptions{})
	if err != nil {
		return nil, &LieError{Err: fmt.Errorf("verifying the signed tree head of tree %s: %w", h.TreeID, err)}
	}
	if err := proof.CheckClaimedHead(h.TreeID, cp.Checkpoint, h.TreeSize, h.RootHash); err != nil {
		return nil, &LieError{Err: err}
	}
	return cp, nil
}

// keysFor names the log key after the note's origin (a Rekor v1 log signs
// as its host name; the origin is only a name here, the signature must
// still verify with the key).
func (r *v1run) keysFor(note string) ([]proof.NoteKey, error) {
	origin, _, ok := strings.Cut(note, "\n")
	if !ok {
		return nil, errors.New("note has no origin line")
	}
	key, err := proof.LogKeyFromPEM(r.cfg.KeyPEM, origin)
	if err != nil {
		return nil, fmt.Errorf("reading the log key: %w", err)
	}
	return []proof.NoteKey{key}, nil
}

func (r *v1run) key(sh *V1Shard, k string) string { return "v1/" + sh.TreeID + "/" + k }

// shard audits one shard from where the last audit stopped.
func (r *v1run) shard(ctx context.Context, sh *V1Shard) error {
	cp := sh.Checkpoint
	sizeB, err := r.s.meta(ctx, r.key(sh, metaSize))
	if err != nil {
		return err
	}
	var size uint64
	if sizeB != nil {
		if size, err = strconv.ParseUint(string(sizeB), 10, 64); err != nil {
			return fmt.Errorf("reading the audit state: %w", err)
		}
	}
	comp, err := r.s.meta(ctx, r.key(sh, metaCompact))
	if err != nil {
		return err
	}
	cr, err := rangeFactory.NewRange(0, size, splitHashes(comp))
	if err != nil {
		return fmt.Errorf("reading the audit state of tree %s: %w", sh.TreeID, err)
	}
	keptRaw, err := r.s.meta(ctx, r.key(sh, metaTarget))
	if err != nil {
		return err
	}
	if keptRaw != nil {
		keys, err := r.keysFor(string(keptRaw))
		if err != nil {
			return fmt.Errorf("re-verifying the kept tree head of tree %s: %w", sh.TreeID, err)
		}
		kept, err := proof.VerifyCheckpoint(keptRaw, keys, proof.CheckpointOptions{})
		if err != nil {
			return fmt.Errorf("re-verifying the kept tree head of tree %s: %w", sh.TreeID, err)
		}
		var hashes [][]byte
		if proof.ConsistencyProofNeeded(kept.Checkpoint, cp.Checkpoint) {
			if hashes, err = r.consistency(ctx, sh, kept.Size, cp.Size); err != nil {
				return err
			}
		}
		if err := proof.VerifyNextCheckpoint(kept, cp, hashes); err != nil {
			return r.lie(nil, fmt.Errorf("tree %s: %w", sh.TreeID, err), evidenceFile{"sth-kept-" + sh.TreeID + ".note", keptRaw},
				evidenceFile{"sth-" + sh.TreeID + ".note", []byte(cp.Raw)})
		}
	}
	sh.From = size
	for size < cp.Size {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := min(size+uint64(r.cfg.Chunk), cp.Size) //nolint:gosec // Chunk > 0
		idx := make([]int64, 0, end-size)
		for i := size; i < end; i++ {
			idx = append(idx, int64(sh.Offset+i)) //nolint:gosec // Rekor v1 indices are int64
		}
		got, err := r.cfg.Client.Retrieve(ctx, nil, idx)
		if err != nil {
			return fmt.Errorf("fetching entries %d..%d: %w", sh.Offset+size, sh.Offset+end-1, err)
		}
		byIdx := make(map[int64]*model.LogEntry, len(got))
		for i := range got {
			byIdx[got[i].LogIndex] = &got[i]
		}
		for i := size; i < end; i++ {
			e := byIdx[int64(sh.Offset+i)] //nolint:gosec // as above
			if e == nil {
				rg := proof.EntryRange{First: sh.Offset + i, Last: sh.Offset + i}
				return r.lie(&rg, fmt.Errorf("tree %s: the log did not return entry %d, which its signed tree head covers", sh.TreeID, sh.Offset+i))
			}
			if err := cr.Append(proof.LeafHash(e.Body), nil); err != nil {
				return fmt.Errorf("appending leaf: %w", err)
			}
		}
		root, err := cr.GetRootHash(nil)
		if err != nil {
			return fmt.Errorf("computing the root: %w", err)
		}
		var hashes [][]byte
		if end < cp.Size {
			if hashes, err = r.consistency(ctx, sh, end, cp.Size); err != nil {
				return err
			}
		}
		if err := proof.VerifyMirroredPrefix(size, end, root, cp, hashes); err != nil {
			rg := proof.EntryRange{First: sh.Offset + size, Last: sh.Offset + end - 1}
			ev, _ := json.Marshal(got)
			return r.lie(&rg, fmt.Errorf("%w (tree %s, global index = local index + %d)", err, sh.TreeID, sh.Offset),
				evidenceFile{"entries-" + strconv.FormatUint(sh.Offset+size, 10) + ".json", ev},
				evidenceFile{"sth-" + sh.TreeID + ".note", []byte(cp.Raw)},
				evidenceFile{"consistency-proof.hex", hexLines(hashes)})
		}
		if err := r.commit(ctx, sh, end, cr.Hashes(), []byte(cp.Raw)); err != nil {
			return err
		}
		r.done += end - size
		size = end
		if r.cfg.Progress != nil {
			r.cfg.Progress(Progress{Start: r.startDone, Done: r.done, Target: r.total, Elapsed: r.cfg.Now().Sub(r.start)})
		}
	}
	sh.To = size
	return r.commit(ctx, sh, size, cr.Hashes(), []byte(cp.Raw))
}

func (r *v1run) consistency(ctx context.Context, sh *V1Shard, from, to uint64) ([][]byte, error) {
	f, t := int64(from), int64(to) //nolint:gosec // Rekor v1 sizes are int64
	hashes, err := r.cfg.Client.ConsistencyProof(ctx, f, t, sh.TreeID)
	if err != nil {
		return nil, fmt.Errorf("fetching consistency proof %d→%d of tree %s: %w", from, to, sh.TreeID, err)
	}
	return hashes, nil
}

// commit stores a shard's state and the tree head its entries were proven
// against (the one the next audit must extend).
func (r *v1run) commit(ctx context.Context, sh *V1Shard, size uint64, hashes [][]byte, kept []byte) error {
	tx, err := r.s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("committing audit state: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	kv := map[string][]byte{
		metaMode:               []byte("audit-v1"),
		r.key(sh, metaSize):    []byte(strconv.FormatUint(size, 10)),
		r.key(sh, metaCompact): joinHashes(hashes),
	}
	if kept != nil {
		kv[r.key(sh, metaTarget)] = kept
	}
	for k, v := range kv {
		if err := setMeta(ctx, tx, k, v); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing audit state: %w", err)
	}
	return nil
}

func (r *v1run) lie(rg *proof.EntryRange, err error, files ...evidenceFile) error {
	rr := &run{cfg: Config{Dir: r.cfg.Dir}}
	return rr.lie(rg, err, files...)
}
