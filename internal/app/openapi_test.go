package app

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/gin-gonic/gin"
	"sigs.k8s.io/yaml"

	"github.com/instant-audience/audience/docs"
)

// loadSpec loads and validates docs/openapi.yaml.
func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI)
	if err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("docs/openapi.yaml is not a valid OpenAPI 3 document: %v", err)
	}
	return doc
}

// TestOpenAPIServed: the service serves the description, as JSON.
func TestOpenAPIServed(t *testing.T) {
	loadSpec(t)
	in := start(t, testConfig(""))
	a := in.do("GET", "/openapi.json", "", nil)
	want, err := yaml.YAMLToJSON(docs.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if a.status != 200 || !bytes.Equal(a.raw, want) {
		t.Fatalf("/openapi.json: %d, %d bytes, want %d", a.status, len(a.raw), len(want))
	}
}

// TestOpenAPIMatchesRoutes: every route the server has is described, and
// every operation described is a route of the server.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadSpec(t)
	in := start(t, testConfig(""))
	engine, ok := in.svc.API.Handler().(*gin.Engine)
	if !ok {
		t.Fatalf("the handler is a %T, not a gin engine", in.svc.API.Handler())
	}
	var served, described []string
	for _, r := range engine.Routes() {
		served = append(served, r.Method+" "+r.Path)
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			described = append(described, method+" "+path)
		}
	}
	slices.Sort(served)
	slices.Sort(described)
	if !slices.Equal(served, described) {
		t.Fatalf("routes and description differ\nserved:    %v\ndescribed: %v", served, described)
	}
}

// validator checks requests and answers against the description.
type validator struct {
	t      *testing.T
	router routers.Router
	opts   *openapi3filter.Options
}

func newValidator(t *testing.T) *validator {
	doc := loadSpec(t)
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &validator{t: t, router: router,
		opts: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
}

// input routes a request as the description's server would see it.
func (v *validator) input(method, target string,
	body []byte) *openapi3filter.RequestValidationInput {
	v.t.Helper()
	req, _ := http.NewRequest(method, "http://localhost:8080"+target, bytes.NewReader(body))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		v.t.Fatalf("%s %s is not described: %v", method, target, err)
	}
	return &openapi3filter.RequestValidationInput{Request: req, PathParams: params,
		Route: route, Options: v.opts}
}

// request checks a request against the description.
func (v *validator) request(method, target string, body []byte) {
	v.t.Helper()
	in := v.input(method, target, body)
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		v.t.Errorf("%s %s: the request does not fit the description: %v", method, target, err)
	}
}

// answer checks an answer to method target against the description.
func (v *validator) answer(method, target string, status int, h http.Header, raw []byte) {
	v.t.Helper()
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: v.input(method, target, nil),
		Status:                 status, Header: h, Body: io.NopCloser(bytes.NewReader(raw)),
		Options: v.opts,
	}
	err := openapi3filter.ValidateResponse(context.Background(), in)
	if err != nil {
		v.t.Errorf("%s %s: answer %d does not fit the description: %v\n%s",
			method, target, status, err, raw)
	}
}

// TestOpenAPIHoldsAnswers: the examples' requests and expected answers,
// and the server's real answers to them and to the other operations, fit
// the description.
func TestOpenAPIHoldsAnswers(t *testing.T) {
	v := newValidator(t)
	in := start(t, testConfig(""))
	jsonHeader := http.Header{"Content-Type": {"application/json"}}

	reqs, _ := filepath.Glob(filepath.Join(examplesDir, "*.request.json"))
	if len(reqs) == 0 {
		t.Log("no examples beside the repository; checking the server's answers only")
	}
	token := in.login(DemoUser, DemoPassword)
	for _, req := range reqs {
		body, err := os.ReadFile(req)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(strings.Replace(req, ".request.", ".response.", 1))
		if err != nil {
			t.Fatal(err)
		}
		v.request("POST", "/rt-segment", body)
		v.answer("POST", "/rt-segment", 200, jsonHeader, want)
		a := in.post(token, string(body))
		v.answer("POST", "/rt-segment", a.status, a.header, a.raw)
	}

	login := []byte(`{"auth":{"username":"demo","password":"demo"}}`)
	v.request("POST", "/auth", login)
	calls := []struct {
		method, target, token string
		body                  []byte
	}{
		{"POST", "/auth", "", login},
		{"POST", "/auth", "", []byte(`{"auth":{"username":"demo","password":"no"}}`)},
		{"POST", "/auth", "", []byte(`not json`)},
		{"POST", "/rt-segment", "", []byte(oneMembership)},
		{"POST", "/rt-segment", token, []byte(`{"rt_segment":{}}`)},
		{"GET", "/rt-segment?user_id=12345678900987654321", token, nil},
		{"GET", "/rt-segment?user_id=1ba98a6c-d1a5-49ef-ad1c-2d9230ebcd13&domain=idfa", token, nil},
		{"GET", "/rt-segment?user_id=x", token, nil},
		{"GET", "/rt-segment-processed", token, nil},
		{"GET", "/rt-segment-processed?agg=true", token, nil},
		{"POST", "/uid-map", token, []byte(
			`{"uid_map":[{"external_id":"a","user_id":"1"},{"external_id":""}]}`)},
		{"GET", "/healthz", "", nil},
		{"GET", "/readyz", "", nil},
		{"GET", "/openapi.json", "", nil},
		{"GET", "/metrics", "", nil},
	}
	for _, c := range calls {
		req, _ := http.NewRequest(c.method, in.base+c.target, bytes.NewReader(c.body))
		if c.token != "" {
			req.Header.Set("Authorization", c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		v.answer(c.method, c.target, resp.StatusCode, resp.Header, raw)
	}
}
