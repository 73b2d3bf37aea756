package server

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/bits"
)

// leafFilter is a Bloom filter over the leaf hashes of the log, so the
// sequencer looks a new entry's leaf up in the leaves table (to answer 409
// for a duplicate) only when the filter says it may be there: about 1 in
// 100 new entries instead of all. A false positive costs that lookup and
// nothing else; there are no false negatives. Leaf hashes are SHA-256
// outputs, so their bytes serve as the filter's hash functions.
//
// Only the sequencer goroutine uses it.
type leafFilter struct {
	bits     []uint64
	capacity uint64 // leaves it holds at about 1% false positives
	n        uint64 // leaves added
}

const (
	filterBitsPerLeaf = 10 // with filterHashes, about 1% false positives
	filterHashes      = 7
	filterMinCapacity = 1 << 22 // 4M leaves, 5 MB
)

func newLeafFilter(capacity uint64) *leafFilter {
	capacity = max(capacity, filterMinCapacity)
	return &leafFilter{bits: make([]uint64, capacity*filterBitsPerLeaf/64), capacity: capacity}
}

// positions calls f with the filterHashes bit positions of leaf (double
// hashing with two 64-bit words of the hash).
func (f *leafFilter) positions(leaf []byte, fn func(word int, mask uint64)) {
	h1 := binary.LittleEndian.Uint64(leaf[0:8])
	h2 := binary.LittleEndian.Uint64(leaf[8:16]) | 1
	m := uint64(len(f.bits)) * 64
	for i := range uint64(filterHashes) {
		hi, _ := bits.Mul64(h1+i*h2, m) // uniform in [0, m)
		fn(int(hi/64), 1<<(hi%64))      //nolint:gosec // hi < m fits int
	}
}

func (f *leafFilter) add(leaf []byte) {
	f.positions(leaf, func(w int, mask uint64) { f.bits[w] |= mask })
	f.n++
}

// mayContain is false only when leaf was never added.
func (f *leafFilter) mayContain(leaf []byte) bool {
	in := true
	f.positions(leaf, func(w int, mask uint64) { in = in && f.bits[w]&mask != 0 })
	return in
}

// full reports that the filter holds more leaves than its capacity, so
// its false positive rate is climbing.
func (f *leafFilter) full() bool { return f.n > f.capacity }

// buildLeafFilter returns a filter of every leaf of the tree tw has built,
// read from the stored level-0 tiles and the right edge, sized for twice
// as many.
func (l *Log) buildLeafFilter(ctx context.Context, tw *tileWriter) (*leafFilter, error) {
	size := tw.rng.End()
	f := newLeafFilter(2 * size)
	err := l.db.eachLeafTile(ctx, func(t []byte) {
		for off := 0; off+hashSize <= len(t); off += hashSize {
			f.add(t[off : off+hashSize])
		}
	})
	if err != nil {
		return nil, err
	}
	if len(tw.edge) > 0 && len(tw.edge[0].hashes) < tileWidth*hashSize { // a partial tile: not stored
		t := tw.edge[0].hashes
		for off := 0; off+hashSize <= len(t); off += hashSize {
			f.add(t[off : off+hashSize])
		}
	}
	if f.n != size {
		return nil, fmt.Errorf("building leaf filter: read %d leaves, want %d", f.n, size)
	}
	return f, nil
}
