//go:build !linux

package localcluster

import (
	"os"
	"syscall"
)

// sysProcAttr has nothing to add outside Linux: a detached process keeps
// the session it inherits.
func sysProcAttr(bool) *syscall.SysProcAttr { return nil }

// runningAs reports whether pid is a live process. Without /proc the
// binary cannot be checked.
func runningAs(pid int, _ string) bool {
	p, err := os.FindProcess(pid)
	return err == nil && p.Signal(syscall.Signal(0)) == nil
}
