package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/instant-audience/audience/internal/config"
)

// Version is the build's version, set at link time.
var Version = "dev"

// Main runs audience-api with its command line and returns the exit code.
func Main(args []string, stderr io.Writer) int {
	cfg, err := config.ParseServer("audience-api", args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "audience-api:", err)
		return 2
	}
	log := cfg.Logger(stderr)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := Run(ctx, cfg, log, nil); err != nil {
		log.Error("audience-api stopped", "err", err)
		return 1
	}
	return 0
}

// Run serves until ctx is done, then shuts down in order: fail /readyz,
// wait DrainDelay so load balancers stop sending, finish in-flight
// requests (bounded by ShutdownTimeout), and only then close the store,
// which those requests still need. When ready is not nil, the listening
// address is sent on it once the server accepts connections.
func Run(ctx context.Context, cfg config.Server, log *slog.Logger, ready chan<- string) error {
	svc, err := Build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer svc.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           svc.API.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("audience-api listening", "addr", ln.Addr().String(), "version", Version)
	if ready != nil {
		ready <- ln.Addr().String()
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "drain_delay", cfg.DrainDelay.String())
	svc.API.Drain()
	time.Sleep(cfg.DrainDelay)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}
