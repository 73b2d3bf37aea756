package sshui

import (
	"fmt"
	"strings"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Session-channel request types (RFC 4254 section 6 and OpenSSH's
// PROTOCOL file) that the filter rewrites or refuses.
const (
	reqPty          = "pty-req"
	reqWindowChange = "window-change"
	reqEnv          = "env"
	reqX11          = "x11-req"
	reqAgent        = "auth-agent-req@openssh.com"
)

// Bounds on what one session may store through its requests.
const (
	maxEnvVars  = 16
	maxEnvValue = 256
	maxTermName = 64
	// defaultColumns and defaultRows replace a size of 0 ("unknown").
	defaultColumns = 80
	defaultRows    = 24
)

// sessionChannelHandler returns the handler for "session" channels: it
// refuses the channel with a message when MaxSessions are already open, and
// otherwise hands a filtered channel to charm.land/ssh's default session
// handler.
//
// The filter sits in front of the library's own request loop because that
// loop accepts agent forwarding unconditionally and stores every env request
// and any window size the client sends.
func (s *Server) sessionChannelHandler() ssh.ChannelHandler {
	return func(srv *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
		if n := s.active.Add(1); n > int64(s.cfg.MaxSessions) {
			s.active.Add(-1)
			msg := fmt.Sprintf("provscope: too many sessions (%d open, limit %d); try again later", n-1, s.cfg.MaxSessions)
			_ = nc.Reject(gossh.ResourceShortage, msg)
			s.logger.Warn("session refused", "reason", "max sessions", "remote", conn.RemoteAddr().String(), "limit", s.cfg.MaxSessions)
			return
		}
		defer s.active.Add(-1)
		ssh.DefaultSessionHandler(srv, conn, &filteredChannel{NewChannel: nc, cfg: &s.cfg}, ctx)
	}
}

// filteredChannel wraps a new session channel so that its requests pass
// through filterRequests before the library sees them.
type filteredChannel struct {
	gossh.NewChannel
	cfg *Config
}

// Accept accepts the channel and starts the request filter.
func (c *filteredChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := c.NewChannel.Accept()
	if err != nil {
		return nil, nil, err
	}
	out := make(chan *gossh.Request)
	go filterRequests(reqs, out, c.cfg.MaxWidth, c.cfg.MaxHeight)
	return ch, out, nil
}

// filterRequests forwards session requests from in to out until in closes,
// then closes out. It refuses agent and X11 forwarding, keeps only a few
// small terminal-related env variables, and clamps terminal sizes to
// maxW×maxH so that one client cannot make its renderer allocate a huge
// screen.
func filterRequests(in <-chan *gossh.Request, out chan<- *gossh.Request, maxW, maxH int) {
	defer close(out)
	envs := 0
	for req := range in {
		switch req.Type {
		case reqAgent, reqX11:
			_ = req.Reply(false, nil)
			continue
		case reqEnv:
			var kv struct{ Key, Value string }
			if envs >= maxEnvVars || gossh.Unmarshal(req.Payload, &kv) != nil ||
				!allowedEnv(kv.Key) || len(kv.Value) > maxEnvValue {
				_ = req.Reply(false, nil)
				continue
			}
			envs++
		case reqPty:
			p, ok := clampPtyRequest(req.Payload, maxW, maxH)
			if !ok {
				_ = req.Reply(false, nil)
				continue
			}
			req.Payload = p
		case reqWindowChange:
			p, ok := clampWindowChange(req.Payload, maxW, maxH)
			if !ok {
				_ = req.Reply(false, nil)
				continue
			}
			req.Payload = p
		}
		out <- req
	}
}

// allowedEnv reports whether an env request may set key: only what the
// terminal and colour handling read.
func allowedEnv(key string) bool {
	switch key {
	case "TERM", "COLORTERM", "LANG", "NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM_PROGRAM":
		return true
	}
	return strings.HasPrefix(key, "LC_") && len(key) < 32
}

// ptyRequestMsg is the pty-req payload (RFC 4254 section 6.2).
type ptyRequestMsg struct {
	Term     string
	Columns  uint32
	Rows     uint32
	Width    uint32
	Height   uint32
	Modelist string
}

// windowChangeMsg is the window-change payload (RFC 4254 section 6.7).
type windowChangeMsg struct {
	Columns uint32
	Rows    uint32
	Width   uint32
	Height  uint32
}

func clampPtyRequest(payload []byte, maxW, maxH int) ([]byte, bool) {
	var m ptyRequestMsg
	if err := gossh.Unmarshal(payload, &m); err != nil || len(m.Term) > maxTermName {
		return nil, false
	}
	m.Columns, m.Rows = clamp(m.Columns, maxW, defaultColumns), clamp(m.Rows, maxH, defaultRows)
	return gossh.Marshal(&m), true
}

func clampWindowChange(payload []byte, maxW, maxH int) ([]byte, bool) {
	var m windowChangeMsg
	if err := gossh.Unmarshal(payload, &m); err != nil {
		return nil, false
	}
	m.Columns, m.Rows = clamp(m.Columns, maxW, defaultColumns), clamp(m.Rows, maxH, defaultRows)
	return gossh.Marshal(&m), true
}

// clamp bounds a terminal dimension to [1, hi], reading 0 as def.
// Requires hi >= 1.
func clamp(v uint32, hi int, def uint32) uint32 {
	if v == 0 {
		v = def
	}
	if int64(v) > int64(hi) {
		return uint32(hi) //nolint:gosec // hi is a positive configured bound
	}
	return v
}
