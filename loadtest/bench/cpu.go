package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of the CPU times in /proc/<pid>/stat: USER_HZ,
// 100 on every Linux this runs on.
const clockTick = 10 * time.Millisecond

// cpuShare is the CPU time each part of the deployment spent during one
// run, per request of it: what sizes replicas and shards.
type cpuShare struct {
	requests                          int
	replicas, redis, balancer, loader time.Duration
}

// perRequest formats a share of CPU per request.
func (c cpuShare) perRequest(d time.Duration) string {
	if c.requests == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f µs", float64(d.Microseconds())/float64(c.requests))
}

// cpuSample is the CPU time of the cluster's processes and of this one.
type cpuSample struct {
	replicas, redis, balancer, loader time.Duration
}

// sampleCPU reads the processes' CPU times; a process that cannot be read
// (not Linux, or gone) counts zero.
func (b *bench) sampleCPU() cpuSample {
	var s cpuSample
	for _, p := range b.cluster.Procs {
		t := procCPU(strconv.Itoa(p.PID))
		switch {
		case p.Name == "redis":
			s.redis += t
		case p.Name == "haproxy":
			s.balancer += t
		case strings.HasPrefix(p.Name, "replica"):
			s.replicas += t
		}
	}
	s.loader = procCPU("self")
	return s
}

// since returns the CPU spent from s to now over n requests.
func (b *bench) cpuSince(s cpuSample, n int) cpuShare {
	now := b.sampleCPU()
	return cpuShare{requests: n, replicas: now.replicas - s.replicas, redis: now.redis - s.redis,
		balancer: now.balancer - s.balancer, loader: now.loader - s.loader}
}

// procCPU returns a process's user and system time so far.
func procCPU(pid string) time.Duration {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count fields
	// from the closing one. utime and stime are fields 14 and 15.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * clockTick
}
