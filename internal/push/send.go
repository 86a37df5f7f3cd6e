package push

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// errSplit asks for a request to be sent again in smaller parts.
var errSplit = errors.New("split the request")

// outcome is what one answered request did.
type outcome struct {
	users, segments int
	warnings        []Warning
}

// sendPart sends one request until it is answered 200, or refused in a
// way that splitting or nothing can help. Every answer but a 200 means
// nothing was applied (the contract's promise), so each may be retried
// whole; a 200 is never sent again.
func (p *pusher) sendPart(ctx context.Context, b *batch) (*outcome, error) {
	if b.entries == 0 {
		return &outcome{}, nil
	}
	body := b.body()
	retry := p.newRetry()
	relogged := false
	for {
		if err := p.pace.wait(ctx, b.entries); errors.Is(err, errTooBig) {
			return nil, errSplit
		} else if err != nil {
			return nil, err
		}
		token, gen := p.cl.session()
		a, err := p.post(body, token)
		if err != nil {
			if p.hard.Err() != nil {
				return nil, ctx.Err()
			}
			p.n.netErrors.Add(1)
			p.log.Warn("push: request failed, retrying", "err", err)
			if err := retry.wait(ctx, 0, err); err != nil {
				return nil, err
			}
			continue
		}
		p.pace.observe(a.header)

		switch {
		case a.status == http.StatusOK:
			return p.accepted(b, a), nil
		case a.status == http.StatusUnauthorized:
			// The token died (2 hours idle, 24 after login): one new
			// login per request. A fresh token refused is not an expiry.
			if relogged {
				return nil, fmt.Errorf("%w: a fresh token was refused: %s", ErrAuth,
					a.resp.Error)
			}
			relogged = true
			if err := p.login(ctx, gen); err != nil {
				return nil, err
			}
		case a.status == http.StatusTooManyRequests:
			p.n.throttled.Add(1)
			d := p.pace.throttled(a)
			p.log.Debug("push: rate limited", "retry_after", d, "error", a.resp.Error)
		case a.status >= 500:
			p.n.unavailable.Add(1)
			cause := statusError(a)
			p.log.Warn("push: service unavailable, retrying", "err", cause)
			if err := retry.wait(ctx, retryAfter(a.header, 0), cause); err != nil {
				return nil, err
			}
		case a.status == http.StatusRequestEntityTooLarge ||
			a.status == http.StatusBadRequest && a.resp.ErrorID == "SYNTAX":
			// Batches are built within the limits, so this is one entry
			// the service cannot read as part of a body: halve until it is
			// alone, then report it and go on.
			if b.entries > 1 {
				return nil, errSplit
			}
			return refused(b, a), nil
		case a.status == http.StatusBadRequest && a.resp.ErrorID == "LIMIT" && b.entries > 1:
			// More users than the member's whole burst: no wait helps,
			// smaller requests do. The text names the limit; if it could
			// not be read, halving finds a size that fits.
			p.pace.learn(a.resp.Error)
			p.pace.lowerBatch(b.entries / 2)
			return nil, errSplit
		default:
			return nil, statusError(a)
		}
	}
}

// post sends one request within Options.RequestTimeout.
func (p *pusher) post(body []byte, token string) (*answer, error) {
	ctx, cancel := context.WithTimeout(p.hard, p.opt.RequestTimeout)
	defer cancel()
	p.n.requests.Add(1)
	return p.cl.post(ctx, "/rt-segment", body, token)
}

// accepted reads a 200: its counts, and its warnings with their lines.
func (p *pusher) accepted(b *batch, a *answer) *outcome {
	if a.bad != nil {
		p.log.Warn("push: answer 200 unreadable", "err", a.bad)
		return &outcome{warnings: []Warning{spanWarning(b, msgUnreadable, a.bad.Error())}}
	}
	return &outcome{
		users:    a.resp.Message.Users,
		segments: a.resp.Message.Segments,
		warnings: lineWarnings(b, a.resp.Warnings),
	}
}

// refused is the outcome of a lone entry the service refused as a request.
func refused(b *batch, a *answer) *outcome {
	detail := fmt.Sprintf("HTTP %d %s: %s", a.status, a.resp.ErrorID, a.resp.Error)
	w := spanWarning(b, msgRefused, detail)
	for _, r := range b.records {
		if r.entry != nil {
			w.Entity = r.entry.raw
		}
	}
	return &outcome{warnings: []Warning{w}}
}

// spanWarning is a client warning about every entry of b.
func spanWarning(b *batch, msg, detail string) Warning {
	w := Warning{Source: FromClient, Message: msg, Detail: detail}
	for _, r := range b.records {
		if r.entry == nil {
			continue
		}
		if w.Line == 0 {
			w.Line = r.entry.first
		}
		w.LastLine = r.entry.last
	}
	return w
}

// statusError describes an answer that ends the push.
func statusError(a *answer) error {
	what := a.resp.Error
	if what == "" && a.bad != nil {
		what = a.bad.Error()
	}
	switch {
	case a.status >= 500:
		// Retried; ErrUnavailable wraps it once the retries are spent.
		return fmt.Errorf("HTTP %d %s: %s", a.status, a.resp.ErrorID, what)
	case a.status == http.StatusUnauthorized:
		return fmt.Errorf("%w: HTTP %d %s: %s", ErrAuth, a.status, a.resp.ErrorID, what)
	}
	return fmt.Errorf("%w: HTTP %d %s: %s", ErrRefused, a.status, a.resp.ErrorID, what)
}

// login gets a token. gen is the generation of the token that failed (0
// at start): when another worker has logged in since, its token is used
// and no second login is made.
func (p *pusher) login(ctx context.Context, gen int) error {
	p.loginMu.Lock()
	defer p.loginMu.Unlock()
	if _, cur := p.cl.session(); cur != gen {
		return nil
	}
	retry := p.newRetry()
	for {
		reqCtx, cancel := context.WithTimeout(p.hard, p.opt.RequestTimeout)
		a, err := p.cl.post(reqCtx, "/auth", p.cl.loginBody(), "")
		cancel()
		switch {
		case err != nil:
			if p.hard.Err() != nil {
				return ctx.Err()
			}
			p.n.netErrors.Add(1)
			if err := retry.wait(ctx, 0, err); err != nil {
				return err
			}
		case a.status == http.StatusOK && a.resp.Token != "":
			p.n.logins.Add(1)
			p.cl.setToken(a.resp.Token, gen)
			return nil
		case a.status == http.StatusTooManyRequests:
			// The login throttle: its Retry-After may be minutes.
			p.n.throttled.Add(1)
			if err := sleep(ctx, retryAfter(a.header, time.Second)); err != nil {
				return err
			}
		case a.status >= 500:
			p.n.unavailable.Add(1)
			if err := retry.wait(ctx, retryAfter(a.header, 0), statusError(a)); err != nil {
				return err
			}
		default:
			return fmt.Errorf("logging in as %q: %w", p.opt.Credentials.Username, statusError(a))
		}
	}
}

// retrier spaces the retries of one request that failed for want of the
// service, with exponential backoff and jitter, for at most RetryFor.
type retrier struct {
	bo    *backoff.ExponentialBackOff
	since time.Time
	limit time.Duration
}

func (p *pusher) newRetry() *retrier {
	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval = 250 * time.Millisecond
	bo.MaxInterval = 15 * time.Second
	return &retrier{bo: bo, limit: p.opt.RetryFor}
}

// wait sleeps before the next try: the backoff's next interval, or the
// service's Retry-After when longer. cause is why, reported when the
// retries are spent.
func (r *retrier) wait(ctx context.Context, atLeast time.Duration, cause error) error {
	if r.since.IsZero() {
		r.since = time.Now()
	}
	if time.Since(r.since) >= r.limit {
		return fmt.Errorf("%w for %s: %w", ErrUnavailable, r.limit, cause)
	}
	return sleep(ctx, max(r.bo.NextBackOff(), atLeast))
}
