package ctl

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/instant-audience/audience/internal/push"
)

// The API user a push logs in as comes from these variables, or from a
// credentials file; never from the command line.
const usernameEnv = "AUDIENCE_USERNAME"

// pushHelp says in full what push does.
const pushHelp = `Sends an audience file to the API: POST /rt-segment requests within every
limit of the service (1000 users, 100 segments per user, 1 MB), paced by
its rate-limit headers, retried on 429 (after Retry-After), 503 and
network errors (with backoff), with one new login when the token expires.

FILE is JSON Lines of rt_segment user entries, or CSV with the header
user_id,domain,seg_id,seg_code,member_id,value,expiration (one membership a
line; adjacent lines of one user become one entry), or either gzipped;
'-' reads standard input. A line that cannot be read is reported with its
number and skipped. Every warning, the service's and the client's, goes
to the warnings file with its line number; a summary ends the push.

The API user is AUDIENCE_USERNAME with AUDIENCE_PASSWORD, or the
-credentials file: two lines (username, then password) or the lines
username=NAME and password=SECRET.

The journal records what the service answered. After an interruption
(Ctrl-C, a crash, a service down for longer than -retry-for), run the
same command with -resume: nothing it accepted is sent again. The journal
is removed when the push completes. Exit status: 0 the whole file was
pushed (warnings or not), 1 the push stopped, 2 usage error.`

func pushCmd(fs *flag.FlagSet) action {
	url := fs.String("url", "", "base `URL` of the API, as http://localhost:8080")
	format := fs.String("format", "auto", "`FORMAT` of the file: auto, csv or jsonl")
	concurrency := fs.Int("concurrency", 4, "requests in flight at once, `N` from 1 to 64")
	usersPerSec := fs.Int("users-per-second", push.DefaultUsersPerSecond,
		"pace by the member's users limit, `N` a second\n(a 429 naming a lower one lowers it)")
	warnings := fs.String("warnings", "", "write every warning to `FILE`, a JSON object a line"+
		"\n(default: the input's name + .warnings.jsonl; none for -)")
	journal := fs.String("journal", "", "record what was answered in `FILE`\n(default: the"+
		" input's name + .journal; none for -; '' for none)")
	resume := fs.Bool("resume", false, "continue the push the journal holds")
	credentials := fs.String("credentials", "", "read the username and password from `FILE`")
	gz := fs.Bool("gzip", false, "compress the request bodies")
	progress := fs.String("progress", "auto", "`HOW` to show progress: auto (a bar on a"+
		" terminal,\nlines otherwise), bar, lines or none")
	every := fs.Duration("progress-every", 10*time.Second, "period of the progress lines")
	timeout := fs.Duration("timeout", 60*time.Second, "bound on one request")
	retryFor := fs.Duration("retry-for", 5*time.Minute,
		"how long to retry a service that answers 503 or not at all, then stop")

	return func(c *call) error {
		file := c.args[0]
		opt := push.Options{
			URL: *url, Concurrency: *concurrency, UsersPerSecond: *usersPerSec,
			Warnings: *warnings, Journal: *journal, Resume: *resume, Gzip: *gz,
			ProgressEvery: *every, RequestTimeout: *timeout, RetryFor: *retryFor,
		}
		var err error
		if opt.Format, err = push.ParseFormat(*format); err != nil {
			return usagef("%v", err)
		}
		if file != "-" && !isSet(fs, "warnings") {
			opt.Warnings = file + ".warnings.jsonl"
		}
		if file != "-" && !isSet(fs, "journal") {
			opt.Journal = file + ".journal"
		}
		if opt.Resume && opt.Journal == "" {
			return usagef("-resume needs the -journal of the push to continue")
		}
		if opt.Credentials, err = c.pushCredentials(*credentials); err != nil {
			return err
		}
		if err := c.progressTo(&opt, *progress); err != nil {
			return err
		}
		opt.Log = slog.New(slog.NewTextHandler(c.stderr,
			&slog.HandlerOptions{Level: slog.LevelWarn}))

		in, err := push.Open(file, c.stdin)
		if err != nil {
			return usagef("%v", err)
		}
		defer in.Close()
		ctx, stop := c.interruptible()
		defer stop()
		sum, err := push.Push(ctx, in, opt)
		if sum != nil {
			if werr := sum.WriteText(c.stdout); werr != nil && err == nil {
				err = werr
			}
		}
		return pushError(err, opt.Journal, file)
	}
}

// interruptible returns the call's context, cancelled by the first
// interrupt or SIGTERM: the push then stops sending and waits for the
// answers of requests in flight. A second interrupt ends the process.
func (c *call) interruptible() (context.Context, func()) {
	ctx, cancel := context.WithCancel(c.ctx)
	sigs := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-sigs:
			signal.Stop(sigs)
			fmt.Fprintf(c.stderr, "%s: stopping: waiting for the answers to the requests"+
				" in flight (interrupt again to quit at once)\n", c.name)
			cancel()
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

// pushError words the errors of a push for the operator.
func pushError(err error, journal, file string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, push.ErrJournalExists):
		return usagef("%s holds an earlier push of this file that did not finish: add"+
			" -resume to continue it, or remove it to start over", journal)
	case errors.Is(err, push.ErrJournalMismatch), errors.Is(err, push.ErrHeader),
		errors.Is(err, push.ErrOptions):
		return usagef("%v", err)
	case errors.Is(err, fs.ErrPermission) && !isRecorded(journal):
		return usagef("%v: choose where the journal and the warnings go with -journal"+
			" and -warnings", err)
	}
	if !isRecorded(journal) {
		return err
	}
	resume := "the same command with -resume"
	if file == "-" {
		resume = "the same command, with the same input, and -resume"
	}
	return fmt.Errorf("%w\nwhat was accepted is recorded in %s; to continue, run %s",
		err, journal, resume)
}

// isRecorded reports whether the journal exists: the push it records
// can be resumed.
func isRecorded(journal string) bool {
	if journal == "" {
		return false
	}
	_, err := os.Stat(journal)
	return err == nil
}

// pushCredentials reads the API user's name and password: from the
// credentials file when one is given, else from AUDIENCE_USERNAME and
// AUDIENCE_PASSWORD.
func (c *call) pushCredentials(file string) (push.Credentials, error) {
	var cr push.Credentials
	if file != "" {
		raw, err := os.ReadFile(file)
		if err != nil {
			return cr, usagef("credentials file: %v", err)
		}
		if st, err := os.Stat(file); err == nil && st.Mode().Perm()&0o077 != 0 {
			c.warnf("the credentials file %s can be read by other users (chmod 600 it)", file)
		}
		if cr, err = parseCredentials(string(raw)); err != nil {
			return cr, usagef("credentials file %s: %v", file, err)
		}
	} else {
		cr.Username, _ = c.lookupEnv(usernameEnv)
		cr.Password, _ = c.lookupEnv(passwordEnv)
		if cr.Username == "" || cr.Password == "" {
			return cr, usagef("no credentials: set %s and %s, or pass -credentials FILE",
				usernameEnv, passwordEnv)
		}
	}
	c.secrets = append(c.secrets, cr.Password)
	return cr, nil
}

// parseCredentials reads a credentials file: the lines username=NAME and
// password=SECRET (blank lines and # comments aside), or a username on the
// first line and a password on the second.
func parseCredentials(text string) (push.Credentials, error) {
	var cr push.Credentials
	var lines []string
	for line := range strings.SplitSeq(text, "\n") {
		lines = append(lines, strings.TrimSuffix(line, "\r"))
	}
	keyed := false
	for _, line := range lines {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		key, value, ok := strings.Cut(t, "=")
		switch strings.TrimSpace(key) {
		case "username":
			cr.Username, keyed = strings.TrimSpace(value), true
		case "password":
			cr.Password, keyed = strings.TrimSpace(value), true
		default:
			ok = false
		}
		if !ok && keyed {
			// The line is not shown: it may hold the password.
			return cr, errors.New("a line is neither username= nor password=")
		}
	}
	if !keyed && len(lines) >= 2 {
		cr.Username, cr.Password = strings.TrimSpace(lines[0]), lines[1]
	}
	if cr.Username == "" || cr.Password == "" {
		return cr, errors.New("it must hold a username and a password: two lines, or" +
			" username=NAME and password=SECRET")
	}
	return cr, nil
}

// progressTo sets where and how the progress is shown: on standard error,
// as a bar when that is a terminal.
func (c *call) progressTo(opt *push.Options, how string) error {
	terminal := false
	if f, ok := c.stderr.(*os.File); ok {
		terminal = term.IsTerminal(int(f.Fd()))
	}
	switch how {
	case "auto":
		opt.Progress, opt.Bar = c.stderr, terminal
	case "bar":
		opt.Progress, opt.Bar = c.stderr, true
	case "lines":
		opt.Progress = c.stderr
	case "none":
		opt.Progress = nil
	default:
		return usagef("-progress %q: use auto, bar, lines or none", how)
	}
	return nil
}
