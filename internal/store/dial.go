package store

import (
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Dial returns a client of the single Redis server at a redis:// or
// rediss:// URL. It does not connect: the first command does.
func Dial(rawURL string) (redis.UniversalClient, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		// The URL may hold a password: the error names the setting only.
		return nil, fmt.Errorf("AUDIENCE_REDIS_URL is not a valid Redis URL")
	}
	return redis.NewClient(opts), nil
}
