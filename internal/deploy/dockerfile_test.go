package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDockerfile checks the habits the image relies on, which a linter
// does not know: base images pinned by digest, modules downloaded in
// their own layer before the sources are copied, cgo off, a non-root
// user in the final stage, OCI labels, and a .dockerignore that keeps
// the build context to what the build copies.
func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	lines := instructions(string(raw))
	var froms []string
	download, copySrc, user, cgo := -1, -1, "", false
	labels := 0
	for i, l := range lines {
		switch f := strings.Fields(l); strings.ToUpper(f[0]) {
		case "FROM":
			froms = append(froms, f[1])
			user = ""
		case "RUN":
			if strings.Contains(l, "go mod download") && download < 0 {
				download = i
			}
		case "COPY":
			if strings.Contains(l, "internal/") && copySrc < 0 {
				copySrc = i
			}
		case "ENV":
			cgo = cgo || strings.Contains(l, "CGO_ENABLED=0")
		case "USER":
			user = f[1]
		case "LABEL":
			labels += strings.Count(l, "org.opencontainers.image.")
		}
	}
	pinned := regexp.MustCompile(`^[^@\s]+:[^@\s]+@sha256:[0-9a-f]{64}$`)
	for _, from := range froms {
		if !pinned.MatchString(from) {
			t.Errorf("FROM %s is not pinned by tag and digest", from)
		}
	}
	if len(froms) < 2 {
		t.Errorf("%d stages, want a build stage and a final one", len(froms))
	}
	if download < 0 || copySrc < 0 || download > copySrc {
		t.Error("go mod download does not run before the sources are copied")
	}
	if !cgo {
		t.Error("CGO_ENABLED=0 is not set")
	}
	if user == "" || user == "root" || user == "0" || strings.HasPrefix(user, "0:") {
		t.Errorf("the final stage runs as %q, want a non-root user", user)
	}
	if labels < 4 {
		t.Errorf("%d OCI labels, want the title, source, version and revision at least", labels)
	}

	ignore, err := os.ReadFile(filepath.Join(root(t), ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"*", "!go.mod", "!go.sum", "!cmd/", "!internal/", "!docs/"} {
		if !strings.Contains("\n"+string(ignore)+"\n", "\n"+want+"\n") {
			t.Errorf(".dockerignore has no line %q", want)
		}
	}
}

// instructions returns the Dockerfile's instructions, continuation lines
// joined and comments dropped.
func instructions(src string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		out = append(out, cur.String())
		cur.Reset()
	}
	return out
}
