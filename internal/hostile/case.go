package hostile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Case is one hostile request and the answer the contract wants for it.
type Case struct {
	Name string
	// Method and Path default to POST and /rt-segment.
	Method, Path string
	// Header holds name, value pairs.
	Header []string
	Body   []byte
	// Anonymous sends no token; otherwise the demo user's goes along.
	Anonymous bool
	// Status and ErrorID are the answer's; ErrorID is "" for an OK one.
	Status  int
	ErrorID string
	// Users, for a 200 of POST /rt-segment, is users_in_request.
	Users int
	// Warning, when set, is (part of) a warning the answer must hold.
	Warning string
	// Allow, when set, is a method the Allow header must name.
	Allow string
}

// Request builds the case's request to base with the token.
func (c Case) Request(base, token string) (*http.Request, error) {
	method, path := c.Method, c.Path
	if method == "" {
		method = http.MethodPost
	}
	if path == "" {
		path = "/rt-segment"
	}
	var body io.Reader
	if c.Body != nil {
		body = bytes.NewReader(c.Body)
	}
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		return nil, err
	}
	if !c.Anonymous {
		req.Header.Set("Authorization", token)
	}
	for i := 0; i+1 < len(c.Header); i += 2 {
		req.Header.Set(c.Header[i], c.Header[i+1])
	}
	return req, nil
}

// answer is what Check reads of an answer's body.
type answer struct {
	Response struct {
		Status  string `json:"status"`
		ErrorID string `json:"error_id"`
		Message struct {
			Users int `json:"users_in_request"`
		} `json:"message"`
		Warnings []struct {
			Message string `json:"message"`
		} `json:"warnings"`
	} `json:"response"`
}

// Check compares an answer with the case: never a 5xx; the contract's
// JSON envelope; the status and error_id; for a 200 of a POST the users
// applied and the warning; for a wrong method the Allow header.
func (c Case) Check(resp *http.Response, raw []byte) error {
	if resp.StatusCode >= 500 {
		return fmt.Errorf("a %d: %.300s", resp.StatusCode, raw)
	}
	var got answer
	if err := json.Unmarshal(raw, &got); err != nil {
		return fmt.Errorf("%d, not the JSON envelope: %.300s", resp.StatusCode, raw)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("content type %q", ct)
	}
	r := got.Response
	if resp.StatusCode != c.Status || r.ErrorID != c.ErrorID {
		return fmt.Errorf("%d %q, want %d %q: %.300s", resp.StatusCode, r.ErrorID, c.Status,
			c.ErrorID, raw)
	}
	if c.Allow != "" && !strings.Contains(resp.Header.Get("Allow"), c.Allow) {
		return fmt.Errorf("header Allow %q, want it to name %s", resp.Header.Get("Allow"), c.Allow)
	}
	if c.Status != http.StatusOK || (c.Method != "" && c.Method != http.MethodPost) {
		return nil
	}
	if r.Message.Users != c.Users {
		return fmt.Errorf("users_in_request %d, want %d: %.300s", r.Message.Users, c.Users, raw)
	}
	if c.Warning == "" {
		return nil
	}
	for _, w := range r.Warnings {
		if strings.Contains(w.Message, c.Warning) {
			return nil
		}
	}
	return fmt.Errorf("no warning %q in %.300s", c.Warning, raw)
}

// Send sends the case to base with client and checks the answer.
func (c Case) Send(client *http.Client, base, token string) error {
	req, err := c.Request(base, token)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("no answer: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("answer cut short: %w", err)
	}
	return c.Check(resp, raw)
}
