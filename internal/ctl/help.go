package ctl

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// commonHelp ends every help text: what every command shares.
const commonHelp = `Every command takes the store's address, as audience-api does:
  -redis-url URL  redis:// or rediss:// URL of the store (AUDIENCE_REDIS_URL)
  -key-prefix P   prefix of every Redis key, "ia:" by default (AUDIENCE_KEY_PREFIX)
Sentinel, Cluster, credentials, TLS and timeouts take the server's settings
too, as flags or variables: -redis-sentinel-master and -redis-sentinel-addrs
(AUDIENCE_REDIS_SENTINEL_*), -redis-cluster-addrs and so on. Passwords come
from AUDIENCE_REDIS_PASSWORD and AUDIENCE_REDIS_SENTINEL_PASSWORD (or a URL in
AUDIENCE_REDIS_URL), never from the command line.
audience-api started without a store runs an embedded in-memory one and
logs its redis:// URL at start (the embedded_store field).

Show and list commands print JSON with -json. Exit status: 0 done, 1 the
operation failed (not found, exists, store down), 2 usage error.
`

// writeHelp lists every command.
func writeHelp(w io.Writer) {
	fmt.Fprint(w, `audiencectl provisions the Instant Audience service: members, API users,
segments and sessions. It works on the service's store directly. Its push
command sends audience files to the API over HTTP.

Usage:
  audiencectl <noun> <verb> [flags]
  audiencectl push -url URL [flags] FILE|-
  audiencectl help [<noun> [<verb>]]

Commands:
`)
	writeCommandList(w, commands)
	fmt.Fprint(w, "\nRun 'audiencectl <noun> <verb> -h' for the flags of one.\n\n")
	fmt.Fprint(w, commonHelp)
}

// writeNounHelp lists the commands of a noun.
func writeNounHelp(w io.Writer, noun string) {
	fmt.Fprintf(w, "Usage: audiencectl %s <verb> [flags]\n\nCommands:\n", noun)
	writeCommandList(w, commandsOf(noun))
	fmt.Fprintf(w, "\nRun 'audiencectl %s <verb> -h' for the flags of one.\n", noun)
}

func writeCommandList(w io.Writer, cmds []*command) {
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	for _, c := range cmds {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name(), c.summary)
	}
	tw.Flush()
}

// writeHelp prints the help of one command.
func (c *command) writeHelp(w io.Writer) {
	usage := wrap("Usage: audiencectl "+c.name()+" "+c.synopsis, 76, "         ")
	fmt.Fprintf(w, "%s\n\n%s\n\nFlags:\n", usage, c.help)
	fs := flag.NewFlagSet(c.name(), flag.ContinueOnError)
	c.setup(fs)
	fs.SetOutput(w)
	fs.PrintDefaults()
	if c.api {
		return // it takes none of the store's settings
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, commonHelp)
}

// wrap breaks s between words into lines of at most width columns (a
// longer word keeps its own line); lines after the first start with
// indent.
func wrap(s string, width int, indent string) string {
	var b strings.Builder
	line := 0
	for i, word := range strings.Fields(s) {
		switch {
		case i == 0:
		case line+1+len(word) > width:
			b.WriteString("\n" + indent)
			line = len(indent)
		default:
			b.WriteByte(' ')
			line++
		}
		b.WriteString(word)
		line += len(word)
	}
	return b.String()
}
