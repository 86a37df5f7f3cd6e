package push

import (
	"reflect"
	"testing"
)

func TestSplitCSV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		line string
		want []string
		bad  bool
	}{
		{name: "plain", line: "a,b,c", want: []string{"a", "b", "c"}},
		{name: "empty fields", line: ",,", want: []string{"", "", ""}},
		{name: "one field", line: "abc", want: []string{"abc"}},
		{name: "empty line", line: "", want: []string{""}},
		{name: "quoted", line: `"a,b",c`, want: []string{"a,b", "c"}},
		{name: "escaped quote", line: `"say ""hi""",x`, want: []string{`say "hi"`, "x"}},
		{name: "quoted empty", line: `"",x`, want: []string{"", "x"}},
		{name: "quoted last", line: `x,"y"`, want: []string{"x", "y"}},
		{name: "spaces kept", line: " a , b ", want: []string{" a ", " b "}},
		{name: "bare quote", line: `a"b,c`, bad: true},
		{name: "unclosed quote", line: `"abc,d`, bad: true},
		{name: "text after quote", line: `"a"b,c`, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _, err := splitCSV([]byte(tt.line), nil, nil)
			if tt.bad {
				if err == nil {
					t.Fatalf("no error, fields %q", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			strs := make([]string, len(got))
			for i, f := range got {
				strs[i] = string(f)
			}
			if !reflect.DeepEqual(strs, tt.want) {
				t.Errorf("got %q, want %q", strs, tt.want)
			}
		})
	}
}

func TestAppendInteger(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"10001", "10001"},
		{"007", "7"},
		{"0", "0"},
		{"-1", "-1"},
		{"-0", "0"},
		{"+5", "5"},
		{"99999999999999999999999", "99999999999999999999999"},
		{"1.5", `"1.5"`},
		{"1e3", `"1e3"`},
		{"abc", `"abc"`},
		{"-", `"-"`},
		{`a"b`, `"a\"b"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := string(appendInteger(nil, []byte(tt.in))); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestAppendString(t *testing.T) {
	t.Parallel()
	got := string(appendString(nil, []byte("a\"b\\c\x01é<")))
	if want := `"a\"b\\c\u0001é<"`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
