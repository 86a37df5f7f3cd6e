package testredis

import (
	"os"
	"strings"
)

// logTailLines is how much of a server's log a failed test shows.
const logTailLines = 80

// logTail returns the last lines of the log file at path.
func logTail(path string) string {
	lines := strings.Split(strings.TrimRight(readFrom(path, 0), "\n"), "\n")
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	return strings.Join(lines, "\n")
}

// fileSize returns the size of the file at path, or 0 if it cannot be read.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// readFrom returns the file at path from byte offset on, or "" if it cannot
// be read.
func readFrom(path string, offset int64) string {
	b, err := os.ReadFile(path)
	if err != nil || offset > int64(len(b)) {
		return ""
	}
	return string(b[offset:])
}
