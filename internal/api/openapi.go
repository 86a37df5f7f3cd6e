package api

import (
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
	"sigs.k8s.io/yaml"

	"github.com/instant-audience/audience/docs"
)

// openAPIJSON is docs/openapi.yaml as JSON, converted once.
var openAPIJSON = sync.OnceValues(func() ([]byte, error) {
	return yaml.YAMLToJSON(docs.OpenAPI)
})

// openAPI answers GET /openapi.json with the API's description. Like
// /metrics, it is not wrapped in the envelope: tools read it as it is.
func (s *Server) openAPI(c *gin.Context) {
	doc, err := openAPIJSON()
	if err != nil {
		s.log.Error("docs/openapi.yaml does not convert to JSON", "err", err)
		fail(c, http.StatusInternalServerError, errSystem, "Internal error.")
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", doc)
}
