package push_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/instant-audience/audience/internal/push"
	"github.com/instant-audience/audience/internal/store"
)

// pushFile pushes a file with opt, filling in the URL.
func pushFile(t *testing.T, ctx context.Context, svc *service, path string, opt push.Options) (
	*push.Summary, error) {
	t.Helper()
	in, err := push.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	opt.URL = svc.URL
	return push.Push(ctx, in, opt)
}

// readWarnings reads a warnings file as "line source message" strings.
func readWarnings(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var w push.Warning
		if err := json.Unmarshal(sc.Bytes(), &w); err != nil {
			t.Fatalf("warnings file line %q: %v", sc.Text(), err)
		}
		if w.Source == push.FromService && len(w.Entity) == 0 {
			t.Errorf("warning without its entity: %s", sc.Text())
		}
		out = append(out, fmt.Sprintf("%d %s %s", w.Line, w.Source, w.Message))
	}
	return out
}

const expirationRange = "'expiration' must be -1 (remove), 0 (never expire) or 1 to 259200 minutes"

// A file with malformed lines, a user of 250 segments, bad domains and bad
// blocks ends with the right counts and every warning on its line.
func TestPushMixedFile(t *testing.T) {
	t.Parallel()
	gz := gzipFile(t, "testdata/mixed.csv")
	tests := []struct {
		name     string
		file     string
		gzip     bool // compress the request bodies
		lines    int
		warnings int
		want     []string
	}{
		{
			name: "csv", file: "testdata/mixed.csv", lines: 262, warnings: 10,
			want: []string{
				"4 service Segment 99999 not found.",
				"4 service No valid segments for user_id: 1002.",
				"5 service Unknown domain 'foo'.",
				"6 service 'user_id' must be a UUID for domain 'idfa'",
				"7 client Line does not have as many fields as the header.",
				"8 client Line is not valid CSV.",
				"9 service 'seg_id' must be a positive integer",
				"9 service No valid segments for user_id: 1007.",
				"261 service " + expirationRange,
				"261 service No valid segments for user_id: 1010.",
			},
		},
		{
			name: "gzipped csv, named as neither", file: gz, gzip: true, lines: 262,
			warnings: 10,
		},
		{
			name: "jsonl", file: "testdata/mixed.jsonl", gzip: true, lines: 12, warnings: 12,
			want: []string{
				"2 service Segment 99999 not found.",
				"2 service No valid segments for user_id: 1002.",
				"3 service Unknown domain 'foo'.",
				"4 service 'user_id' must be a UUID for domain 'idfa'",
				"5 client Line is not valid JSON.",
				"6 client Line is not a JSON object.",
				"7 service 'seg_id' must be a positive integer",
				"7 service No valid segments for user_id: 1007.",
				"10 service " + expirationRange,
				"10 service No valid segments for user_id: 1010.",
				"12 service Segment with code 'x<y&z' of member 1661 not found.",
				"12 service No valid segments for user_id: 1011.",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc := startService(t)
			warnings := filepath.Join(t.TempDir(), "warnings.jsonl")
			var progress bytes.Buffer
			sum, err := pushFile(t, context.Background(), svc, tt.file, push.Options{
				Credentials: demo, Warnings: warnings, Gzip: tt.gzip, Progress: &progress,
				ProgressEvery: 10 * time.Millisecond,
			})
			if err != nil {
				t.Fatal(err)
			}
			// 1001 (2), 1008 in three entries (250), 1009 (1), the idfa user (1).
			if !sum.Complete || sum.Lines != tt.lines || sum.Users != 6 || sum.Segments != 254 ||
				sum.Warnings != tt.warnings || sum.WarningsFile != warnings {
				t.Errorf("summary %+v", sum)
			}
			noValid := sum.ByMessage["No valid segments for user_id: <id>."]
			if noValid != tt.warnings/2-2 {
				t.Errorf("%d 'No valid segments' warnings counted together", noValid)
			}
			got := readWarnings(t, warnings)
			if tt.want != nil && strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"),
					strings.Join(tt.want, "\n"))
			}
			if len(got) != tt.warnings {
				t.Errorf("%d warnings in the file", len(got))
			}

			token := login(t, svc.URL, demo)
			if got := members(t, svc.URL, token, "1008", ""); len(got) != 5 {
				t.Errorf("user 1008 has segments %v, want the 5 of member 1001", got)
			}
			if got := members(t, svc.URL, token, "6d92078a-8246-4ba4-ae5b-76104861e7dc",
				"idfa"); !slices.Equal(got, []int64{12}) {
				t.Errorf("the idfa user has segments %v", got)
			}
			if st := svc.rec.statuses(); st[http.StatusOK] != len(svc.rec.posts()) {
				t.Errorf("answers %v", st)
			}
			var text bytes.Buffer
			sum.WriteText(&text)
			for _, s := range []string{"push complete", "users accepted     6",
				"segments accepted  254",
				fmt.Sprintf("%d  No valid segments for user_id: <id>.", noValid)} {
				if !strings.Contains(text.String(), s) {
					t.Errorf("summary text lacks %q:\n%s", s, text.String())
				}
			}
		})
	}
}

// gzipFile writes a gzipped copy of path under a name that says nothing.
func gzipFile(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(raw)
	zw.Close()
	out := filepath.Join(t.TempDir(), "audience.dat")
	if err := os.WriteFile(out, z.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

// Segments of the members the tests add.
var testSegments = []int64{3001, 3002, 3003, 3004, 3005}

// writeUsers writes a file of n users of the platform's ids from first,
// each with segs seg blocks, as CSV or JSON Lines.
func writeUsers(t testing.TB, path string, format push.Format, first, n, segs int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if format == push.FormatCSV {
		w.WriteString("user_id,domain,seg_id,seg_code,member_id,value,expiration\n")
	}
	for u := first; u < first+n; u++ {
		if format == push.FormatCSV {
			for s := range segs {
				fmt.Fprintf(w, "%d,,%d,,,%d,0\n", u, testSegments[s%len(testSegments)], s)
			}
			continue
		}
		fmt.Fprintf(w, `{"user_id":"%d","seg_block":[`, u)
		for s := range segs {
			if s > 0 {
				w.WriteByte(',')
			}
			fmt.Fprintf(w, `{"seg_id":%d,"value":%d,"expiration":0}`,
				testSegments[s%len(testSegments)], s)
		}
		w.WriteString("]}\n")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// checkOnce fails unless every user from first got exactly segs seg
// blocks in the requests answered 200, and no other user any.
func checkOnce(t *testing.T, got map[string]int, first, n, segs int) {
	t.Helper()
	if len(got) != n {
		t.Errorf("%d users sent, want %d", len(got), n)
	}
	bad := 0
	for u := first; u < first+n; u++ {
		if k := fmt.Sprintf(`"%d"|`, u); got[k] != segs {
			if bad++; bad <= 5 {
				t.Errorf("user %d: %d blocks accepted, want %d", u, got[k], segs)
			}
		}
	}
}

// A push interrupted half way and resumed sends every line exactly once.
func TestPushInterruptedAndResumed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		format      push.Format
		users       int
		segs        int
		rate        int // users per second the client paces by
		concurrency int
		stopAfter   int // answers 200 before the interrupt
	}{
		{name: "csv", format: push.FormatCSV, users: 8000, segs: 2, rate: 100000,
			concurrency: 4, stopAfter: 3},
		// Batches of 200 entries at 400 users/s: 5 requests.
		{name: "jsonl, users split over entries", format: push.FormatJSONL, users: 500,
			segs: 110, rate: 400, concurrency: 2, stopAfter: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc := startRedisService(t)
			creds := addMember(t, svc.st, 2001,
				store.Limits{UsersPerSec: 100000, PostPerSec: 1000}, "fast", testSegments...)
			dir := t.TempDir()
			file := filepath.Join(dir, "users."+string(tt.format))
			writeUsers(t, file, tt.format, 1, tt.users, tt.segs)
			opt := push.Options{Credentials: creds, Concurrency: tt.concurrency,
				UsersPerSecond: tt.rate,
				Journal:        filepath.Join(dir, "journal"), Warnings: filepath.Join(dir, "w")}

			ctx, interrupt := context.WithCancel(context.Background())
			defer interrupt()
			var ok atomic.Int64
			svc.rec.onPost(nil, func(_, status int) {
				if status == http.StatusOK && ok.Add(1) == int64(tt.stopAfter) {
					interrupt()
				}
			})
			first, err := pushFile(t, ctx, svc, file, opt)
			if !errors.Is(err, push.ErrInterrupted) || first.Complete {
				t.Fatalf("first run: %v, complete %t", err, first.Complete)
			}
			entriesPerUser := (tt.segs + 99) / 100
			if first.Users == 0 || first.Users >= tt.users*entriesPerUser {
				t.Fatalf("first run accepted %d entries: not half way", first.Users)
			}
			if _, err := os.Stat(opt.Journal); err != nil {
				t.Fatalf("no journal after the interrupt: %v", err)
			}
			if _, err := pushFile(t, context.Background(), svc, file, opt); !errors.Is(err,
				push.ErrJournalExists) {
				t.Fatalf("a second push without -resume: %v", err)
			}

			opt.Resume = true
			var progress bytes.Buffer
			opt.Progress, opt.ProgressEvery = &progress, 20*time.Millisecond
			second, err := pushFile(t, context.Background(), svc, file, opt)
			if err != nil || !second.Complete {
				t.Fatalf("resume: %v", err)
			}
			if !strings.Contains(progress.String(), "users accepted (") ||
				!strings.Contains(progress.String(), "% of the input") {
				t.Errorf("progress lines: %q", progress.String())
			}
			if second.SkippedLines == 0 || second.Earlier.Users != first.Users {
				t.Errorf("resume skipped %d lines, earlier users %d (first run %d)",
					second.SkippedLines, second.Earlier.Users, first.Users)
			}
			if total := first.Users + second.Users; total != tt.users*entriesPerUser {
				t.Errorf("%d + %d entries accepted, want %d", first.Users, second.Users,
					tt.users*entriesPerUser)
			}
			checkOnce(t, svc.rec.accepted(), 1, tt.users, tt.segs)
			if _, err := os.Stat(opt.Journal); !os.IsNotExist(err) {
				t.Errorf("the journal is left after a complete push: %v", err)
			}
			if _, err := os.Stat(opt.Warnings); !os.IsNotExist(err) {
				t.Errorf("a warnings file without warnings: %v", err)
			}
		})
	}
}

// An entry the service cannot take as part of any body (nested deeper than
// it reads) is singled out by halving its request, reported on its line,
// and the other entries are applied.
func TestPushSinglesOutRefusedEntry(t *testing.T) {
	t.Parallel()
	svc := startService(t)
	deep := strings.Repeat("[", 600) + strings.Repeat("]", 600)
	var lines []string
	for u := 1; u <= 7; u++ {
		extra := ""
		if u == 4 {
			extra = `,"x":` + deep
		}
		lines = append(lines, fmt.Sprintf(`{"user_id":"%d","seg_block":[{"seg_id":10001%s}]}`,
			u, extra))
	}
	file := filepath.Join(t.TempDir(), "deep.jsonl")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	warnings := filepath.Join(t.TempDir(), "warnings")
	sum, err := pushFile(t, context.Background(), svc, file,
		push.Options{Credentials: demo, Warnings: warnings})
	if err != nil || !sum.Complete {
		t.Fatalf("push: %v", err)
	}
	if sum.Users != 6 || sum.Warnings != 1 || sum.Splits == 0 {
		t.Errorf("summary %+v", sum)
	}
	want := []string{"4 client Entry refused by the service as a whole request."}
	if got := readWarnings(t, warnings); !slices.Equal(got, want) {
		t.Errorf("warnings %q, want %q", got, want)
	}
	if got := svc.rec.statuses(); got[http.StatusBadRequest] == 0 || got[http.StatusOK] == 0 {
		t.Errorf("answers %v", got)
	}
}
