package deploy

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestBinariesAreStatic builds both commands as the Dockerfile does
// (CGO_ENABLED=0, -trimpath) and checks that each ELF file asks for no
// interpreter and has no dynamic section: the distroless static image
// has no libc for it to load.
func TestBinariesAreStatic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	out := t.TempDir()
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out+"/",
		"./cmd/audience-api", "./cmd/audiencectl")
	cmd.Dir = root(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	for _, name := range []string{"audience-api", "audiencectl"} {
		t.Run(name, func(t *testing.T) {
			f, err := elf.Open(filepath.Join(out, name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
					t.Errorf("%s has a %v program header: it is dynamically linked", name, p.Type)
				}
			}
			if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
				t.Errorf("%s needs shared libraries %v", name, libs)
			}
		})
	}
}
