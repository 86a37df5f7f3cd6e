package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// errLoginBody is the one answer to every unreadable login body: it names
// the shape expected rather than the fault, which the client sees at once.
var errLoginBody = errors.New(`body must be {"auth": {"username": "...", "password": "..."}}`)

// parseLogin reads a POST /auth body with the contract's JSON rules: UTF-8
// only (a BOM skipped), keys matched exactly, a key twice in one object
// refused, unknown keys ignored, nothing after the value.
func parseLogin(body []byte) (username, password string, err error) {
	body = trimBOM(body)
	if !utf8.Valid(body) {
		return "", "", errLoginBody
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var creds map[string]string
	err = eachKey(dec, func(key string) error {
		if key != "auth" {
			return skipValue(dec)
		}
		creds = map[string]string{}
		return eachKey(dec, func(key string) error {
			if key != "username" && key != "password" {
				return skipValue(dec)
			}
			var v string
			if err := dec.Decode(&v); err != nil {
				return err
			}
			creds[key] = v
			return nil
		})
	})
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("trailing data")
		}
	}
	if err != nil || creds == nil {
		return "", "", errLoginBody
	}
	u, uok := creds["username"]
	p, pok := creds["password"]
	if !uok || !pok {
		return "", "", errLoginBody
	}
	return u, p, nil
}

// eachKey reads one object from dec and calls fn for each key, with the
// decoder placed before the key's value. A key seen twice is an error.
func eachKey(dec *json.Decoder, fn func(key string) error) error {
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("want an object")
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := t.(string)
		if seen[key] {
			return fmt.Errorf("duplicate key")
		}
		seen[key] = true
		if err := fn(key); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

func skipValue(dec *json.Decoder) error {
	var raw json.RawMessage
	return dec.Decode(&raw)
}
