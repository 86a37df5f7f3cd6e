package app

import (
	"context"
	"log/slog"

	"github.com/instant-audience/audience/internal/config"
)

// BuildForTests builds the service as tests of other packages start it
// in-process (serving its API.Handler with net/http/httptest): on the
// store at redisURL, or on an embedded one when it is "", with the demo
// data, the cheapest bcrypt cost, a one-second registry cache and no
// logs. Every other setting is the server's default, rate limits
// included. The caller closes it.
func BuildForTests(ctx context.Context, redisURL string) (*Service, error) {
	cfg, err := config.ParseServer("audience-api", []string{
		"-redis-url=" + redisURL,
		"-addr=127.0.0.1:0",
		"-embedded-addr=127.0.0.1:0",
		"-demo=true",
		"-bcrypt-cost=4",
		"-registry-ttl=1s",
	})
	if err != nil {
		return nil, err
	}
	return Build(ctx, cfg, slog.New(slog.DiscardHandler))
}
