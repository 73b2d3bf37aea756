package replica

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
)

func get(t *testing.T, url, token, user, pass string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func token(t *testing.T, r *Registry, scope, user, pass string) (string, int) {
	t.Helper()
	resp := get(t, "http://"+r.Host()+"/token?service=replica&scope="+scope, "", user, pass)
	if resp.StatusCode != http.StatusOK {
		return "", resp.StatusCode
	}
	var tok struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		t.Fatal(err)
	}
	return tok.Token, resp.StatusCode
}

// TestTokensAreScopedPerRepository: as on Docker Hub and ghcr.io, a token
// for one repository does not read another, and with Users set anonymous
// token requests are refused.
func TestTokensAreScopedPerRepository(t *testing.T) {
	r := StartRegistry(RegistryOptions{})
	defer r.Close()
	tok, _ := token(t, r, "repository:a:pull", "", "")
	if got := get(t, "http://"+r.Host()+"/v2/a/tags/list", tok, "", "").StatusCode; got == http.StatusUnauthorized {
		t.Errorf("token for a reading a: %d", got)
	}
	resp := get(t, "http://"+r.Host()+"/v2/b/tags/list", tok, "", "")
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != `Bearer realm="`+r.front.URL+`/token",service="replica",scope="repository:b:pull"` {
		t.Errorf("token for a reading b: %d %q, want 401 with a challenge for b", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	if got := get(t, "http://"+r.Host()+"/v2/_catalog", tok, "", "").StatusCode; got != http.StatusNotFound {
		t.Errorf("catalog: %d, want 404", got)
	}

	private := StartRegistry(RegistryOptions{Users: map[string]string{"u": "p"}})
	defer private.Close()
	if _, code := token(t, private, "repository:a:pull", "", ""); code != http.StatusUnauthorized {
		t.Errorf("anonymous token from a private registry: %d, want 401", code)
	}
	if _, code := token(t, private, "repository:a:pull", "u", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("token with a wrong password: %d, want 401", code)
	}
	if _, code := token(t, private, "repository:a:pull", "u", "p"); code != http.StatusOK {
		t.Errorf("token with the right password: %d, want 200", code)
	}
}
