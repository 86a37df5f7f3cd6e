// Package ctl is audiencectl, the operator's command line tool: it
// provisions members, API users and segments and ends sessions, working on
// the service's store directly.
//
// Commands read `audiencectl <noun> <verb> [flags]`. Everything runs
// in-process from Main, which never exits the process itself, so tests
// drive the tool as an operator would.
package ctl

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/instant-audience/audience/internal/auth"
	"github.com/instant-audience/audience/internal/config"
	"github.com/redis/go-redis/v9"
)

// Exit codes of audiencectl.
const (
	exitOK     = 0 // the operation was done
	exitFailed = 1 // the operation failed: not found, exists, store down
	exitUsage  = 2 // the command line or the input was wrong
)

// env is what one run takes from its process. Main fills it from the real
// process; tests build their own, with a fake environment and a cheap
// bcrypt cost.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// lookupEnv reads an environment variable, as os.LookupEnv does.
	lookupEnv func(name string) (string, bool)
	// bcryptCost is the work factor of the password hashes written.
	bcryptCost int
}

// Main runs audiencectl with the arguments after the program name and
// returns the exit code: 0 done, 1 the operation failed, 2 usage error.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// The Redis client logs each failed dial on the process's standard
	// error by itself; a command reports its failure once, in its words.
	redis.SetLogger(quietLogger{})
	return run(args, &env{
		stdin:      stdin,
		stdout:     stdout,
		stderr:     stderr,
		lookupEnv:  os.LookupEnv,
		bcryptCost: bcryptCost(os.LookupEnv),
	})
}

// bcryptCost is the server's AUDIENCE_BCRYPT_COST when set and valid: the
// server compares unknown users against a hash of that cost, so hashes
// made here must cost the same, or login times would tell which users
// exist.
func bcryptCost(lookupEnv func(string) (string, bool)) int {
	if v, ok := lookupEnv("AUDIENCE_BCRYPT_COST"); ok {
		if n, err := strconv.Atoi(v); err == nil && n >= 4 && n <= 31 {
			return n
		}
	}
	return auth.DefaultBcryptCost
}

// quietLogger drops what the Redis client logs.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// run parses the global flags (the store's, which may also come after the
// verb) and hands over to the command named by the next two arguments.
func run(args []string, e *env) int {
	global := flag.NewFlagSet("audiencectl", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	global.Usage = func() {}
	config.RegisterRedis(global, &config.Redis{})
	err := global.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		writeHelp(e.stdout)
		return exitOK
	}
	if err != nil {
		return usageFailure(e.stderr, "audiencectl", err.Error(), "audiencectl help")
	}

	rest := global.Args()
	if len(rest) == 0 {
		writeHelp(e.stderr)
		return exitUsage
	}
	if rest[0] == "help" {
		return runHelp(rest[1:], e)
	}
	if len(commandsOf(rest[0])) == 0 {
		msg := "unknown command " + quoteWord(rest[0])
		return usageFailure(e.stderr, "audiencectl", msg, "audiencectl help")
	}
	if c := findCommand(rest[0], ""); c != nil {
		return c.run(rest[1:], global, e)
	}
	if len(rest) == 1 || isHelpArg(rest[1]) {
		w, code := e.stderr, exitUsage
		if len(rest) > 1 {
			w, code = e.stdout, exitOK
		}
		writeNounHelp(w, rest[0])
		return code
	}
	c := findCommand(rest[0], rest[1])
	if c == nil {
		msg := "unknown command " + quoteWord(rest[0]+" "+rest[1])
		return usageFailure(e.stderr, "audiencectl", msg, "audiencectl help "+rest[0])
	}
	return c.run(rest[2:], global, e)
}

// runHelp answers `audiencectl help [noun [verb]]`.
func runHelp(args []string, e *env) int {
	switch {
	case len(args) == 0:
		writeHelp(e.stdout)
		return exitOK
	case len(args) == 1 && findCommand(args[0], "") != nil:
		findCommand(args[0], "").writeHelp(e.stdout)
		return exitOK
	case len(args) == 1 && len(commandsOf(args[0])) > 0:
		writeNounHelp(e.stdout, args[0])
		return exitOK
	case len(args) == 2 && findCommand(args[0], args[1]) != nil:
		findCommand(args[0], args[1]).writeHelp(e.stdout)
		return exitOK
	}
	msg := "no help on " + quoteWord(strings.Join(args, " "))
	return usageFailure(e.stderr, "audiencectl help", msg, "audiencectl help")
}

func isHelpArg(s string) bool {
	return s == "-h" || s == "-help" || s == "--help" || s == "help"
}

// usageFailure reports a usage error and where to read the usage.
func usageFailure(w io.Writer, who, msg, helpCmd string) int {
	fmt.Fprintf(w, "%s: %s\nRun '%s' for usage.\n", who, msg, helpCmd)
	return exitUsage
}

// quoteWord quotes a word the operator typed, to show it back, unless it
// may be a secret typed in the wrong place: only short words of letters
// and spaces, as commands are, are shown.
func quoteWord(s string) string {
	isWord := len(s) <= 30 && !strings.ContainsFunc(s, func(r rune) bool {
		return r != ' ' && (r < 'a' || r > 'z')
	})
	if !isWord {
		return "(not shown)"
	}
	return strconv.Quote(s)
}
