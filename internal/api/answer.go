package api

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/instant-audience/audience/internal/rtsegment"
)

// answerBuffers recycles the buffers of writePostAnswer: a new 32 KB one
// for each POST was most of the memory a small POST allocated.
var answerBuffers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 32<<10) }}

// writePostAnswer writes the 200 of POST /rt-segment, streaming the
// warnings rather than building the answer in memory.
//
// The contract wants a warning for every item past the caps, with the item
// as its entity, so a 1 MB body (or a tiny gzipped one) can call for an
// answer of tens of megabytes. Streamed, it costs a small buffer. Entities
// are written as the client sent them, byte for byte, which a JSON
// encoder would not do: it compacts raw messages and escapes <, > and &.
func writePostAnswer(c *gin.Context, res *rtsegment.Result) {
	c.Header("Content-Type", "application/json; charset=utf-8")
	c.Status(http.StatusOK)
	w := answerBuffers.Get().(*bufio.Writer)
	w.Reset(c.Writer)
	defer func() {
		w.Reset(nil)
		answerBuffers.Put(w)
	}()

	w.WriteString(`{"response":{"status":"OK","message":{"users_in_request":`)
	w.WriteString(strconv.Itoa(res.UsersInRequest))
	w.WriteString(`,"segments_in_request":`)
	w.WriteString(strconv.Itoa(res.SegmentsInRequest))
	w.WriteString(`},"warnings":[`)
	for i, warn := range res.Warnings {
		if i > 0 {
			w.WriteByte(',')
		}
		msg, _ := json.Marshal(warn.Message)
		w.WriteString(`{"message":`)
		w.Write(msg)
		w.WriteString(`,"entity":`)
		w.Write(warn.Entity)
		w.WriteByte('}')
	}
	w.WriteString(`]}}`)
	// A write error means the client has gone: there is no one to tell.
	_ = w.Flush()
}
