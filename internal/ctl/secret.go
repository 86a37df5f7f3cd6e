package ctl

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// Passwords and tokens never come from the command line, where other
// users of the host can read them (ps, /proc, shell history): they come
// from an environment variable, else from standard input.
const (
	passwordEnv = "AUDIENCE_PASSWORD"
	tokenEnv    = "AUDIENCE_TOKEN"
)

// maxPasswordBytes is the most bcrypt hashes whole.
const maxPasswordBytes = 72

// maxSecretLine bounds what is read from standard input for one secret.
const maxSecretLine = 4096

// secretSource says where a secret is taken from.
type secretSource struct {
	env     string // the environment variable tried first
	what    string // "password" or "token", for prompts and errors
	confirm bool   // at a terminal, ask twice (a new password)
}

// readSecret returns a secret from its environment variable if set, else
// from the first line of standard input. At a terminal it prompts on
// standard error and reads without echo. The secret is remembered so
// that no report shows it.
func (c *call) readSecret(src secretSource) (string, error) {
	s, err := c.readSecretRaw(src)
	if err != nil {
		return "", err
	}
	c.secrets = append(c.secrets, s)
	if s == "" {
		return "", usagef("no %s given: set %s or write it on standard input", src.what, src.env)
	}
	return s, nil
}

func (c *call) readSecretRaw(src secretSource) (string, error) {
	if v, ok := c.lookupEnv(src.env); ok {
		if v == "" {
			return "", usagef("%s is set but empty", src.env)
		}
		return v, nil
	}
	if f, ok := c.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return c.readTerminalSecret(f, src)
	}
	return readLine(c.stdin, src.what)
}

// readTerminalSecret prompts for a secret, twice when it is a new one.
func (c *call) readTerminalSecret(f *os.File, src secretSource) (string, error) {
	s, err := readHidden(f, c.stderr, strings.ToUpper(src.what[:1])+src.what[1:]+": ")
	if err != nil || !src.confirm || s == "" {
		return s, err
	}
	again, err := readHidden(f, c.stderr, "Repeat the "+src.what+": ")
	if err != nil {
		return "", err
	}
	if again != s {
		return "", usagef("the two %ss differ", src.what)
	}
	return s, nil
}

// readLine reads the first line of r, without its line ending.
func readLine(r io.Reader, what string) (string, error) {
	// Room for the line ending: a longer line is cut, and still too long.
	const limit = maxSecretLine + 2
	line, err := bufio.NewReaderSize(io.LimitReader(r, limit), limit).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the %s from standard input: %w", what, err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if len(line) > maxSecretLine {
		return "", usagef("the %s on standard input is longer than %d bytes", what, maxSecretLine)
	}
	return line, nil
}
