package push

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
)

// barTick is how often the bar is redrawn.
const barTick = 250 * time.Millisecond

// startProgress shows the progress until the function returned is called.
func (p *pusher) startProgress(in *Input) func() {
	w := p.opt.Progress
	if w == nil {
		return func() {}
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		if p.opt.Bar {
			p.showBar(w, stop)
		} else {
			p.showLines(w, stop)
		}
	}()
	return func() {
		close(stop)
		<-done
	}
}

// position is how far into the raw input everything is answered.
func (p *pusher) position() int64 {
	return max(p.prog.answered(), p.skippedAt.Load())
}

// progress is what the progress shows.
type progress struct {
	users, warnings int
	rate            float64       // users accepted a second, this run
	percent         float64       // of the input answered; -1 when its size is unknown
	left            time.Duration // estimated; -1 when it cannot be told
}

func (p *pusher) progress() progress {
	p.res.mu.Lock()
	pr := progress{users: p.res.users, warnings: p.res.warnings, percent: -1, left: -1}
	p.res.mu.Unlock()
	elapsed := time.Since(p.started).Seconds()
	if elapsed > 0 {
		pr.rate = float64(pr.users) / elapsed
	}
	if p.size > 0 {
		pos := p.position()
		pr.percent = 100 * float64(pos) / float64(p.size)
		if sent := pos - p.base.Load(); sent > 0 && elapsed > 0 {
			perSec := float64(sent) / elapsed
			pr.left = time.Duration(float64(p.size-pos) / perSec * float64(time.Second))
		}
	}
	return pr
}

// showLines writes a plain line every ProgressEvery, for logs and pipes.
func (p *pusher) showLines(w io.Writer, stop <-chan struct{}) {
	t := time.NewTicker(p.opt.ProgressEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			fmt.Fprintln(w, "push: "+p.progress().line())
		}
	}
}

// line writes the progress as one line.
func (pr progress) line() string {
	parts := []string{fmt.Sprintf("%d users accepted (%.0f/s)", pr.users, pr.rate),
		fmt.Sprintf("%d warnings", pr.warnings)}
	if pr.percent >= 0 {
		parts = append(parts, fmt.Sprintf("%.1f%% of the input", pr.percent))
	}
	if pr.left >= 0 {
		parts = append(parts, "about "+pr.left.Round(time.Second).String()+" left")
	}
	return strings.Join(parts, ", ")
}

// showBar draws a bar over the input's bytes, with the users accepted,
// their rate and the time left; over a pipe of unknown size, a spinner
// counting users.
func (p *pusher) showBar(w io.Writer, stop <-chan struct{}) {
	known := p.size > 0
	total := p.size
	if !known {
		total = -1
	}
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetWidth(30),
		progressbar.OptionSetPredictTime(known),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionShowDescriptionAtLineEnd(),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionThrottle(barTick/2),
	)
	t := time.NewTicker(barTick)
	defer t.Stop()
	for {
		pr := p.progress()
		bar.Describe(fmt.Sprintf("%d users, %.0f/s, %d warnings", pr.users, pr.rate,
			pr.warnings))
		if known {
			_ = bar.Set64(p.position())
		} else {
			_ = bar.Set64(int64(pr.users))
		}
		select {
		case <-stop:
			_ = bar.Exit()
			fmt.Fprintln(w)
			return
		case <-t.C:
		}
	}
}
