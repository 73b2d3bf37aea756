package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
)

// poster sends POSTs over one kept-alive HTTP/1.1 connection without
// net/http's client machinery (a pool, and a reader and a writer goroutine
// per connection, handing every request over channels). The load generator
// shares the machine's CPUs with the server it measures: what it spends is
// taken from the server. Request head and body go out in one writev;
// responses are parsed by net/http.
type poster struct {
	host string
	conn net.Conn
	br   *bufio.Reader
	head []byte
}

func (c *Client) dialPoster(ctx context.Context) (*poster, error) {
	u, err := url.Parse(c.URL)
	if err != nil {
		return nil, fmt.Errorf("parsing log URL %q: %w", c.URL, err)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("posting to %s: scheme %q, want http (the load generator drives a log on loopback)", c.URL, u.Scheme)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", u.Host, err)
	}
	return &poster{host: u.Host, conn: conn, br: bufio.NewReaderSize(conn, 64<<10)}, nil
}

func (p *poster) close() { _ = p.conn.Close() }

// post sends body to path and returns the answer's body, an error unless
// the status is want.
func (p *poster) post(ctx context.Context, path string, body []byte, want int) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.head = append(p.head[:0], "POST "...)
	p.head = append(p.head, path...)
	p.head = append(p.head, " HTTP/1.1\r\nHost: "...)
	p.head = append(p.head, p.host...)
	p.head = append(p.head, "\r\nContent-Type: application/json\r\nContent-Length: "...)
	p.head = strconv.AppendInt(p.head, int64(len(body)), 10)
	p.head = append(p.head, "\r\n\r\n"...)
	bufs := net.Buffers{p.head, body}
	if _, err := bufs.WriteTo(p.conn); err != nil {
		return nil, fmt.Errorf("POST %s: %w", path, err)
	}
	resp, err := http.ReadResponse(p.br, nil)
	if err != nil {
		return nil, fmt.Errorf("POST %s: reading the answer: %w", path, err)
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("POST %s: reading the answer: %w", path, err)
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("POST %s: status %d, want %d: %.200s", path, resp.StatusCode, want, b)
	}
	if resp.Close {
		return nil, fmt.Errorf("POST %s: the server closed the connection", path)
	}
	return b, nil
}

// entryID returns the entry ID an entry answer ({"<id>": {...}}) is keyed
// by, reading only the key.
func entryID(b []byte) (string, error) {
	rest, ok := bytes.CutPrefix(b, []byte(`{"`))
	end := bytes.IndexByte(rest, '"')
	if !ok || end < 0 {
		return "", fmt.Errorf("decoding entry response: no entry ID in %.80q", b)
	}
	id := string(rest[:end])
	if len(id) != 64 && len(id) != 80 {
		return "", fmt.Errorf("decoding entry response: entry ID %q has %d characters, want 64 or 80", id, len(id))
	}
	return id, nil
}

// batchBody joins entries into a JSON array.
func batchBody(entries [][]byte) []byte {
	body := append([]byte{'['}, bytes.Join(entries, []byte{','})...)
	return append(body, ']')
}

// createdIn counts the items of a 207 batch answer with status 201. It
// counts the items' `{"status":201` openings when every item has one (as
// provscope writes them) and decodes the whole answer otherwise.
func createdIn(b []byte, items int) (int, error) {
	if bytes.Count(b, []byte(`{"status":`)) == items {
		return bytes.Count(b, []byte(`{"status":201`)), nil
	}
	var answer []struct {
		Status int `json:"status"`
	}
	if err := json.Unmarshal(b, &answer); err != nil {
		return 0, fmt.Errorf("decoding batch response: %w", err)
	}
	if len(answer) != items {
		return 0, fmt.Errorf("decoding batch response: got %d items, want %d", len(answer), items)
	}
	n := 0
	for _, it := range answer {
		if it.Status == http.StatusCreated {
			n++
		}
	}
	return n, nil
}
