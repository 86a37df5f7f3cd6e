package testredis

import (
	"context"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// process is one run of redis-server.
type process struct {
	cmd    *exec.Cmd
	cancel context.CancelFunc
	// done is closed once the process has exited and been reaped.
	done chan struct{}
}

// launch starts redis-server with argv in dir, appending its output to the
// file at logPath. The process is not yet ready to serve when launch returns.
func launch(dir, logPath string, argv []string) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}

	// The context is ours alone: cancelling it is how kill sends SIGKILL, and
	// cleanup always cancels it, so no run outlives its test.
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "redis-server", argv...)
	cmd.Dir = dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr()
	err = cmd.Start()

	// The child holds its own descriptor for the log; ours is no longer needed.
	logFile.Close()
	if err != nil {
		cancel()
		return nil, err
	}

	p := &process{cmd: cmd, cancel: cancel, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// pid returns the operating system's id of the process.
func (p *process) pid() int {
	return p.cmd.Process.Pid
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and waits for the process to end.
func (p *process) kill() {
	p.cancel()
	<-p.done
}

// stop sends SIGTERM and waits for the process to end, killing it if it is
// still running after grace.
func (p *process) stop(grace time.Duration) {
	defer p.cancel()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.kill()
		return
	}

	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		p.kill()
	}
}
