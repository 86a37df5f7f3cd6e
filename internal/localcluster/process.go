package localcluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// stopGrace is how long a process may take to exit after SIGTERM before
// it is killed.
const stopGrace = 10 * time.Second

// proc is one process of the cluster. Name, PID and Path are what the
// state file keeps, so that a later command can stop a detached process.
type proc struct {
	Name string `json:"name"`
	PID  int    `json:"pid"`
	// Path is the binary's resolved path, to recognise the process by
	// its /proc entry.
	Path string `json:"path"`

	// exec is the path it is run by. It may be a symlink whose name the
	// program reads: redis-server is a link to redis-check-rdb.
	exec string

	argv []string
	env  []string
	dir  string
	log  string
	// done is closed when an attached process has exited; nil when the
	// process is detached (not our child to wait for).
	done chan struct{}
}

// newProc describes a process; start runs it.
func newProc(name, path string, argv, env []string, dir, log string) (*proc, error) {
	run, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	resolved, err := filepath.EvalSymlinks(run)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &proc{Name: name, Path: resolved, exec: run, argv: argv, env: env, dir: dir,
		log: log}, nil
}

// start runs the process with its output appended to its log. Attached,
// it dies with its parent; detached, it outlives it.
func (p *proc) start(detach bool) error {
	logFile, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()

	cmd := exec.Command(p.exec, p.argv...)
	cmd.Dir = p.dir
	cmd.Env = p.env
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr(detach)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	p.PID = cmd.Process.Pid
	if detach {
		p.done = nil
		return cmd.Process.Release()
	}
	p.done = make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	return nil
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	if p.done == nil {
		return p.PID == 0 || !runningAs(p.PID, p.Path)
	}
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM and waits for the process to end, killing it after
// stopGrace. A process that is gone, or whose pid now runs another
// program, is left alone.
func (p *proc) stop() error {
	if p.exited() {
		return nil
	}
	if err := syscall.Kill(p.PID, syscall.SIGTERM); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return nil
		}
		return fmt.Errorf("stop %s (pid %d): %w", p.Name, p.PID, err)
	}
	deadline := time.Now().Add(stopGrace)
	killed := false
	for !p.exited() {
		if time.Now().After(deadline) {
			if killed {
				return fmt.Errorf("stop %s (pid %d): still running after SIGKILL", p.Name, p.PID)
			}
			_ = syscall.Kill(p.PID, syscall.SIGKILL)
			killed = true
			deadline = time.Now().Add(stopGrace)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}
