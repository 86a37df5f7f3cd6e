package ctl

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

// readHidden prompts on w and reads one line from the terminal f without
// echoing it.
//
// While echo is off, an interrupt would otherwise end the process and
// leave the operator's shell without echo: the terminal is put back
// first, then the signal is raised again to take its usual course.
func readHidden(f *os.File, w io.Writer, prompt string) (string, error) {
	fd := int(f.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		return "", fmt.Errorf("reading the terminal: %w", err)
	}
	sigs := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer func() {
		signal.Stop(sigs)
		close(done)
	}()
	go func() {
		select {
		case sig := <-sigs:
			_ = term.Restore(fd, state)
			signal.Stop(sigs)
			if p, err := os.FindProcess(os.Getpid()); err == nil {
				_ = p.Signal(sig)
			}
		case <-done:
		}
	}()

	fmt.Fprint(w, prompt)
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(w)
	if err != nil {
		return "", fmt.Errorf("reading the terminal: %w", err)
	}
	return string(b), nil
}
