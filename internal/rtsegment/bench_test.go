package rtsegment

import (
	"encoding/json"
	"fmt"
	"testing"
)

// bigBody is a request at the size limit's scale: 1000 users of 5 blocks,
// indented as clients pretty-print it, a little under 1 MB.
func bigBody(tb testing.TB) []byte {
	tb.Helper()
	segs := []map[string]any{
		{"seg_id": 10001, "seg_code": nil, "value": 1, "expiration": 1440, "member_id": nil},
		{"seg_id": 10002, "seg_code": nil, "value": 7, "expiration": 0, "member_id": 1001},
		{"seg_code": "abcd", "member_id": 1661, "value": 0, "expiration": -1},
		{"seg_code": "zywx", "member_id": 1262, "value": 2147483647, "expiration": nil},
		{"seg_id": 23784, "value": 3, "expiration": 259200, "member_id": nil},
	}
	entries := make([]map[string]any, 1000)
	for i := range entries {
		entries[i] = map[string]any{
			"user_id":   fmt.Sprintf("%020d", 12345678900987654321-uint64(i)*7919),
			"domain":    nil,
			"seg_block": segs,
		}
		if i%4 == 1 {
			entries[i]["domain"] = "IDFA"
			entries[i]["user_id"] = fmt.Sprintf("1BA98A6C-D1A5-49EF-AD1C-2D92%08X", i)
		}
	}
	b, err := json.MarshalIndent(map[string]any{"rt_segment": entries}, "", "   ")
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func BenchmarkParseAndCheck1000Users(b *testing.B) {
	body := bigBody(b)
	policy := demoPolicy()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req, err := Parse(body, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		_ = req.Refs()
		res := req.Check(policy)
		if res.UsersInRequest != 1000 || res.SegmentsInRequest != 5000 {
			b.Fatalf("accepted %d users, %d blocks", res.UsersInRequest, res.SegmentsInRequest)
		}
	}
	b.ReportMetric(float64(len(body)), "body-bytes")
}

// BenchmarkParseAndCheckParallel shows the hot path under the concurrency
// of a busy replica: Parse shares nothing between calls.
func BenchmarkParseAndCheckParallel(b *testing.B) {
	body := bigBody(b)
	policy := demoPolicy()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, err := Parse(body, Limits{})
			if err != nil {
				b.Fatal(err)
			}
			req.Check(policy)
		}
	})
}
