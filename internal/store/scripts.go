package store

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// scriptCall is one call of a script on one key.
type scriptCall struct {
	key  string
	args []any
}

// runScript makes the calls of one script in one pipeline, by hash. The
// calls that fail because Redis does not know the script (after a
// restart, a failover or SCRIPT FLUSH: NOSCRIPT, so they did nothing) are
// made again with the script's source, in a second pipeline. Any other
// failure is returned. With WaitForReplicas, each pipeline ends with WAIT.
func (s *Store) runScript(ctx context.Context, script *redis.Script, calls []scriptCall) error {
	cmds := make([]*redis.Cmd, len(calls))
	var waited *redis.Cmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, c := range calls {
			cmds[i] = script.EvalSha(ctx, p, []string{c.key}, c.args...)
		}
		// Last, on the same connection: it waits for all of the above.
		waited = s.queueWait(ctx, p)
		return nil
	})
	if err == nil {
		return s.checkWait(waited)
	}
	if waited != nil && waited.Err() != nil {
		return unavailable(waited.Err())
	}

	var again []scriptCall
	for i, c := range cmds {
		switch err := c.Err(); {
		case err == nil:
		case redis.HasErrorPrefix(err, "NOSCRIPT"):
			again = append(again, calls[i])
		default:
			return unavailable(err)
		}
	}
	var rewaited *redis.Cmd
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, c := range again {
			script.Eval(ctx, p, []string{c.key}, c.args...)
		}
		rewaited = s.queueWait(ctx, p)
		return nil
	})
	if err != nil {
		return unavailable(err)
	}
	if err := s.checkWait(rewaited); err != nil {
		return err
	}
	return s.checkWait(waited)
}
