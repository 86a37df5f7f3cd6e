package main

import (
	"context"
	"strconv"
	"strings"
)

// scriptTime is Redis's own time per call of the apply script, as INFO
// commandstats counts it: what one user's write costs the store's single
// thread, whatever else the machine is doing. It sizes shards: one Redis
// applies at most a million µs / scriptTime users a second.
type scriptTime struct {
	calls   int64
	usecPer float64
}

// resetCommandStats zeroes Redis's command statistics before a run.
func (b *bench) resetCommandStats(ctx context.Context) error {
	return b.rdb.ConfigResetStat(ctx).Err()
}

// evalshaTime reads the EVALSHA line of INFO commandstats.
func (b *bench) evalshaTime(ctx context.Context) (scriptTime, error) {
	info, err := b.rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		return scriptTime{}, err
	}
	var st scriptTime
	for _, line := range strings.Split(info, "\r\n") {
		fields, ok := strings.CutPrefix(line, "cmdstat_evalsha:")
		if !ok {
			continue
		}
		for _, kv := range strings.Split(fields, ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "calls":
				st.calls, _ = strconv.ParseInt(v, 10, 64)
			case "usec_per_call":
				st.usecPer, _ = strconv.ParseFloat(v, 64)
			}
		}
	}
	return st, nil
}
