package push

import (
	"encoding/json"
	"unicode/utf8"
)

// Where a warning comes from.
const (
	// FromService is a warning the service answered about an entry or a
	// seg block, which was skipped; the rest of the request was applied.
	FromService = "service"
	// FromClient is a line the client could not read or send; it was
	// skipped and never reached the service.
	FromClient = "client"
)

// Warning is one problem with the input, as the warnings file holds it
// (one JSON object a line).
type Warning struct {
	// Line is the input line the problem is on; for an entry made of
	// several CSV lines, the first of them. 0 when it could not be told.
	Line int `json:"line"`
	// LastLine is the last line of that entry; equal to Line otherwise.
	LastLine int `json:"last_line"`
	// Source is FromService or FromClient.
	Source string `json:"source"`
	// Message says what is wrong. The service's texts are kept byte for
	// byte; the client's own are fixed sentences, so that warnings of one
	// kind count together in the summary.
	Message string `json:"message"`
	// Detail adds what varies from line to line, for the client's own
	// warnings (a parse error and its column).
	Detail string `json:"detail,omitempty"`
	// Entity is the item the service warned about, exactly as it was sent.
	Entity json.RawMessage `json:"entity,omitempty"`
	// Text is the start of the line, for the client's own warnings.
	Text string `json:"text,omitempty"`
}

// The client's own warning texts.
const (
	msgNotUTF8       = "Line is not UTF-8 text."
	msgLongLine      = "Line is longer than 16 MiB."
	msgNotObject     = "Line is not a JSON object."
	msgNotJSON       = "Line is not valid JSON."
	msgCSVSyntax     = "Line is not valid CSV."
	msgCSVFields     = "Line does not have as many fields as the header."
	msgCSVNoUser     = "Line has no user_id."
	msgBlockTooLarge = "Seg block is larger than a request may be."
	msgEntryTooLarge = "Entry is larger than a request may be."
	msgRefused       = "Entry refused by the service as a whole request."
	msgUnreadable    = "Request applied (answered 200), but the answer could not be read;" +
		" its warnings are unknown."
)

// maxText bounds the line text kept in a client warning.
const maxText = 512

// clientWarning is a warning of the client about one line.
func clientWarning(line int, msg, detail string, text []byte) Warning {
	return Warning{Line: line, LastLine: line, Source: FromClient, Message: msg,
		Detail: detail, Text: clipText(text)}
}

// clipText keeps the start of a line, cut on a character boundary, and
// only when it is UTF-8 text.
func clipText(text []byte) string {
	if len(text) > maxText {
		cut := maxText
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	if !utf8.Valid(text) {
		return ""
	}
	return string(text)
}
