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

	"github.com/redis/go-redis/v9"

	"github.com/instant-audience/audience/internal/api"
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
	redis.SetLogger(redisLog{log: log})
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := Run(ctx, cfg, log, nil); err != nil {
		log.Error("audience-api stopped", "err", err)
		return 1
	}
	return 0
}

// Run serves until ctx is done, then shuts down in order:
//
//  1. /readyz fails, so load balancers take the replica out of rotation;
//  2. DrainDelay passes while requests are still served, because
//     balancers notice a failing check only after a few probes and may
//     send until then;
//  3. the listeners close, so new connections are refused, and in-flight
//     requests finish, bounded by ShutdownTimeout;
//  4. the admin server stops, and only then the store is closed: the
//     in-flight requests needed it.
//
// When ready is not nil, the main listening address is sent on it once
// the server accepts connections.
func Run(ctx context.Context, cfg config.Server, log *slog.Logger, ready chan<- string) error {
	svc, err := Build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer svc.Close()

	public, err := serve(cfg, log, cfg.Addr, svc.API.Handler())
	if err != nil {
		return err
	}
	servers := []*server{public}
	if cfg.AdminAddr != "" {
		admin, err := serve(cfg, log, cfg.AdminAddr, svc.API.AdminHandler())
		if err != nil {
			public.close()
			return err
		}
		servers = append(servers, admin)
		log.Info("admin endpoints listening", "addr", admin.addr)
	}
	log.Info("audience-api listening", "addr", public.addr, "version", Version)
	if ready != nil {
		ready <- public.addr
	}

	select {
	case err := <-public.done:
		return err
	case <-ctx.Done():
	}
	log.Info("draining: /readyz fails from now on", "drain_delay", cfg.DrainDelay.String())
	svc.API.Drain()
	time.Sleep(cfg.DrainDelay)

	log.Info("shutting down: refusing new connections, finishing requests in flight",
		"shutdown_timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	for _, s := range servers {
		if err := s.srv.Shutdown(sctx); err != nil {
			errs = append(errs, fmt.Errorf("shutdown of %s: %w", s.addr, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// server is one listening HTTP server.
type server struct {
	srv  *http.Server
	addr string
	// done gets the error Serve returned, once it returns.
	done chan error
}

// serve listens on addr and serves h in the background, with the HTTP
// bounds of cfg: a slow client can hold a connection only so long.
func serve(cfg config.Server, log *slog.Logger, addr string, h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s (AUDIENCE_ADDR or AUDIENCE_ADMIN_ADDR): %w", addr, err)
	}
	// Requests net/http cannot read are answered in the contract's JSON.
	ln = api.WrapListener(ln)
	s := &server{
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: cfg.ReadHeaderTimeout,
			ReadTimeout:       cfg.ReadTimeout,
			WriteTimeout:      cfg.WriteTimeout,
			IdleTimeout:       cfg.IdleTimeout,
			MaxHeaderBytes:    cfg.MaxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		addr: ln.Addr().String(),
		done: make(chan error, 1),
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// close stops the server at once.
func (s *server) close() { _ = s.srv.Close() }
