//go:build !linux

package testredis

import "syscall"

// sysProcAttr returns nil: only Linux can tie the server's life to ours, so
// elsewhere the servers rely on test cleanup alone.
func sysProcAttr() *syscall.SysProcAttr {
	return nil
}
