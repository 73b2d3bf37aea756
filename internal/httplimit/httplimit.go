// Package httplimit bounds what one HTTP server gives its clients: open
// connections (in all and per client IP address) and the time a request,
// an answer or an idle keep-alive connection may take. provscope's servers
// (the transparency log of `provscope serve`, the demo world's log and
// registry) all listen through it.
//
// When a connection limit is reached, the oldest idle keep-alive
// connection (of that client, for the per-client limit) is closed to make
// room: HTTP/1.1 lets a server close an idle connection at any time
// (RFC 9112 §9.6) and clients retry on a new one, so idle connections held
// by one client cannot lock others out. When no idle connection is left,
// the new connection is answered 503 with Retry-After and closed, at once:
// clients learn the server is full instead of waiting in the listen
// backlog. Connections that have not sent a whole request header yet are
// not closed early; ReadHeaderTimeout bounds them. Requests being read or
// answered are never closed by a limit, only by their timeouts.
package httplimit

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Limits are a server's connection limits and timeouts. Zero fields take
// the defaults of Default.
type Limits struct {
	// MaxConns bounds the open connections in all. Default 1000, below
	// the common 1,024-descriptor limit with room for the log's own files.
	MaxConns int
	// MaxConnsPerClient bounds the open connections from one IP address.
	// Default 256.
	MaxConnsPerClient int
	// ReadHeaderTimeout bounds reading a request's header (default 10 s).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included (default
	// 2 min: a 100 MiB batch at about 1 MB/s).
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from the end of its header to the end
	// of its answer (default 2 min).
	WriteTimeout time.Duration
	// IdleTimeout bounds how long a keep-alive connection waits for its
	// next request (default 60 s).
	IdleTimeout time.Duration
}

// Default returns the default limits.
func Default() Limits {
	return Limits{
		MaxConns:          1000,
		MaxConnsPerClient: 256,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       60 * time.Second,
	}
}

func (l Limits) withDefaults() Limits {
	d := Default()
	if l.MaxConns <= 0 {
		l.MaxConns = d.MaxConns
	}
	if l.MaxConnsPerClient <= 0 {
		l.MaxConnsPerClient = d.MaxConnsPerClient
	}
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = d.ReadHeaderTimeout
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = d.ReadTimeout
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = d.WriteTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = d.IdleTimeout
	}
	return l
}

// Server returns an http.Server serving h with these timeouts, and ln
// wrapped to enforce the connection limits: serve with srv.Serve(lln).
func (l Limits) Server(ln net.Listener, h http.Handler) (srv *http.Server, lln *Listener) {
	l = l.withDefaults()
	lln = NewListener(ln, l.MaxConns, l.MaxConnsPerClient)
	srv = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		ConnState:         lln.ConnState,
	}
	return srv, lln
}

// Listener is a net.Listener enforcing connection limits. Its ConnState
// method must be the http.Server's ConnState hook (Limits.Server sets it),
// so that it knows which connections are idle.
type Listener struct {
	net.Listener
	maxConns, maxPerClient int

	mu      sync.Mutex
	open    int
	clients map[string]int
	idle    map[*conn]uint64 // idle connections → when they went idle (seq)
	seq     uint64
	stats   Stats
	refusal chan struct{} // bounds refusals being answered at once
}

// Stats counts what a Listener did.
type Stats struct {
	Open      int // connections open now
	Idle      int // of which idle
	Reclaimed int // idle connections closed to make room
	Refused   int // connections answered 503
}

// NewListener wraps ln: at most maxConns connections in all and
// maxPerClient per client IP address.
func NewListener(ln net.Listener, maxConns, maxPerClient int) *Listener {
	return &Listener{
		Listener: ln, maxConns: maxConns, maxPerClient: maxPerClient,
		clients: map[string]int{}, idle: map[*conn]uint64{}, refusal: make(chan struct{}, 64),
	}
}

// Stats returns the counters now.
func (ln *Listener) Stats() Stats {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	s := ln.stats
	s.Open, s.Idle = ln.open, len(ln.idle)
	return s
}

// Accept waits for a connection within the limits, reclaiming an idle one
// or refusing the new one (503) when a limit is reached.
func (ln *Listener) Accept() (net.Conn, error) {
	for {
		c, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		host := clientOf(c.RemoteAddr())
		tc, reclaim, ok := ln.admit(c, host)
		for _, r := range reclaim {
			_ = r.Conn.Close()
		}
		if ok {
			return tc, nil
		}
		ln.refuse(c)
	}
}

// admit counts c in if the limits allow, after reclaiming idle
// connections; the caller closes the reclaimed ones.
func (ln *Listener) admit(c net.Conn, host string) (tc *conn, reclaim []*conn, ok bool) {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if ln.clients[host] >= ln.maxPerClient {
		v := ln.oldestIdle(host)
		if v == nil {
			ln.stats.Refused++
			return nil, nil, false
		}
		ln.drop(v)
		reclaim = append(reclaim, v)
	}
	if ln.open >= ln.maxConns {
		v := ln.oldestIdle("")
		if v == nil {
			ln.stats.Refused++
			return nil, reclaim, false
		}
		ln.drop(v)
		reclaim = append(reclaim, v)
	}
	ln.stats.Reclaimed += len(reclaim)
	ln.open++
	ln.clients[host]++
	return &conn{Conn: c, ln: ln, host: host}, reclaim, true
}

// oldestIdle returns the connection idle the longest, of host ("" any).
func (ln *Listener) oldestIdle(host string) *conn {
	var best *conn
	var bestSeq uint64
	for c, s := range ln.idle {
		if (host == "" || c.host == host) && (best == nil || s < bestSeq) {
			best, bestSeq = c, s
		}
	}
	return best
}

// drop uncounts c; mu held.
func (ln *Listener) drop(c *conn) {
	if c.dropped {
		return
	}
	c.dropped = true
	delete(ln.idle, c)
	ln.open--
	if ln.clients[c.host]--; ln.clients[c.host] <= 0 {
		delete(ln.clients, c.host)
	}
}

// refusalBody is the JSON body of the answer to a connection beyond the
// limits, in the shape of the log's errors.
const refusalBody = `{"code":503,"message":"too many connections, retry later"}` + "\n"

// refusal is the whole answer to a connection beyond the limits.
var refusal = []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: " +
	strconv.Itoa(len(refusalBody)) + "\r\n\r\n" + refusalBody)

// refuse answers c 503 and closes it. The answer is written, the sending
// side shut and what the client sent drained for up to a second (so that
// the client reads the answer instead of a reset), by at most 64
// goroutines at once; beyond that c is closed at once.
func (ln *Listener) refuse(c net.Conn) {
	select {
	case ln.refusal <- struct{}{}:
	default:
		_ = c.Close()
		return
	}
	go func() {
		defer func() { <-ln.refusal }()
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(time.Second))
		if _, err := c.Write(refusal); err != nil {
			return
		}
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
		buf := make([]byte, 4096)
		for range 16 {
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	}()
}

// ConnState tracks which connections are idle; chain it from the
// http.Server's ConnState hook.
func (ln *Listener) ConnState(nc net.Conn, s http.ConnState) {
	c, ok := nc.(*conn)
	if !ok {
		return
	}
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if c.dropped {
		return
	}
	if s == http.StateIdle {
		ln.seq++
		ln.idle[c] = ln.seq
	} else {
		delete(ln.idle, c)
	}
}

// clientOf is the client IP address of a remote address.
func clientOf(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// conn is an admitted connection; closing it frees its slot once.
type conn struct {
	net.Conn
	ln      *Listener
	host    string
	dropped bool // uncounted; guarded by ln.mu
}

func (c *conn) Close() error {
	c.ln.mu.Lock()
	c.ln.drop(c)
	c.ln.mu.Unlock()
	err := c.Conn.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
