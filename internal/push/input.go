package push

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
)

// Format is the syntax of an input file.
type Format string

// The formats a push reads.
const (
	// FormatAuto tells JSON Lines from CSV by the first character: '{'
	// starts JSON Lines, anything else a CSV header.
	FormatAuto Format = "auto"
	// FormatCSV is CSV with a header, one membership a line.
	FormatCSV Format = "csv"
	// FormatJSONL is JSON Lines, one rt_segment user entry a line.
	FormatJSONL Format = "jsonl"
)

// ParseFormat reads a format name: auto, csv or jsonl ("" is auto).
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case "":
		return FormatAuto, nil
	case FormatAuto, FormatCSV, FormatJSONL:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q: use auto, csv or jsonl", s)
}

// headSize is how much of the input identifies it in the journal, and how
// far detection looks.
const headSize = 64 << 10

// gzipMagic starts every gzip stream.
var gzipMagic = []byte{0x1f, 0x8b}

// utf8BOM is skipped at the start of the input.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Input is an audience file to push.
type Input struct {
	// Name is the file's path, or "-" for standard input.
	Name string
	// Size is the raw (possibly compressed) size in bytes; -1 when unknown,
	// as for a pipe. It makes the progress show a percentage and time left.
	Size int64

	r      io.Reader
	closer io.Closer
	read   atomic.Int64 // raw bytes read so far
}

// Open opens the file at path, or stdin when path is "-".
func Open(path string, stdin io.Reader) (*Input, error) {
	if path == "-" {
		return NewInput("-", stdin, -1), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	size := int64(-1)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	in := NewInput(path, f, size)
	in.closer = f
	return in, nil
}

// NewInput wraps a reader as an input; size is -1 when unknown.
func NewInput(name string, r io.Reader, size int64) *Input {
	return &Input{Name: name, Size: size, r: r}
}

// Close closes the file Open opened.
func (in *Input) Close() error {
	if in.closer == nil {
		return nil
	}
	return in.closer.Close()
}

// Read counts the raw bytes read, for the progress.
func (in *Input) Read(p []byte) (int, error) {
	n, err := in.r.Read(p)
	in.read.Add(int64(n))
	return n, err
}

// source is an opened input: its lines, its format and what identifies it.
type source struct {
	lines  *lineReader
	format Format
	gzip   bool
	// head is the SHA-256 of the first headSize raw bytes, which the
	// journal compares on resume.
	head string
}

// prepare looks at the start of the input: it hashes it, undoes gzip
// (recognised by its magic bytes, whatever the file is called) and,
// for FormatAuto, tells the format.
func prepare(in *Input, f Format) (*source, error) {
	raw := bufio.NewReaderSize(in, headSize)
	head, err := raw.Peek(headSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("reading %s: %w", in.Name, err)
	}
	sum := sha256.Sum256(head)
	src := &source{format: f, head: hex.EncodeToString(sum[:])}

	var data io.Reader = raw
	if bytes.HasPrefix(head, gzipMagic) {
		zr, err := gzip.NewReader(raw)
		if err != nil {
			return nil, fmt.Errorf("reading %s as gzip: %w", in.Name, err)
		}
		data = zr
		src.gzip = true
	}
	br := bufio.NewReaderSize(data, headSize)
	if f == FormatAuto {
		peek, err := br.Peek(4096)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("reading %s: %w", in.Name, err)
		}
		src.format = detect(peek)
	}
	src.lines = newLineReader(br)
	return src, nil
}

// offset is how far into the raw input the lines read so far reach: exact
// for plain text; for gzip, what was read of the compressed stream, which
// runs ahead by a buffer.
func (s *source) offset(in *Input) int64 {
	if s.gzip {
		return in.read.Load()
	}
	return s.lines.consumed
}

// detect tells JSON Lines from CSV: JSON Lines start with '{' once a byte
// order mark and white space are skipped.
func detect(peek []byte) Format {
	peek = bytes.TrimLeft(bytes.TrimPrefix(peek, utf8BOM), " \t\r\n")
	if len(peek) > 0 && peek[0] == '{' {
		return FormatJSONL
	}
	return FormatCSV
}

// maxLine bounds one line of input. A JSON Lines user with more segments
// than fit in this is cut, reported and skipped; 16 MiB holds about
// 400,000 seg blocks.
const maxLine = 16 << 20

// lineReader reads lines of any length up to maxLine and counts them.
type lineReader struct {
	r        *bufio.Reader
	n        int   // lines read
	consumed int64 // bytes of the lines read, line endings included
	max      int
	buf      []byte
}

func newLineReader(r *bufio.Reader) *lineReader {
	return &lineReader{r: r, max: maxLine}
}

// next returns the next line without its line ending and its number.
// long reports a line longer than the bound: it is consumed whole and
// returned empty. err is io.EOF after the last line.
func (l *lineReader) next() (line []byte, n int, long bool, err error) {
	l.buf = l.buf[:0]
	got := false
	for {
		chunk, err := l.r.ReadSlice('\n')
		got = got || len(chunk) > 0
		l.consumed += int64(len(chunk))
		if !long && len(l.buf)+len(chunk) <= l.max+2 {
			l.buf = append(l.buf, chunk...)
		} else {
			long, l.buf = true, l.buf[:0]
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) && !got {
			return nil, 0, false, io.EOF
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, 0, false, fmt.Errorf("reading the input: %w", err)
		}
		break
	}
	l.n++
	line = bytes.TrimSuffix(bytes.TrimSuffix(l.buf, []byte{'\n'}), []byte{'\r'})
	if l.n == 1 {
		line = bytes.TrimPrefix(line, utf8BOM)
	}
	return line, l.n, long, nil
}
