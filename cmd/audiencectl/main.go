// Command audiencectl provisions the Instant Audience service: members, API
// users, segments and sessions. `audiencectl help` lists its commands.
package main

import (
	"os"

	"github.com/instant-audience/audience/internal/ctl"
)

func main() {
	os.Exit(ctl.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
