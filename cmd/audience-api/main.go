// Command audience-api serves the Instant Audience API.
package main

import (
	"os"

	"github.com/instant-audience/audience/internal/app"
)

func main() {
	os.Exit(app.Main(os.Args[1:], os.Stderr))
}
