package api

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// Error ids of the contract.
const (
	errSyntax = "SYNTAX"
	errNoAuth = "NOAUTH"
	errUnauth = "UNAUTH"
	errLimit  = "LIMIT"
	errSystem = "SYSTEM"
)

// envelope wraps every JSON body the service returns.
type envelope struct {
	Response any `json:"response"`
}

// errorBody is the response of every error. ErrorCode is set on 429 and
// 503 only, as clients of the reference service expect.
type errorBody struct {
	Status    string `json:"status"`
	ErrorID   string `json:"error_id"`
	Error     string `json:"error"`
	ErrorCode string `json:"error_code,omitempty"`
}

// statusOK is the body of an answer with nothing more to say.
type statusOK struct {
	Status string `json:"status"`
}

func writeOK(c *gin.Context, body any) {
	c.JSON(http.StatusOK, envelope{Response: body})
}

// fail answers an error and stops the handler chain.
func fail(c *gin.Context, status int, id, text string) {
	body := errorBody{Status: "error", ErrorID: id, Error: text}
	switch status {
	case http.StatusTooManyRequests:
		body.ErrorCode = "RATE_EXCEEDED"
	case http.StatusServiceUnavailable:
		body.ErrorCode = "SERVICE_UNAVAILABLE"
	}
	c.AbortWithStatusJSON(status, envelope{Response: body})
}

// unavailable answers 503 SYSTEM with a Retry-After: the store could not
// do the work, so nothing is acknowledged and the client should retry.
func unavailable(c *gin.Context) {
	c.Header("Retry-After", "1")
	fail(c, http.StatusServiceUnavailable, errSystem,
		"The service is temporarily unavailable. Please retry.")
}

// retryAfter formats a wait as whole seconds, rounded up, at least 1.
func retryAfter(d time.Duration) string {
	s := int64(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return strconv.FormatInt(s, 10)
}
