package rtsegment

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// examplesDir holds the reference's request and answer pairs, beside the
// contract at the root of the shared tree.
const examplesDir = "../../../shared/examples"

// exampleRequests returns the paths of the example requests, skipping the
// test when the shared tree is not there.
func exampleRequests(tb testing.TB) []string {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join(examplesDir, "*.request.json"))
	if err != nil || len(paths) == 0 {
		tb.Skipf("no examples in %s", examplesDir)
	}
	return paths
}

func TestExamples(t *testing.T) {
	for _, reqPath := range exampleRequests(t) {
		name := strings.TrimSuffix(filepath.Base(reqPath), ".request.json")
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(reqPath)
			if err != nil {
				t.Fatal(err)
			}
			wantBytes, err := os.ReadFile(strings.TrimSuffix(reqPath, ".request.json") +
				".response.json")
			if err != nil {
				t.Fatal(err)
			}
			var want any
			if err := json.Unmarshal(wantBytes, &want); err != nil {
				t.Fatal(err)
			}

			req, err := Parse(body, Limits{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := answer(req.Check(demoPolicy()))
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", "  ")
				t.Errorf("answer differs\ngot:  %.3000s", g)
			}
		})
	}
}
