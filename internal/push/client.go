package push

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Credentials are an API user's name and password.
type Credentials struct {
	Username string
	Password string
}

// maxAnswer bounds an answer read: a request of 1000 entries with a
// warning on each of their blocks is answered with some tens of MB.
const maxAnswer = 256 << 20

// client talks HTTP to the service and keeps the session's token.
type client struct {
	http  *http.Client
	base  string
	creds Credentials
	gzip  bool

	mu    sync.Mutex
	token string
	gen   int // bumped at each login, so that one expiry is one login
}

// answer is a reply of the service.
type answer struct {
	status int
	header http.Header
	resp   response
	// bad is why the body could not be read as the envelope, if it could
	// not: the status still counts.
	bad error
}

// response is the inside of the envelope, with every field any answer of
// the push uses.
type response struct {
	Status  string `json:"status"`
	ErrorID string `json:"error_id"`
	Error   string `json:"error"`
	Token   string `json:"token"`
	Message struct {
		Users    int `json:"users_in_request"`
		Segments int `json:"segments_in_request"`
	} `json:"message"`
	Warnings []apiWarning `json:"warnings"`
}

// apiWarning is one warning of a POST /rt-segment answer.
type apiWarning struct {
	Message string          `json:"message"`
	Entity  json.RawMessage `json:"entity"`
}

// post sends one request and reads the answer. An error is a failure to
// get an answer at all (the network, a timeout); any answer, error
// statuses included, is returned as one.
func (c *client) post(ctx context.Context, path string, body []byte, token string) (
	*answer, error) {
	var payload io.Reader = bytes.NewReader(body)
	if c.gzip {
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestSpeed)
		_, _ = zw.Write(body)
		_ = zw.Close()
		payload = &z
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, payload)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "audiencectl-push")
	if c.gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}

	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	a := &answer{status: res.StatusCode, header: res.Header}
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		// A 200 whose body broke off was applied all the same; any other
		// status is judged by its code.
		a.bad = fmt.Errorf("reading the answer: %w", err)
		return a, nil
	}
	var env struct {
		Response response `json:"response"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		a.bad = fmt.Errorf("the answer is not the service's JSON: %w", err)
	}
	a.resp = env.Response
	return a, nil
}

// session returns the current token and its generation.
func (c *client) session() (string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token, c.gen
}

// setToken keeps a new token, unless a newer one than gen is kept.
func (c *client) setToken(token string, gen int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.token = token
		c.gen++
	}
}

// loginBody is the body of POST /auth.
func (c *client) loginBody() []byte {
	b, _ := json.Marshal(map[string]any{"auth": map[string]string{
		"username": c.creds.Username, "password": c.creds.Password}})
	return b
}

// normalizeBase trims a base URL's trailing slashes and checks it. A URL
// holding a password is refused without being shown: HTTP errors quote
// the URL, and credentials belong in the environment or a file.
func normalizeBase(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err == nil && u.User != nil:
		return "", errors.New("the URL must not hold credentials: they are given apart," +
			" never where they would be shown")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		// Not echoed: a URL that does not parse may still hold a password.
		return "", errors.New("the URL must be http:// or https:// with a host")
	}
	return strings.TrimRight(u.String(), "/"), nil
}
