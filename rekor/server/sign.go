package server

// This file holds everything the log signs: each new entry's signed entry
// timestamp (SET), signed once by the sequencer at commit (log.go) and
// stored, and the checkpoint signed once per commit. verifySET checks a
// stored SET when a read serves it for the first time.

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	cjson "github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/sigstore/rekor/pkg/util"
)

// signCheckpoint signs the checkpoint for (size, root).
func (l *Log) signCheckpoint(ctx context.Context, size uint64, root []byte) ([]byte, error) {
	return util.CreateAndSignCheckpoint(ctx, l.cfg.Hostname, l.treeID, size, root, l.signer)
}

// signEntry computes the SET as Rekor does: ECDSA over the RFC 8785
// canonical JSON of {body, integratedTime, logID, logIndex}.
func (l *Log) signEntry(_ context.Context, e *models.LogEntryAnon) ([]byte, error) {
	canon, err := setPayload(e)
	if err != nil {
		return nil, err
	}
	sig, err := l.signer.SignMessage(bytes.NewReader(canon))
	if err != nil {
		return nil, fmt.Errorf("signing entry: %w", err)
	}
	return sig, nil
}

// signSET signs the SET of a new entry.
func (l *Log) signSET(body []byte, integratedTime int64, index uint64) ([]byte, error) {
	idx := int64(index) //nolint:gosec // indices fit int64
	return l.signEntry(context.Background(), &models.LogEntryAnon{
		Body:           base64.StdEncoding.EncodeToString(body),
		IntegratedTime: &integratedTime,
		LogID:          &l.logID,
		LogIndex:       &idx,
	})
}

// setPayload returns the bytes the SET signs. Rekor computes them as
// jsoncanonicalizer.Transform(e.MarshalBinary()); for the values this log
// produces (base64 body, hex logID, integers) RFC 8785 gives exactly the
// template below, which costs a tenth of the generic canonicalizer. Any
// other value (including integers beyond 2^53, which RFC 8785 rounds) takes
// Rekor's path. TestSETPayloadMatchesRekor checks both
// agree.
func setPayload(e *models.LogEntryAnon) ([]byte, error) {
	body, ok := e.Body.(string)
	exact := func(n int64) bool { return n >= 0 && n <= 1<<53 } // RFC 8785 numbers are float64
	if ok && plainJSONString(body) && plainJSONString(*e.LogID) && exact(*e.IntegratedTime) && exact(*e.LogIndex) {
		return fmt.Appendf(nil, `{"body":"%s","integratedTime":%d,"logID":"%s","logIndex":%d}`, body, *e.IntegratedTime, *e.LogID, *e.LogIndex), nil
	}
	return rekorSETPayload(e)
}

// rekorSETPayload is Rekor's own computation of the SET payload.
func rekorSETPayload(e *models.LogEntryAnon) ([]byte, error) {
	payload, err := e.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("marshalling entry: %w", err)
	}
	canon, err := cjson.Transform(payload)
	if err != nil {
		return nil, fmt.Errorf("canonicalizing entry: %w", err)
	}
	return canon, nil
}

// plainJSONString reports whether s needs no escaping in JSON: base64 and
// hex characters only.
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '+' && c != '/' && c != '=' {
			return false
		}
	}
	return true
}

// verifySET checks that set is the log's signature over e's SET payload:
// a stored SET that does not verify is damage (the log never signs one
// again).
func (l *Log) verifySET(e *models.LogEntryAnon, set []byte) error {
	payload, err := setPayload(e)
	if err != nil {
		return err
	}
	if err := l.verifier.VerifySignature(bytes.NewReader(set), bytes.NewReader(payload)); err != nil {
		index := uint64(*e.LogIndex) //nolint:gosec // indices are non-negative
		return &DamageError{Begin: index, End: index + 1, Reason: fmt.Sprintf("stored signed entry timestamp does not verify over the stored body, time and index: %v", err)}
	}
	return nil
}

// parallel runs f(0..n-1) on up to GOMAXPROCS goroutines.
func parallel(n int, f func(i int)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		}()
	}
	wg.Wait()
}
