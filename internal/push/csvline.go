package push

import (
	"errors"
	"fmt"
)

// CSV is split line by line here rather than by encoding/csv: that reader
// lets a quoted field run over line breaks, so one stray quote would swallow
// the rest of the file as a single bad record. Memberships never hold a
// line break, so a line is always one record, and a bad line costs only
// itself.

// errCSVQuote is a quote where RFC 4180 allows none.
var errCSVQuote = errors.New("bare quote in a field")

// splitCSV splits one line into its fields by RFC 4180: fields separated by
// commas, a field that starts with a quote runs to the next lone quote, and
// "" inside it stands for one quote. The fields are appended to dst and
// point into line or into scratch; the grown scratch is returned too.
func splitCSV(line []byte, dst [][]byte, scratch []byte) ([][]byte, []byte, error) {
	dst = dst[:0]
	scratch = scratch[:0]
	i := 0
	for {
		if i < len(line) && line[i] == '"' {
			start := len(scratch)
			j := i + 1
			for {
				if j >= len(line) {
					return nil, scratch, fmt.Errorf("field %d: unclosed quote", len(dst)+1)
				}
				c := line[j]
				if c == '"' {
					if j+1 < len(line) && line[j+1] == '"' {
						scratch = append(scratch, '"')
						j += 2
						continue
					}
					break
				}
				scratch = append(scratch, c)
				j++
			}
			dst = append(dst, scratch[start:len(scratch):len(scratch)])
			i = j + 1
			if i < len(line) && line[i] != ',' {
				return nil, scratch, fmt.Errorf("field %d: text after the closing quote",
					len(dst))
			}
		} else {
			j := i
			for j < len(line) && line[j] != ',' {
				if line[j] == '"' {
					return nil, scratch, fmt.Errorf("field %d: %w", len(dst)+1, errCSVQuote)
				}
				j++
			}
			dst = append(dst, line[i:j:j])
			i = j
		}
		if i >= len(line) {
			return dst, scratch, nil
		}
		i++ // the comma
	}
}
