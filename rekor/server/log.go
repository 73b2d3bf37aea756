package server

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
)

// Config configures a Log.
type Config struct {
	// Dir is the data directory holding the single SQLite database (WAL).
	// Required: callers wanting a throw-away log pass a temporary directory.
	Dir string
	// Hostname is the checkpoint origin host; default "provscope.local".
	// It must not contain spaces.
	Hostname string
	// Logger receives request and lifecycle logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock for integratedTime and rate limiting; nil means
	// time.Now.
	Now func() time.Time
	// MaxBodyBytes bounds one proposed entry (a single POST or one item of
	// a batch) and every other request body but a batch's (413 beyond
	// it); 0 means DefaultMaxBodyBytes. A batch may hold 100 such items
	// (see limits.go).
	MaxBodyBytes int64
	// MaxInFlightBytes bounds the request body bytes read or held at once
	// across all requests (503 with Retry-After beyond it); 0 means
	// DefaultMaxInFlightBytes. See limits.go.
	MaxInFlightBytes int64
	// Init allows creating a new log in a directory that is not empty
	// (see Open). An existing log is opened as it is either way.
	Init bool
	// RateLimit is the steady request rate allowed per client address, in
	// requests per second; 0 turns rate limiting off (the default).
	RateLimit float64
	// RateBurst is the token bucket size; 0 means max(1, 2*RateLimit).
	RateBurst int
	// MaxCommitBatch bounds how many entries one transaction commits; 0
	// means 1000. A request's entries are never split across
	// transactions, so one may hold up to MaxCommitBatch+99.
	MaxCommitBatch int
}

// DefaultHostname is the checkpoint origin host when Config.Hostname is "".
const DefaultHostname = "provscope.local"

// Log is an open transparency log. Its methods are safe for concurrent use.
type Log struct {
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	db     *store // every SQL statement (store.go)
	signer signature.Signer
	// verifier checks stored SETs on read (logEntry), once per entry per
	// process: setsOK holds the indices whose stored SET verified.
	verifier signature.Verifier
	setsOK   bitset
	pub      crypto.PublicKey
	pubPEM   []byte
	logID    string
	treeID   int64

	state atomic.Pointer[snapshot]
	// filter holds every leaf hash (see filter.go); only the sequencer
	// uses it after Open.
	filter *leafFilter
	tiles  *tileCache
	codec  bodyCodec
	idem   *idemFlight
	// idemKeep is how many Idempotency-Keys are remembered (idemKeep).
	idemKeep int64
	limit    *limiter
	bodies   *byteBudget // request body bytes in flight (limits.go)

	submit  chan []*pending // one request's entries, committed together
	closing chan struct{}
	// commits counts the transactions that stored entries.
	commits atomic.Int64
	// lastRequest is when the last request arrived (Unix nanoseconds).
	lastRequest atomic.Int64
	done        chan struct{}
	closeMu     sync.Once
	release     func() // drops the directory lock
}

// pending is one entry waiting for the sequencer.
type pending struct {
	p    *prepared
	done chan seqResult
}

// seqResult is what the sequencer answers: the entry's index and integrated
// time, or that it duplicates index, or an error.
type seqResult struct {
	index          uint64
	integratedTime int64
	set            []byte // the signed entry timestamp, for a new entry
	duplicate      bool
	err            error
}

// idleAfter is how long the log must go without requests, after a write,
// before the sequencer trims its memory (see trimMemory).
const idleAfter = 5 * time.Second

// errClosed is returned to submissions arriving after Close.
var errClosed = errors.New("log is closed")

// Open opens (or creates) the log in cfg.Dir. On first start it creates an
// ECDSA P-256 log key and a random non-zero tree ID and stores them. On
// every start it recomputes the tree from the stored entries and checks it
// against the last signed checkpoint: a mismatch returns a *DamageError and
// no Log.
func Open(ctx context.Context, cfg Config) (*Log, error) {
	if cfg.Hostname == "" {
		cfg.Hostname = DefaultHostname
	}
	if strings.ContainsAny(cfg.Hostname, " \t\n") {
		return nil, fmt.Errorf("opening log: hostname %q contains white space", cfg.Hostname)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxInFlightBytes <= 0 {
		cfg.MaxInFlightBytes = DefaultMaxInFlightBytes
	}
	cfg.MaxBodyBytes = min(cfg.MaxBodyBytes, cfg.MaxInFlightBytes)
	if cfg.MaxCommitBatch <= 0 {
		cfg.MaxCommitBatch = 1000
	}
	if cfg.Dir == "" {
		return nil, errors.New("opening log: Config.Dir is empty")
	}
	fresh, err := checkDataDir(cfg.Dir, cfg.Init)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	release, err := lockDir(cfg.Dir)
	if err != nil {
		return nil, err
	}
	db, err := openStore(ctx, cfg.Dir)
	if err != nil {
		release()
		return nil, err
	}
	l := &Log{
		cfg: cfg, log: cfg.Logger, now: cfg.Now, db: db,
		// Every level-0 tile of a 1M-entry log (3,907), at most 64 MB; dropped when idle.
		tiles:    newTileCache(4096),
		idem:     newIdemFlight(),
		idemKeep: idemKeep,
		submit:   make(chan []*pending, 1024),
		closing:  make(chan struct{}),
		done:     make(chan struct{}),
	}
	if l.log == nil {
		l.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if l.now == nil {
		l.now = time.Now
	}
	l.limit = newLimiter(cfg.RateLimit, cfg.RateBurst, l.now)
	l.bodies = &byteBudget{max: cfg.MaxInFlightBytes}
	l.release = release
	fail := func(err error) (*Log, error) {
		_ = db.close()
		release()
		return nil, err
	}
	if err := db.quickCheck(ctx); err != nil {
		return fail(err)
	}
	if err := l.loadIdentity(ctx, fresh); err != nil {
		return fail(err)
	}
	if err := db.prepare(ctx); err != nil {
		return fail(err)
	}
	tw, err := l.verifyStorage(ctx)
	if err != nil {
		return fail(err)
	}
	if l.filter, err = l.buildLeafFilter(ctx, tw); err != nil {
		return fail(err)
	}
	go l.sequence(tw)
	s := l.state.Load()
	l.log.Info("transparency log open", "dir", cfg.Dir, "treeID", l.treeID, "size", s.size, "origin", l.Origin())
	return l, nil
}

// ErrNoLog is returned by Open when the data directory shows a log was
// there (files besides log.db, or an empty log.db) but its database is
// missing or empty: starting a new log there would mint a new key and
// serve size 0 in place of the old log.
var ErrNoLog = errors.New("the log database is missing or empty")

// checkDataDir decides whether Open may create a new log in dir: only when
// log.db is missing and dir holds nothing else (or does not exist), or
// with init. A log.db that exists and is not empty is opened as it is.
func checkDataDir(dir string, init bool) (fresh bool, err error) {
	fi, err := os.Stat(filepath.Join(dir, dbFileName))
	switch {
	case err == nil && fi.Size() > 0:
		return false, nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return false, fmt.Errorf("opening log database: %w", err)
	}
	if init {
		return true, nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("reading data directory: %w", err)
	}
	var others []string
	for _, e := range ents {
		if e.Name() != lockFileName {
			others = append(others, e.Name())
		}
	}
	if len(others) == 0 {
		return true, nil
	}
	what := dbFileName + " is missing"
	if fi != nil {
		what = dbFileName + " is empty (0 bytes)"
	}
	return false, fmt.Errorf("refusing to start a new log in %s: %s but the directory holds %s: %w (restore it from a backup, or start a new log with a new key in an empty directory or with --init)",
		dir, what, strings.Join(others, ", "), ErrNoLog)
}

// loadIdentity reads the log key and tree ID, or creates them when the log
// is new: fresh (Open found no database) or a database holding no entry
// and no checkpoint yet (a first start that stopped before storing them).
// A stored log without its key is refused: a new key would sign a new log
// in the old one's place.
func (l *Log) loadIdentity(ctx context.Context, fresh bool) error {
	der, err := l.db.meta(ctx, metaKey)
	if err != nil {
		return err
	}
	tid, err := l.db.meta(ctx, metaTreeID)
	if err != nil {
		return err
	}
	if der == nil && !fresh {
		n, err := l.db.rows(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("refusing to open the log: %s holds no log key but holds %d entries, checkpoints or settings: %w", dbFileName, n, ErrNoLog)
		}
	}
	if der == nil {
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return fmt.Errorf("generating log key: %w", err)
		}
		if der, err = x509.MarshalPKCS8PrivateKey(priv); err != nil {
			return fmt.Errorf("encoding log key: %w", err)
		}
		tid = make([]byte, 8)
		for binary.BigEndian.Uint64(tid)&(1<<63-1) == 0 {
			if _, err := rand.Read(tid); err != nil {
				return fmt.Errorf("generating tree id: %w", err)
			}
		}
		tid[0] &= 0x7f // positive int64
		if err := l.db.putIdentity(ctx, der, tid); err != nil {
			return err
		}
	}
	if len(tid) != 8 {
		return fmt.Errorf("reading tree id: got %d bytes, want 8", len(tid))
	}
	l.treeID = int64(binary.BigEndian.Uint64(tid)) //nolint:gosec // stored positive
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return fmt.Errorf("parsing log key: %w", err)
	}
	priv, ok := key.(*ecdsa.PrivateKey)
	if !ok || priv.Curve != elliptic.P256() {
		return fmt.Errorf("parsing log key: got %T, want ECDSA P-256", key)
	}
	if l.signer, err = signature.LoadECDSASigner(priv, crypto.SHA256); err != nil {
		return fmt.Errorf("loading log key: %w", err)
	}
	l.pub = priv.Public()
	if l.verifier, err = signature.LoadVerifier(l.pub, crypto.SHA256); err != nil {
		return fmt.Errorf("loading log verifier: %w", err)
	}
	if l.pubPEM, err = cryptoutils.MarshalPublicKeyToPEM(l.pub); err != nil {
		return fmt.Errorf("encoding log public key: %w", err)
	}
	spki, err := x509.MarshalPKIXPublicKey(l.pub)
	if err != nil {
		return fmt.Errorf("encoding log public key: %w", err)
	}
	sum := sha256.Sum256(spki)
	l.logID = hex.EncodeToString(sum[:])
	return nil
}

// PublicKeyPEM returns the log's ECDSA P-256 public key, PEM-encoded.
func (l *Log) PublicKeyPEM() []byte { return bytes.Clone(l.pubPEM) }

// PublicKey returns the log's public key.
func (l *Log) PublicKey() crypto.PublicKey { return l.pub }

// TreeID returns the log's stable, non-zero tree ID.
func (l *Log) TreeID() int64 { return l.treeID }

// LogID returns the hex SHA-256 of the log key's DER SubjectPublicKeyInfo,
// the logID of every entry.
func (l *Log) LogID() string { return l.logID }

// Hostname returns the checkpoint origin host.
func (l *Log) Hostname() string { return l.cfg.Hostname }

// Origin returns the checkpoint origin line, "<hostname> - <treeID>".
func (l *Log) Origin() string { return fmt.Sprintf("%s - %d", l.cfg.Hostname, l.treeID) }

// Size returns the number of entries committed so far.
func (l *Log) Size() uint64 { return l.state.Load().size }

// Checkpoint returns the latest signed checkpoint (a signed note).
func (l *Log) Checkpoint() []byte { return bytes.Clone(l.state.Load().checkpoint) }

// Close stops the sequencer and closes the database. Submissions still
// queued fail with an error and nothing of theirs is stored.
func (l *Log) Close() error {
	l.closeMu.Do(func() { close(l.closing) })
	<-l.done
	err := l.db.close()
	l.release()
	return err
}

// append submits prepared entries to the sequencer and waits until they are
// committed (or found to be duplicates). Results come in the order of ps.
func (l *Log) append(ctx context.Context, ps []*prepared) ([]seqResult, error) {
	waits := make([]*pending, len(ps))
	for i, p := range ps {
		waits[i] = &pending{p: p, done: make(chan seqResult, 1)}
	}
	// One channel send for the whole request: its entries are sequenced
	// contiguously and committed in one transaction.
	select {
	case l.submit <- waits:
	case <-l.closing:
		return nil, errClosed
	}
	out := make([]seqResult, len(ps))
	for i, w := range waits {
		// Once queued, the answer is awaited even if the client leaves: the
		// entry may be committed either way.
		out[i] = <-w.done
	}
	return out, nil
}

// sequence is the single writer: it takes queued entries, commits them in
// one transaction per batch and publishes the new tree state.
func (l *Log) sequence(tw *tileWriter) {
	defer close(l.done)
	batch := make([]*pending, 0, l.cfg.MaxCommitBatch)
	// After a burst of writes, give the memory it used back to the OS once
	// the log has been idle for a while.
	idle := time.NewTimer(time.Hour)
	idle.Stop()
	defer idle.Stop()
	for {
		select {
		case <-l.closing:
			l.drainClosed()
			return
		case <-idle.C:
			// Reads count as activity too: trimming drops caches the
			// readers are using.
			if since := time.Since(time.Unix(0, l.lastRequest.Load())); since < idleAfter {
				idle.Reset(idleAfter - since)
				continue
			}
			l.trimMemory()
		case ps := <-l.submit:
			idle.Reset(idleAfter)
			batch = append(batch[:0], ps...)
		fill:
			for len(batch) < l.cfg.MaxCommitBatch {
				select {
				case ps := <-l.submit:
					batch = append(batch, ps...)
				default:
					break fill
				}
			}
			tw = l.commit(tw, batch)
		}
	}
}

// trimMemory gives back what a burst of traffic used once the log is idle:
// the tile cache, the SQLite page caches of the read connections (closed;
// the pool opens new ones on demand) and of the writer, and the Go heap.
// The idle sequencer calls it; it is safe at any time (database/sql
// serialises the single writer connection), only slower for the next reads.
func (l *Log) trimMemory() {
	l.tiles.clear()
	if err := l.db.trim(context.Background()); err != nil {
		l.log.Warn("trimming the database's memory", "err", err)
	}
	debug.FreeOSMemory()
}

func (l *Log) drainClosed() {
	for {
		select {
		case ps := <-l.submit:
			for _, p := range ps {
				p.done <- seqResult{err: errClosed}
			}
		default:
			return
		}
	}
}

// commit stores batch in one transaction. It returns the writer to use next:
// tw advanced on success, a copy of the old one on failure.
func (l *Log) commit(tw *tileWriter, batch []*pending) *tileWriter {
	ctx := context.Background()
	saved := tw.clone()
	results := make([]seqResult, len(batch))
	err := l.commitTx(ctx, tw, batch, results)
	if err != nil {
		l.log.Error("committing entries", "count", len(batch), "err", err)
		for _, p := range batch {
			p.done <- seqResult{err: err}
		}
		return saved
	}
	for i, p := range batch {
		p.done <- results[i]
	}
	return tw
}

func (l *Log) commitTx(ctx context.Context, tw *tileWriter, batch []*pending, results []seqResult) (err error) {
	if l.filter.full() {
		if l.filter, err = l.buildLeafFilter(ctx, tw); err != nil {
			return err
		}
	}
	tx, err := l.db.begin(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.rollback()
		}
	}()

	now := l.now().Unix()
	oldSize := tw.rng.End()
	inBatch := make(map[string]uint64, len(batch))
	var added []int // positions in batch of the new entries
	for i, p := range batch {
		if idx, ok := inBatch[string(p.p.leaf)]; ok {
			results[i] = seqResult{index: idx, duplicate: true}
			continue
		}
		if l.filter.mayContain(p.p.leaf) {
			idx, found, err := tx.leafIndex(ctx, p.p.leaf)
			if err != nil {
				return err
			}
			if found {
				results[i] = seqResult{index: idx, duplicate: true}
				continue
			}
		}
		index := tw.rng.End()
		if err := tw.append(p.p.leaf); err != nil {
			return err
		}
		inBatch[string(p.p.leaf)] = index
		results[i] = seqResult{index: index, integratedTime: now}
		added = append(added, i)
	}
	if len(added) == 0 {
		return tx.commit()
	}
	root, err := tw.root()
	if err != nil {
		return fmt.Errorf("computing root: %w", err)
	}
	size := tw.rng.End()

	// Each new entry's SET is signed once, here on all CPUs, and stored
	// with it: reads serve it instead of signing again. The SETs and the
	// checkpoint are signed while this goroutine writes the leaves, index
	// keys and tiles.
	var cp []byte
	signed := make(chan error, 1)
	go func() {
		var signErr atomic.Pointer[error]
		parallel(len(added), func(k int) {
			i := added[k]
			set, err := l.signSET(batch[i].p.body, results[i].integratedTime, results[i].index)
			if err != nil {
				signErr.CompareAndSwap(nil, &err)
			}
			results[i].set = set
		})
		if e := signErr.Load(); e != nil {
			signed <- *e
			return
		}
		var err error
		if cp, err = l.signCheckpoint(ctx, size, root); err != nil {
			err = fmt.Errorf("signing checkpoint: %w", err)
		}
		signed <- err
	}()
	waited := false
	defer func() {
		if !waited { // never leave the signers writing into results
			if signErr := <-signed; signErr != nil {
				l.log.Warn("signing for an abandoned transaction", "err", signErr)
			}
		}
	}()
	for _, i := range added {
		p, index := batch[i], results[i].index
		if err := tx.putLeaf(ctx, p.p.leaf, index); err != nil {
			return err
		}
		for _, k := range p.p.keys {
			if err := tx.putKey(ctx, indexKeyHash(k), index); err != nil {
				return err
			}
		}
	}
	for _, t := range tw.pendingTiles() {
		if err := tx.putTile(ctx, t.level, t.n, t.hashes); err != nil {
			return err
		}
	}
	waited = true
	if err := <-signed; err != nil {
		return err
	}
	for _, i := range added {
		p, index := batch[i], results[i].index
		if err := tx.putEntry(ctx, index, now, p.p.stored, results[i].set); err != nil {
			return err
		}
	}
	if err := tx.putCheckpoint(ctx, size, cp, size/checkpointEvery != oldSize/checkpointEvery); err != nil {
		return err
	}
	if err := tx.commit(); err != nil {
		return fmt.Errorf("committing %d entries: %w", len(inBatch), err)
	}
	l.commits.Add(1)
	for _, i := range added {
		l.filter.add(batch[i].p.leaf)
	}
	tw.flushed()
	l.state.Store(newSnapshot(l.state.Load(), size, root, cp, tw.copyEdge()))
	return nil
}

// bitset is a growable set of entry indices, safe for concurrent use.
type bitset struct {
	mu sync.RWMutex
	w  []uint64
}

func (b *bitset) has(i uint64) bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return i/64 < uint64(len(b.w)) && b.w[i/64]&(1<<(i%64)) != 0
}

func (b *bitset) add(i uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for uint64(len(b.w)) <= i/64 {
		b.w = append(b.w, 0)
	}
	b.w[i/64] |= 1 << (i % 64)
}
