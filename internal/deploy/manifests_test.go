package deploy

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	kusttypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// TestManifestFiles decodes every file under k8s/ strictly: kustomization
// files into kustomize's type, the others, patches included, into the
// Kubernetes types.
func TestManifestFiles(t *testing.T) {
	dir := filepath.Join(root(t), "k8s")
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		n++
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if filepath.Base(path) == "kustomization.yaml" {
			var k kusttypes.Kustomization
			if err := yaml.UnmarshalStrict(raw, &k); err != nil {
				t.Errorf("%s: %v", rel, err)
			}
			return nil
		}
		if len(decodeAll(t, rel, raw)) == 0 {
			t.Errorf("%s: no object", rel)
		}
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("walk %s: %d files, %v", dir, n, err)
	}
}

// TestKustomizations builds the base and the example overlay as `kubectl
// apply -k` would, decodes the result strictly and checks the API's
// Deployment.
func TestKustomizations(t *testing.T) {
	for _, dir := range []string{"base", "overlays/example"} {
		t.Run(dir, func(t *testing.T) {
			k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
			res, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join(root(t), "k8s", dir))
			if err != nil {
				t.Fatalf("kustomize build: %v", err)
			}
			out, err := res.AsYaml()
			if err != nil {
				t.Fatal(err)
			}
			checkAPI(t, dir, decodeAll(t, dir, out))
		})
	}
}
