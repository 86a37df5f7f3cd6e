package app

import (
	"context"
	"fmt"
	"log/slog"
)

// redisLog sends what the Redis client logs by itself (failed dials,
// Sentinel switches) to the service's structured log at Warn, instead of
// plain lines on standard error. go-redis logs addresses and errors,
// never credentials.
type redisLog struct{ log *slog.Logger }

// Printf implements go-redis's internal.Logging.
func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	r.log.WarnContext(ctx, "redis client", "msg_detail", fmt.Sprintf(format, v...))
}
