package push

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Options say where and how to push.
type Options struct {
	// URL is the service's base URL, as "http://localhost:8080".
	URL string
	// Credentials are the API user's; the password never leaves the
	// login request.
	Credentials Credentials
	// Format of the input (FormatAuto when empty).
	Format Format
	// Concurrency is how many requests may be in flight at once (4). The
	// member's limits, not this, bound the rate; a few requests in flight
	// keep the pipe full while one waits for its answer.
	Concurrency int
	// UsersPerSecond is the member's users-per-second limit to pace by
	// (DefaultUsersPerSecond). The service does not announce it in
	// headers; a 429 naming a lower one lowers it.
	UsersPerSecond int
	// Gzip compresses request bodies (false). The 1 MB limit applies to
	// the body once inflated, so batches are the same either way.
	Gzip bool
	// Journal is the file that records what was answered, for a resume
	// ("": none). It is removed when the push completes.
	Journal string
	// Resume continues the push recorded in Journal, skipping what its
	// earlier runs had answered.
	Resume bool
	// Warnings is the file every warning is written to, one JSON object a
	// line ("": none). It is made on the first warning; a resumed push
	// adds to it.
	Warnings string
	// RequestTimeout bounds one request, its answer included (60s).
	RequestTimeout time.Duration
	// RetryFor is how long a request answered 503 or not answered at all
	// is retried, with backoff and jitter, before the push gives up (5m).
	RetryFor time.Duration
	// StopGrace is how long requests in flight may take to be answered
	// once the push is asked to stop (30s), so that what they did is
	// recorded in the journal and not sent again.
	StopGrace time.Duration
	// HTTPClient sends the requests; nil makes one for the push.
	HTTPClient *http.Client
	// Progress receives the progress, nil none.
	Progress io.Writer
	// Bar draws a progress bar on Progress (a terminal) instead of a plain
	// line every ProgressEvery.
	Bar bool
	// ProgressEvery is the period of the plain progress lines (10s).
	ProgressEvery time.Duration
	// Log receives what the push does at debug level and its troubles
	// (retries) at warn level; nil discards.
	Log *slog.Logger
}

// withDefaults fills the zero fields and checks the others.
func (o Options) withDefaults() (Options, error) {
	base, err := normalizeBase(o.URL)
	if err != nil {
		return o, err
	}
	o.URL = base
	switch {
	case o.Credentials.Username == "" || o.Credentials.Password == "":
		return o, errors.New("a username and a password are needed")
	case o.Concurrency < 0 || o.Concurrency > 64:
		return o, fmt.Errorf("concurrency %d: must be 1 to 64", o.Concurrency)
	case o.UsersPerSecond < 0:
		return o, fmt.Errorf("users per second %d: must not be negative", o.UsersPerSecond)
	case o.Resume && o.Journal == "":
		return o, errors.New("a resume needs the journal of the push it continues")
	}
	if o.Format == "" {
		o.Format = FormatAuto
	}
	defaults := []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&o.RequestTimeout, 60 * time.Second},
		{&o.RetryFor, 5 * time.Minute},
		{&o.StopGrace, 30 * time.Second},
		{&o.ProgressEvery, 10 * time.Second},
	}
	for _, d := range defaults {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	if o.Concurrency == 0 {
		o.Concurrency = 4
	}
	if o.UsersPerSecond == 0 {
		o.UsersPerSecond = DefaultUsersPerSecond
	}
	if o.HTTPClient == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = o.Concurrency + 1
		o.HTTPClient = &http.Client{Transport: t}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o, nil
}
