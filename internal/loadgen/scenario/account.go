package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
)

// Account is a member's API user and the member's segments, as the k6
// scripts read them from an accounts file.
type Account struct {
	User     string  `json:"user"`
	Password string  `json:"password"`
	Member   int64   `json:"member"`
	Segments []int64 `json:"segments"`
	// Token is set by Login and never written to a file.
	Token string `json:"-"`
}

// Login gets a token for the account from base's POST /auth.
func (a *Account) Login(ctx context.Context, client *http.Client, base string) error {
	body, err := json.Marshal(map[string]any{"auth": map[string]string{
		"username": a.User, "password": a.Password}})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/auth",
		bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("login %s: %w", a.User, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("login %s: %w", a.User, err)
	}
	var out struct {
		Response struct {
			Token string `json:"token"`
			Error string `json:"error"`
		} `json:"response"`
	}
	_ = json.Unmarshal(raw, &out)
	if resp.StatusCode != http.StatusOK || out.Response.Token == "" {
		// The answer's own text, never the body sent: it holds the password.
		return fmt.Errorf("login %s: %s: %s", a.User, resp.Status, out.Response.Error)
	}
	a.Token = out.Response.Token
	return nil
}

// loginWorkers bounds the logins made at once: each costs the server a
// password hash comparison.
const loginWorkers = 4

// LoginAll logs every account in, a few at a time, once per run: the
// scenarios reuse the tokens, as a client does.
func LoginAll(ctx context.Context, client *http.Client, base string, accounts []Account) error {
	var wg sync.WaitGroup
	errs := make([]error, len(accounts))
	next := make(chan int)
	for range min(loginWorkers, len(accounts)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = accounts[i].Login(ctx, client, base)
			}
		}()
	}
	for i := range accounts {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

// WriteAccounts saves accounts as JSON, readable by the owner only: it
// holds their passwords.
func WriteAccounts(path string, accounts []Account) error {
	b, err := json.MarshalIndent(accounts, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

// ReadAccounts reads a file written by WriteAccounts.
func ReadAccounts(path string) ([]Account, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var accounts []Account
	if err := json.Unmarshal(b, &accounts); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, a := range accounts {
		if a.User == "" || len(a.Segments) == 0 {
			return nil, fmt.Errorf("%s: account %d has no user or no segments", path, i)
		}
	}
	if len(accounts) == 0 {
		return nil, fmt.Errorf("%s: no accounts", path)
	}
	return accounts, nil
}
