package resp_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"lattice/shared/resp"
)

// describe renders a Value compactly for comparisons in tests.
func describe(v resp.Value) string {
	var b strings.Builder
	if v.Attrs != nil {
		b.WriteString("|")
		b.WriteString(describeList(v.Attrs))
	}
	b.WriteByte(byte(v.Type))
	switch {
	case v.Null:
		b.WriteString("null")
	case v.Type == resp.TypeInt || v.Type == resp.TypeBool:
		fmt.Fprint(&b, v.Int)
	case v.Type == resp.TypeNull:
	case v.Elems != nil:
		b.WriteString(describeList(v.Elems))
	default:
		fmt.Fprintf(&b, "%q", v.Str)
	}
	return b.String()
}

func describeList(vs []resp.Value) string {
	parts := make([]string, len(vs))
	for i, e := range vs {
		parts[i] = describe(e)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func TestReadReply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string // describe() of the value, or the error's text
	}{
		{name: "simple", in: "+OK\r\n", want: `+"OK"`},
		{name: "error", in: "-ERR bad\r\n", want: `-"ERR bad"`},
		{name: "int", in: ":-12\r\n", want: `:-12`},
		{name: "int plus", in: ":+12\r\n", want: `:12`},
		{name: "bulk", in: "$5\r\na\r\nbc\r\n", want: `$"a\r\nbc"`},
		{name: "bulk empty", in: "$0\r\n\r\n", want: `$""`},
		{name: "null bulk", in: "$-1\r\n", want: `$null`},
		{name: "null array", in: "*-1\r\n", want: `*null`},
		{name: "empty array", in: "*0\r\n", want: `*[]`},
		{name: "array", in: "*3\r\n:1\r\n$1\r\nx\r\n*1\r\n+y\r\n", want: `*[:1 $"x" *[+"y"]]`},
		{name: "null", in: "_\r\n", want: `_`},
		{name: "double", in: ",1.5e-3\r\n", want: `,"1.5e-3"`},
		{name: "double inf", in: ",-inf\r\n", want: `,"-inf"`},
		{name: "bool", in: "#t\r\n", want: `#1`},
		{name: "bool false", in: "#f\r\n", want: `#0`},
		{name: "blob error", in: "!8\r\nERR a\r\nb\r\n", want: `!"ERR a\r\nb"`},
		{name: "verbatim", in: "=6\r\ntxt:hi\r\n", want: `="txt:hi"`},
		{name: "big number", in: "(-123456789012345678901234567890\r\n", want: `("-123456789012345678901234567890"`},
		{name: "map", in: "%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n", want: `%[+"a" :1 +"b" :2]`},
		{name: "set", in: "~2\r\n+a\r\n+b\r\n", want: `~[+"a" +"b"]`},
		{name: "push", in: ">2\r\n+message\r\n+x\r\n", want: `>[+"message" +"x"]`},
		{name: "attribute", in: "|1\r\n+ttl\r\n:3\r\n:7\r\n", want: `|[+"ttl" :3]:7`},
		{name: "attribute in array", in: "*2\r\n|1\r\n+a\r\n_\r\n:1\r\n:2\r\n", want: `*[|[+"a" _]:1 :2]`},
		{name: "streamed string", in: "$?\r\n;2\r\nab\r\n;1\r\nc\r\n;0\r\n", want: `$"abc"`},
		{name: "streamed array", in: "*?\r\n:1\r\n:2\r\n.\r\n", want: `*[:1 :2]`},
		{name: "streamed map", in: "%?\r\n+a\r\n:1\r\n.\r\n", want: `%[+"a" :1]`},
		{name: "streamed map odd", in: "%?\r\n+a\r\n.\r\n", want: `ERR Protocol error: invalid end of streamed aggregate`},
		{name: "partial", in: "*2\r\n:1\r\n", want: "incomplete"},
		{name: "partial bulk", in: "$3\r\nab", want: "incomplete"},
		{name: "partial line", in: "+OK\r", want: "incomplete"},
		{name: "empty", in: "", want: "incomplete"},
		{name: "bad type", in: "x\r\n", want: `ERR Protocol error: invalid reply type byte 'x'`},
		{name: "bad int", in: ":1x\r\n", want: `ERR Protocol error: invalid integer`},
		{name: "bad bool", in: "#x\r\n", want: `ERR Protocol error: invalid boolean`},
		{name: "bad double", in: ",0x1p3\r\n", want: `ERR Protocol error: invalid double`},
		{name: "bad big number", in: "(12a\r\n", want: `ERR Protocol error: invalid big number`},
		{name: "bad null", in: "_x\r\n", want: `ERR Protocol error: invalid null`},
		{name: "bad verbatim", in: "=3\r\ntxt\r\n", want: `ERR Protocol error: invalid verbatim string`},
		{name: "bulk without crlf", in: "$1\r\nabc\r\n", want: `ERR Protocol error: expected CRLF after bulk data`},
		{name: "bare lf", in: "+a\nb\r\n", want: `ERR Protocol error: expected CRLF at end of line`},
		{name: "cr without lf", in: "+a\rb\r\n", want: `ERR Protocol error: expected CRLF at end of line`},
		{name: "bulk length", in: "$-2\r\n", want: `ERR Protocol error: invalid bulk length`},
		{name: "bulk too long", in: "$536870913\r\n", want: `ERR Protocol error: invalid bulk length`},
		{name: "array length", in: "*2147483648\r\n", want: `ERR Protocol error: invalid multibulk length`},
		{name: "null set", in: "~-1\r\n", want: `ERR Protocol error: invalid multibulk length`},
		{name: "null blob error", in: "!-1\r\n", want: `ERR Protocol error: invalid bulk length`},
		{name: "too deep", in: strings.Repeat("*1\r\n", 65) + ":1\r\n", want: `ERR Protocol error: reply nested too deeply`},
		{name: "deep enough", in: strings.Repeat("*1\r\n", 64) + "_\r\n", want: strings.Repeat("*[", 64) + "_" + strings.Repeat("]", 64)},
		{name: "huge count short input", in: "*2147483647\r\n:1\r\n", want: "incomplete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := []byte(tt.in + "+next\r\n")
			if tt.want == "incomplete" {
				in = []byte(tt.in)
			}
			v, n, err := resp.ReadReply(in)
			got := ""
			switch {
			case err != nil:
				got = errText(err)
			case n != len(tt.in):
				got = fmt.Sprintf("consumed %d of %d", n, len(tt.in))
			default:
				got = describe(v)
			}
			if got != tt.want {
				t.Errorf("ReadReply(%.60q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

// TestReadReply_prefixes checks that every proper prefix of a valid reply is
// incomplete, never an error or a shorter value.
func TestReadReply_prefixes(t *testing.T) {
	t.Parallel()
	replies := []string{
		"*3\r\n:1\r\n$3\r\nfoo\r\n%1\r\n+a\r\n,1.5\r\n",
		"$?\r\n;2\r\nab\r\n;0\r\n",
		"|1\r\n+k\r\n#t\r\n~1\r\n(12\r\n",
		"*?\r\n=6\r\ntxt:hi\r\n!1\r\nx\r\n.\r\n",
	}
	for _, r := range replies {
		if _, n, err := resp.ReadReply([]byte(r)); err != nil || n != len(r) {
			t.Fatalf("ReadReply(%q) = %d, %v", r, n, err)
		}
		for i := range len(r) {
			if _, n, err := resp.ReadReply([]byte(r[:i])); !errors.Is(err, resp.ErrIncomplete) || n != 0 {
				t.Errorf("ReadReply(%q) = %d, %v; want incomplete", r[:i], n, err)
			}
		}
	}
}

func TestReadReplyLimits(t *testing.T) {
	t.Parallel()
	lim := resp.Limits{MaxBulkLen: 4, MaxDepth: 2, MaxCountLine: 8}
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "bulk at limit", in: "$4\r\nabcd\r\n", want: `$"abcd"`},
		{name: "bulk over limit", in: "$5\r\n", want: "MaxBulkLen"},
		{name: "streamed over limit", in: "$?\r\n;3\r\nabc\r\n;2\r\n", want: "MaxBulkLen"},
		{name: "depth at limit", in: "*1\r\n*1\r\n:1\r\n", want: `*[*[:1]]`},
		{name: "depth over limit", in: "*1\r\n*1\r\n*1\r\n:1\r\n", want: "MaxDepth"},
		{name: "long line", in: ":123456789", want: "MaxCountLine"},
		{name: "long simple", in: "+abcde", want: "MaxBulkLen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, _, err := resp.ReadReplyLimits([]byte(tt.in), lim)
			got := ""
			var le *resp.LimitError
			switch {
			case errors.As(err, &le):
				got = le.Name
			case err != nil:
				got = err.Error()
			default:
				got = describe(v)
			}
			if got != tt.want {
				t.Errorf("ReadReplyLimits(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}
