// Package app wires the service together: config -> store -> services ->
// HTTP server, and runs it from start to graceful stop. Tests start it
// in-process on a free port.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/instant-audience/audience/internal/api"
	"github.com/instant-audience/audience/internal/auth"
	"github.com/instant-audience/audience/internal/config"
	"github.com/instant-audience/audience/internal/limits"
	"github.com/instant-audience/audience/internal/metrics"
	"github.com/instant-audience/audience/internal/registry"
	"github.com/instant-audience/audience/internal/rtsegment"
	"github.com/instant-audience/audience/internal/stats"
	"github.com/instant-audience/audience/internal/store"
)

// Service is a built, not yet serving, instance of the API.
type Service struct {
	API   *api.Server
	Store *store.Store
	// Metrics records what the service does; Registry holds them, with
	// the Go runtime's, the process's and the Redis pool's.
	Metrics  *metrics.Metrics
	Registry *prometheus.Registry

	embedded *store.Embedded
}

// Build connects the store (or starts the embedded one), provisions the
// demo when asked to, and builds the API over it.
func Build(ctx context.Context, cfg config.Server, log *slog.Logger) (*Service, error) {
	svc := &Service{}
	redisCfg := cfg.Redis
	if redisCfg.Topology() == "" {
		emb, err := store.StartEmbedded(cfg.EmbeddedAddr)
		if err != nil {
			return nil, fmt.Errorf("embedded store: %w", err)
		}
		svc.embedded = emb
		redisCfg.URL = emb.URL()
		log.Warn("running on the embedded in-memory store: data lives in memory"+
			" and is lost on exit; set AUDIENCE_REDIS_URL for a real store",
			"embedded_store", redisCfg.URL)
	}
	client, err := store.Connect(redisCfg)
	if err != nil {
		svc.Close()
		return nil, err
	}
	svc.Store = store.New(client, cfg.Redis.KeyPrefix)
	log.Info("store", "redis", redisCfg.Describe())
	if cfg.WaitReplicas > 0 {
		svc.Store.WaitForReplicas(cfg.WaitReplicas, cfg.WaitTimeout)
		log.Info("writes wait for replicas before their 200", "replicas", cfg.WaitReplicas,
			"timeout", cfg.WaitTimeout.String())
	}
	// A store that is down at start is no reason not to start: the
	// service answers 503 and /readyz fails until it is back. But say so.
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	if err := svc.Store.Ping(pctx); err != nil {
		log.Warn("the store does not answer yet: requests get 503 until it does", "err", err)
	}
	cancel()

	svc.Registry = metrics.NewRegistry(Version)
	svc.Metrics = metrics.New(svc.Registry)
	client.AddHook(svc.Metrics.StoreHook())
	if err := metrics.RegisterPool(svc.Registry, client); err != nil {
		svc.Close()
		return nil, fmt.Errorf("metrics: %w", err)
	}

	if cfg.Demo || svc.embedded != nil {
		if err := ProvisionDemo(ctx, svc.Store, cfg.BcryptCost); err != nil {
			svc.Close()
			return nil, fmt.Errorf("provisioning the demo: %w", err)
		}
		log.Info("demo data provisioned", "user", DemoUser, "member", DemoMember)
	}

	authn := auth.New(svc.Store, auth.NewThrottle(svc.Store, auth.ThrottleConfig{}), auth.Config{BcryptCost: cfg.BcryptCost})
	svc.API = api.New(api.Config{
		Limits: rtsegment.Limits{
			MaxUsers:      1000,
			MaxBlocks:     100,
			MaxExpiration: cfg.MaxExpiration,
		},
		DefaultExpiration: cfg.DefaultExpiration,
		RequestTimeout:    cfg.RequestTimeout,
		TrustedProxies:    cfg.TrustedProxies,
		SeparateAdmin:     cfg.AdminAddr != "",
		UIDMapTTL:         cfg.UIDMapTTL,
	}, api.Deps{
		Auth:     authn,
		Registry: registry.New(svc.Store, cfg.RegistryTTL),
		Store:    svc.Store,
		Logger:   log,
		Metrics:  svc.Metrics,
		// The handler gathers from the service's own registry only.
		MetricsHandler: metrics.Handler(svc.Registry),
		Limiter: limits.New(svc.Store, limits.Config{
			PostPerSec:  cfg.LimitPostPerSec,
			GetPerSec:   cfg.LimitGetPerSec,
			UsersPerSec: cfg.LimitUsersPerSec,
		}),
		Stats:   stats.NewReporter(svc.Store),
		UIDMaps: svc.Store,
	})
	return svc, nil
}

// Close releases the store, and stops the embedded one.
func (s *Service) Close() {
	if s.Store != nil {
		_ = s.Store.Close()
	}
	if s.embedded != nil {
		s.embedded.Close()
	}
}
