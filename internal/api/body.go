package api

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// MaxBody is the largest body accepted, counted after any gzip encoding is
// undone (1 MB, as the contract fixes).
const MaxBody = 1 << 20

var errTooLarge = fmt.Errorf("request body larger than %d bytes", MaxBody)

// readBody reads a request body of at most MaxBody bytes, inflating it
// first when it is sent with Content-Encoding gzip. It answers the error
// itself and returns false when the body cannot be read.
//
// The compressed stream is bounded too, and the inflated one is read at
// most MaxBody+1 bytes deep, so a gzip bomb costs one megabyte of memory
// and stops there.
func readBody(c *gin.Context) ([]byte, bool) {
	var r io.Reader = http.MaxBytesReader(c.Writer, c.Request.Body, MaxBody)
	switch strings.ToLower(strings.TrimSpace(c.GetHeader("Content-Encoding"))) {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, bodyError(c, err)
		}
		defer zr.Close()
		r = zr
	default:
		fail(c, http.StatusUnsupportedMediaType, errSyntax,
			"Unsupported Content-Encoding; send gzip or none.")
		return nil, false
	}

	body, err := io.ReadAll(io.LimitReader(r, MaxBody+1))
	if err != nil {
		return nil, bodyError(c, err)
	}
	if len(body) > MaxBody {
		return nil, bodyError(c, errTooLarge)
	}
	renewDeadline(c)
	return body, true
}

func bodyError(c *gin.Context, err error) bool {
	var maxErr *http.MaxBytesError
	if errors.Is(err, errTooLarge) || errors.As(err, &maxErr) {
		fail(c, http.StatusRequestEntityTooLarge, errSyntax,
			fmt.Sprintf("Request body is larger than %d bytes.", MaxBody))
		return false
	}
	// A network error names the server's and the peer's addresses: say
	// what happened without them.
	var netErr net.Error
	if errors.As(err, &netErr) {
		why := "the connection failed"
		if netErr.Timeout() {
			why = "it did not arrive within the read timeout"
		}
		fail(c, http.StatusBadRequest, errSyntax, "Request body could not be read: "+why+".")
		return false
	}
	fail(c, http.StatusBadRequest, errSyntax, "Request body could not be read: "+err.Error())
	return false
}
