package httplimit

import (
	"net/http"
	"strconv"
	"sync"
)

// LimitBodies wraps h so that a request body is at most maxBody bytes
// (413 beyond it) and the bodies of all requests being served reserve at
// most maxInFlight bytes at once: a request reserves its Content-Length,
// or maxBody when it declares none, before h reads it, and is answered 503
// with Retry-After at once when that does not fit. maxBody is lowered to
// maxInFlight.
func LimitBodies(h http.Handler, maxBody, maxInFlight int64) http.Handler {
	maxBody = min(maxBody, maxInFlight)
	var mu sync.Mutex
	var used int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBody {
			http.Error(w, "request body larger than "+strconv.FormatInt(maxBody, 10)+" bytes", http.StatusRequestEntityTooLarge)
			return
		}
		if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
			h.ServeHTTP(w, r)
			return
		}
		n := maxBody
		if r.ContentLength > 0 {
			n = r.ContentLength
		}
		mu.Lock()
		ok := n <= maxInFlight-used
		if ok {
			used += n
		}
		mu.Unlock()
		if !ok {
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Connection", "close")
			http.Error(w, "too many request bytes in flight, retry later", http.StatusServiceUnavailable)
			return
		}
		defer func() {
			mu.Lock()
			used -= n
			mu.Unlock()
		}()
		r.Body = http.MaxBytesReader(w, r.Body, n)
		h.ServeHTTP(w, r)
	})
}
