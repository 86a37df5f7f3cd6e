package ctl

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/instant-audience/audience/internal/config"
	"github.com/instant-audience/audience/internal/store"
)

// opTimeout bounds the store work of one command, so that a store that
// does not answer ends in an error rather than a hang.
const opTimeout = 30 * time.Second

// command is one `audiencectl <noun> <verb>`.
type command struct {
	noun, verb string
	// synopsis lists the command's flags, as in "-id N [-disabled]".
	synopsis string
	// summary is one sentence for the list of commands.
	summary string
	// help says in full what the command does.
	help string
	// required names the flags that must be given.
	required []string
	// setup registers the command's flags on fs and returns what runs
	// once they are parsed.
	setup func(fs *flag.FlagSet) action
}

// action is the work of a command once its flags are parsed.
type action func(c *call) error

// call is one run of a command: its streams, its flags and its store,
// which is opened on first use so that input is checked before a missing
// store address is.
type call struct {
	*env
	ctx    context.Context
	name   string
	flags  *flag.FlagSet
	global *flag.FlagSet
	st     *store.Store
	// secrets are the passwords, tokens and store URL this run has seen:
	// any of them is masked in what is reported.
	secrets []string
}

// usageError is an error in the command line or the input, as opposed to
// a failure of the operation: it makes the exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef returns a usageError.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// name is the command as typed, "member create".
func (c *command) name() string { return c.noun + " " + c.verb }

// run parses the command's flags and runs it.
func (c *command) run(args []string, global *flag.FlagSet, e *env) int {
	name := "audiencectl " + c.name()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	act := c.setup(fs)
	config.RegisterRedis(fs, &config.Redis{})

	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		c.writeHelp(e.stdout)
		return exitOK
	}
	if err != nil {
		return usageFailure(e.stderr, name, err.Error(), name+" -h")
	}
	if fs.NArg() > 0 {
		// The argument is not echoed: it may be a password or a token
		// typed where it does not belong.
		msg := fmt.Sprintf("%d unexpected argument(s) after the flags; passwords and"+
			" tokens are never taken as arguments", fs.NArg())
		return usageFailure(e.stderr, name, msg, name+" -h")
	}
	for _, f := range c.required {
		if !isSet(fs, f) {
			return usageFailure(e.stderr, name, "-"+f+" is required", name+" -h")
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	cl := &call{env: e, ctx: ctx, name: name, flags: fs, global: global}
	defer cl.close()
	if err := act(cl); err != nil {
		return cl.fail(err)
	}
	return exitOK
}

// fail reports err, with every secret masked, and returns its exit code.
func (c *call) fail(err error) int {
	msg := redact(err.Error(), c.secrets)
	var u *usageError
	if errors.As(err, &u) {
		return usageFailure(c.stderr, c.name, msg, c.name+" -h")
	}
	fmt.Fprintf(c.stderr, "%s: %s\n", c.name, msg)
	return exitFailed
}

// printf writes the command's result on standard output.
func (c *call) printf(format string, args ...any) {
	fmt.Fprintf(c.stdout, format, args...)
}

// warnf writes a warning on standard error; the command goes on.
func (c *call) warnf(format string, args ...any) {
	msg := redact(fmt.Sprintf(format, args...), c.secrets)
	fmt.Fprintf(c.stderr, "%s: warning: %s\n", c.name, msg)
}

// redact masks every secret in msg. A short secret masks innocent text
// too: the price of never showing it.
func redact(msg string, secrets []string) string {
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "***")
		}
	}
	return msg
}

// isSet reports whether the flag name was given on fs's command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}
