// Package app wires the service together: config -> store -> services ->
// HTTP server, and runs it from start to graceful stop. Tests start it
// in-process on a free port.
package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/instant-audience/audience/internal/api"
	"github.com/instant-audience/audience/internal/auth"
	"github.com/instant-audience/audience/internal/config"
	"github.com/instant-audience/audience/internal/registry"
	"github.com/instant-audience/audience/internal/rtsegment"
	"github.com/instant-audience/audience/internal/store"
)

// Service is a built, not yet serving, instance of the API.
type Service struct {
	API   *api.Server
	Store *store.Store

	embedded *store.Embedded
}

// Build connects the store (or starts the embedded one), provisions the
// demo when asked to, and builds the API over it.
func Build(ctx context.Context, cfg config.Server, log *slog.Logger) (*Service, error) {
	svc := &Service{}
	url := cfg.Redis.URL
	if url == "" {
		emb, err := store.StartEmbedded(cfg.EmbeddedAddr)
		if err != nil {
			return nil, fmt.Errorf("embedded store: %w", err)
		}
		svc.embedded = emb
		url = emb.URL()
		log.Warn("running on the embedded in-memory store: data lives in memory"+
			" and is lost on exit; set AUDIENCE_REDIS_URL for a real store",
			"embedded_store", url)
	}
	client, err := store.Dial(url)
	if err != nil {
		svc.Close()
		return nil, err
	}
	svc.Store = store.New(client, cfg.Redis.KeyPrefix)

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
	}, api.Deps{
		Auth:     authn,
		Registry: registry.New(svc.Store, cfg.RegistryTTL),
		Store:    svc.Store,
		Logger:   log,
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
