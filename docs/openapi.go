// Package docs holds the documents the service serves about itself.
package docs

import _ "embed"

// OpenAPI is the OpenAPI 3 description of the whole API, in YAML
// (docs/openapi.yaml). The server serves it as JSON at GET /openapi.json.
//
//go:embed openapi.yaml
var OpenAPI []byte
