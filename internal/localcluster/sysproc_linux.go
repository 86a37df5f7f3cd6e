//go:build linux

package localcluster

import (
	"fmt"
	"os"
	"strings"
	"syscall"
)

// sysProcAttr ties a process to the thread that starts it (SIGKILL when it
// dies, so a killed test leaves nothing behind) or, detached, gives it a
// session of its own so it outlives the command and its terminal.
func sysProcAttr(detach bool) *syscall.SysProcAttr {
	if detach {
		return &syscall.SysProcAttr{Setsid: true}
	}
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// runningAs reports whether pid is a live process running the binary at
// path, so that a stale pid, since reused by another program, is never
// signalled.
func runningAs(pid int, path string) bool {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil || strings.TrimSuffix(exe, " (deleted)") != path {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses; a zombie has
	// exited and only waits to be reaped.
	i := strings.LastIndexByte(string(stat), ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}
