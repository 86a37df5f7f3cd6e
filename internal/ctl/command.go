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
	// args names the arguments the command takes besides its flags, as
	// "FILE"; without it any argument is refused (it may be a secret
	// typed in the wrong place). Flags may come before or after it.
	args string
	// api marks a command that talks to the API over HTTP rather than to
	// the store: it takes no store settings, and runs without opTimeout
	// until it is done or interrupted.
	api bool
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
	// args are the arguments after the flags, for a command that has them.
	args []string
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

// name is the command as typed, "member create", or "push" for a command
// of one word.
func (c *command) name() string { return strings.TrimSpace(c.noun + " " + c.verb) }

// run parses the command's flags and runs it.
func (c *command) run(args []string, global *flag.FlagSet, e *env) int {
	name := "audiencectl " + c.name()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	act := c.setup(fs)
	if !c.api {
		config.RegisterRedis(fs, &config.Redis{})
	}

	positional, err := parseInterleaved(fs, args, c.args != "")
	if errors.Is(err, flag.ErrHelp) {
		c.writeHelp(e.stdout)
		return exitOK
	}
	if err != nil {
		return usageFailure(e.stderr, name, err.Error(), name+" -h")
	}
	if err := secretOnCommandLine(global, fs); err != nil {
		return usageFailure(e.stderr, name, err.Error(), name+" -h")
	}
	if c.args != "" && len(positional) != 1 {
		msg := fmt.Sprintf("one %s is needed, %d given", c.args, len(positional))
		return usageFailure(e.stderr, name, msg, name+" -h")
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
	if c.api {
		ctx, cancel = context.WithCancel(context.Background())
	}
	defer cancel()
	cl := &call{env: e, ctx: ctx, name: name, flags: fs, global: global, args: positional}
	defer cl.close()
	if err := act(cl); err != nil {
		return cl.fail(err)
	}
	return exitOK
}

// parseInterleaved parses fs from args. With positional, arguments that
// are not flags are collected wherever they stand, so that flags may also
// follow them; without, they are left in fs.Args.
func parseInterleaved(fs *flag.FlagSet, args []string, positional bool) ([]string, error) {
	var out []string
	for {
		if err := fs.Parse(args); err != nil || !positional || fs.NArg() == 0 {
			return out, err
		}
		out = append(out, fs.Arg(0))
		args = fs.Args()[1:]
	}
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
