package resp_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"lattice/shared/resp"
)

// parseAll parses every complete command in buf and describes the result:
// the commands (as Go-quoted argument lists), then "incomplete" or the
// protocol error's reply.
func parseAll(buf []byte, lim resp.Limits) []string {
	var out []string
	for {
		args, n, err := resp.Parse(buf, lim)
		if err != nil {
			return append(out, errText(err))
		}
		if n <= 0 || n > len(buf) {
			return append(out, fmt.Sprintf("bad n=%d", n))
		}
		out = append(out, quoteArgs(args))
		buf = buf[n:]
	}
}

func errText(err error) string {
	if errors.Is(err, resp.ErrIncomplete) {
		return "incomplete"
	}
	var pe *resp.ProtocolError
	if errors.As(err, &pe) {
		return pe.Reply
	}
	return "unexpected: " + err.Error()
}

func quoteArgs(args [][]byte) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = fmt.Sprintf("%q", a)
	}
	return "[" + strings.Join(q, " ") + "]"
}

// The expectations below were checked against redis-server 7.0.15 over a
// raw socket; hub/compat's TestCompatProtocol keeps checking them.
func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		lim  resp.Limits
		want []string
	}{
		{name: "multibulk", in: "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", want: []string{`["GET" "k"]`, "incomplete"}},
		{name: "pipeline", in: "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", want: []string{`["PING"]`, `["ECHO" ""]`, "incomplete"}},
		{name: "binary arg", in: "*1\r\n$4\r\n\r\n\x00\xff\r\n", want: []string{`["\r\n\x00\xff"]`, "incomplete"}},
		{name: "empty buffer", in: "", want: []string{"incomplete"}},
		{name: "zero count", in: "*0\r\n", want: []string{"[]", "incomplete"}},
		{name: "negative count", in: "*-1\r\n*-2\r\n", want: []string{"[]", "[]", "incomplete"}},
		{name: "crlf after data unchecked", in: "*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n", want: []string{`["PING"]`, `["PING"]`, "incomplete"}},
		{name: "byte after count cr unchecked", in: "*1\rX$4\r\nPING\r\n", want: []string{`["PING"]`, "incomplete"}},
		{name: "count line without lf", in: "*1\r", want: []string{"incomplete"}},
		{name: "data without crlf", in: "*1\r\n$3\r\nabc\r", want: []string{"incomplete"}},
		{name: "count leading zero", in: "*01\r\n", want: []string{"ERR Protocol error: invalid multibulk length"}},
		{name: "count plus sign", in: "*+1\r\n", want: []string{"ERR Protocol error: invalid multibulk length"}},
		{name: "count minus zero", in: "*-0\r\n", want: []string{"ERR Protocol error: invalid multibulk length"}},
		{name: "count empty", in: "*\r\n", want: []string{"ERR Protocol error: invalid multibulk length"}},
		{name: "count letters", in: "*x\r\n", want: []string{"ERR Protocol error: invalid multibulk length"}},
		{name: "count above int max", in: "*2147483648\r\n", want: []string{"ERR Protocol error: invalid multibulk length"}},
		{name: "count int max waits", in: "*2147483647\r\n", lim: resp.Limits{MaxArgs: 1 << 31}, want: []string{"incomplete"}},
		{name: "count beyond max args", in: "*2147483647\r\n", want: []string{"ERR Protocol error: invalid multibulk length"}},
		{name: "bulk null", in: "*1\r\n$-1\r\n", want: []string{"ERR Protocol error: invalid bulk length"}},
		{name: "bulk negative", in: "*1\r\n$-2\r\n", want: []string{"ERR Protocol error: invalid bulk length"}},
		{name: "bulk leading zero", in: "*1\r\n$04\r\nPING\r\n", want: []string{"ERR Protocol error: invalid bulk length"}},
		{name: "bulk empty length", in: "*1\r\n$\r\n", want: []string{"ERR Protocol error: invalid bulk length"}},
		{name: "bulk letters", in: "*1\r\n$abc\r\n", want: []string{"ERR Protocol error: invalid bulk length"}},
		{name: "bulk max len", in: "*1\r\n$536870912\r\n", want: []string{"incomplete"}},
		{name: "bulk beyond max len", in: "*1\r\n$536870913\r\n", want: []string{"ERR Protocol error: invalid bulk length"}},
		{name: "bulk beyond int64", in: "*1\r\n$99999999999999999999\r\n", want: []string{"ERR Protocol error: invalid bulk length"}},
		{name: "expected dollar", in: "*1\r\n:1\r\n", want: []string{"ERR Protocol error: expected '$', got ':'"}},
		{name: "expected dollar got cr", in: "*1\r\n\r\n", want: []string{"ERR Protocol error: expected '$', got ' '"}},
		{name: "expected dollar got lf", in: "*1\r\n\n1\r\n", want: []string{"ERR Protocol error: expected '$', got ' '"}},
		{name: "expected dollar got high byte", in: "*1\r\n\xff1\r\n", want: []string{"ERR Protocol error: expected '$', got '\xff'"}},
		{name: "dollar checked once line is whole", in: "*1\r\n:1", want: []string{"incomplete"}},
		{name: "nul hides count cr", in: "*1\x00\r\n$4\r\nPING\r\n", want: []string{"incomplete"}},
		{name: "nul hides bulk cr", in: "*1\r\n\x00\r\n", want: []string{"incomplete"}},
		{name: "nul inside data", in: "*1\r\n$4\r\nPI\x00G\r\n", want: []string{`["PI\x00G"]`, "incomplete"}},
		{name: "mbulk count line too big", in: "*" + strings.Repeat("1", 65536), want: []string{"ERR Protocol error: too big mbulk count string"}},
		{name: "mbulk count line at limit", in: "*" + strings.Repeat("1", 65535), want: []string{"incomplete"}},
		{name: "mbulk count line too big with cr", in: "*" + strings.Repeat("1", 65536) + "\r\n", want: []string{"ERR Protocol error: too big mbulk count string"}},
		{name: "bulk count line too big", in: "*1\r\n$" + strings.Repeat("1", 65536), want: []string{"ERR Protocol error: too big bulk count string"}},
		{name: "unauth count", in: "*11\r\n", lim: resp.Limits{Unauthenticated: true}, want: []string{"ERR Protocol error: unauthenticated multibulk length"}},
		{name: "unauth count at limit", in: "*10\r\n", lim: resp.Limits{Unauthenticated: true}, want: []string{"incomplete"}},
		{name: "unauth negative count", in: "*-5\r\n", lim: resp.Limits{Unauthenticated: true}, want: []string{"[]", "incomplete"}},
		{name: "unauth invalid before unauth", in: "*2147483648\r\n", lim: resp.Limits{Unauthenticated: true}, want: []string{"ERR Protocol error: invalid multibulk length"}},
		{name: "unauth bulk", in: "*1\r\n$16385\r\n", lim: resp.Limits{Unauthenticated: true}, want: []string{"ERR Protocol error: unauthenticated bulk length"}},
		{name: "unauth bulk at limit", in: "*1\r\n$16384\r\n", lim: resp.Limits{Unauthenticated: true}, want: []string{"incomplete"}},
		{name: "unauth invalid bulk first", in: "*1\r\n$99999999999\r\n", lim: resp.Limits{Unauthenticated: true}, want: []string{"ERR Protocol error: invalid bulk length"}},
		{name: "unauth inline unbounded", in: "a b c d e f g h i j k l\r\n", lim: resp.Limits{Unauthenticated: true}, want: []string{`["a" "b" "c" "d" "e" "f" "g" "h" "i" "j" "k" "l"]`, "incomplete"}},
		{name: "custom max bulk", in: "*1\r\n$9\r\n", lim: resp.Limits{MaxBulkLen: 8}, want: []string{"ERR Protocol error: invalid bulk length"}},
		{name: "custom max args", in: "*9\r\n", lim: resp.Limits{MaxArgs: 8}, want: []string{"ERR Protocol error: invalid multibulk length"}},

		{name: "inline", in: "SET k v\r\nGET k\n", want: []string{`["SET" "k" "v"]`, `["GET" "k"]`, "incomplete"}},
		{name: "inline partial", in: "GET k", want: []string{"incomplete"}},
		{name: "inline cr without lf", in: "GET k\r", want: []string{"incomplete"}},
		{name: "inline empty lines", in: "\r\n\n  \t\r\n\r\r\n", want: []string{"[]", "[]", "[]", "[]", "incomplete"}},
		{name: "inline blanks", in: "\v echo  x\t\f\r\n", want: []string{`["echo" "x"]`, "incomplete"}},
		{name: "inline vertical tab inside arg", in: "echo a\vb\n", want: []string{`["echo" "a\vb"]`, "incomplete"}},
		{name: "inline cr inside line", in: "a\rb\n", want: []string{`["a" "b"]`, "incomplete"}},
		{name: "inline double quotes", in: `set a "\x41\n\q\r\t\b\a\"\\"` + "\n", want: []string{`["set" "a" "A\nq\r\t\b\a\"\\"]`, "incomplete"}},
		{name: "inline short hex", in: `echo "\x4"` + "\n", want: []string{`["echo" "x4"]`, "incomplete"}},
		{name: "inline bad hex", in: `echo "\xg1"` + "\n", want: []string{`["echo" "xg1"]`, "incomplete"}},
		{name: "inline single quotes", in: `echo 'a\'b\n'` + "\n", want: []string{`["echo" "a'b\\n"]`, "incomplete"}},
		{name: "inline empty quotes", in: `echo "" ''` + "\n", want: []string{`["echo" "" ""]`, "incomplete"}},
		{name: "inline quote glued to prefix", in: `echo x"y" z` + "\n", want: []string{`["echo" "xy" "z"]`, "incomplete"}},
		{name: "inline quote followed by vertical tab", in: "echo \"a\"\v\n", want: []string{`["echo" "a"]`, "incomplete"}},
		{name: "inline unterminated", in: "set a \"x\n", want: []string{"ERR Protocol error: unbalanced quotes in request"}},
		{name: "inline unterminated single", in: "set a 'x\n", want: []string{"ERR Protocol error: unbalanced quotes in request"}},
		{name: "inline trailing backslash", in: "set a \"x\\\n", want: []string{"ERR Protocol error: unbalanced quotes in request"}},
		{name: "inline text after quote", in: "set a \"x\"y\n", want: []string{"ERR Protocol error: unbalanced quotes in request"}},
		{name: "inline text after single quote", in: "set a 'x'y\n", want: []string{"ERR Protocol error: unbalanced quotes in request"}},
		{name: "inline nul hides lf", in: "PING\x00\r\nPING\r\n", want: []string{"incomplete"}},
		{name: "inline too big", in: strings.Repeat("A", 65537), want: []string{"ERR Protocol error: too big inline request"}},
		{name: "inline at limit", in: strings.Repeat("A", 65536), want: []string{"incomplete"}},
		{name: "inline too big with lf", in: strings.Repeat("A", 65537) + "\n", want: []string{"ERR Protocol error: too big inline request"}},
		{name: "inline at limit with lf", in: strings.Repeat("A", 65535) + "\r\n", want: []string{`["` + strings.Repeat("A", 65535) + `"]`, "incomplete"}},
		{name: "inline then multibulk", in: "PING\r\n*1\r\n$4\r\nPING\r\n", want: []string{`["PING"]`, `["PING"]`, "incomplete"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := parseAll([]byte(tt.in), tt.lim)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Parse(%.80q)\n got %.200q\nwant %.200q", tt.in, got, tt.want)
			}
		})
	}
}

// TestParse_prefixes checks that every proper prefix of a complete frame is
// incomplete, and that a frame followed by anything parses the same.
func TestParse_prefixes(t *testing.T) {
	t.Parallel()
	frames := []string{
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n",
		"*0\r\n",
		"SET k \"a b\"\r\n",
		"\r\n",
	}
	for _, f := range frames {
		want, n, err := resp.Parse([]byte(f), resp.Limits{})
		if err != nil || n != len(f) {
			t.Fatalf("Parse(%q) = n %d, err %v", f, n, err)
		}
		for i := range len(f) {
			if _, n, err := resp.Parse([]byte(f[:i]), resp.Limits{}); !errors.Is(err, resp.ErrIncomplete) || n != 0 {
				t.Errorf("Parse(%q) = n %d, err %v; want incomplete", f[:i], n, err)
			}
		}
		got, n, err := resp.Parse([]byte(f+"*1\r\n$1\r\nx\r\n"), resp.Limits{})
		if err != nil || n != len(f) || quoteArgs(got) != quoteArgs(want) {
			t.Errorf("Parse(%q + more) = %s, %d, %v", f, quoteArgs(got), n, err)
		}
	}
}

func TestParse_limitError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		lim   resp.Limits
		want  resp.LimitError
		reply string
	}{
		{name: "max bulk", in: "*1\r\n$100\r\n", lim: resp.Limits{MaxBulkLen: 10},
			want: resp.LimitError{Name: "MaxBulkLen", Limit: 10, Got: 100}, reply: "ERR Protocol error: invalid bulk length"},
		{name: "max args", in: "*100\r\n", lim: resp.Limits{MaxArgs: 10},
			want: resp.LimitError{Name: "MaxArgs", Limit: 10, Got: 100}, reply: "ERR Protocol error: invalid multibulk length"},
		{name: "unauth args", in: "*11\r\n", lim: resp.Limits{Unauthenticated: true},
			want: resp.LimitError{Name: "UnauthMaxArgs", Limit: 10, Got: 11}, reply: "ERR Protocol error: unauthenticated multibulk length"},
		{name: "unauth bulk", in: "*1\r\n$20000\r\n", lim: resp.Limits{Unauthenticated: true},
			want: resp.LimitError{Name: "UnauthMaxBulkLen", Limit: 16384, Got: 20000}, reply: "ERR Protocol error: unauthenticated bulk length"},
		{name: "inline", in: "abcdef", lim: resp.Limits{MaxInline: 5},
			want: resp.LimitError{Name: "MaxInline", Limit: 5, Got: 6}, reply: "ERR Protocol error: too big inline request"},
		{name: "count line", in: "*1234567\r\n", lim: resp.Limits{MaxCountLine: 5},
			want: resp.LimitError{Name: "MaxCountLine", Limit: 5, Got: 8}, reply: "ERR Protocol error: too big mbulk count string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := resp.Parse([]byte(tt.in), tt.lim)
			var le *resp.LimitError
			var pe *resp.ProtocolError
			if !errors.As(err, &le) || !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error = %v, want a LimitError in a ProtocolError", tt.in, err)
			}
			if *le != tt.want || pe.Reply != tt.reply {
				t.Errorf("got %+v %q, want %+v %q", *le, pe.Reply, tt.want, tt.reply)
			}
		})
	}
}

// TestParse_aliasing documents that arguments alias the buffer, with their
// capacity cut so that appending to one never overwrites the next.
func TestParse_aliasing(t *testing.T) {
	t.Parallel()
	buf := []byte("*2\r\n$1\r\na\r\n$1\r\nb\r\n")
	args, _, err := resp.Parse(buf, resp.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	buf[8] = 'z'
	if string(args[0]) != "z" {
		t.Errorf("args[0] = %q, want it to alias buf", args[0])
	}
	_ = append(args[0], 'X')
	if string(args[1]) != "b" || string(buf) != "*2\r\n$1\r\nz\r\n$1\r\nb\r\n" {
		t.Errorf("append to an argument changed the buffer: %q", buf)
	}
}

func TestParseInto_reusesDst(t *testing.T) {
	t.Parallel()
	dst := make([][]byte, 0, 8)
	args, _, err := resp.ParseInto(dst, []byte("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"), resp.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if &args[0] != &dst[:1][0] {
		t.Error("ParseInto did not write into dst")
	}
}
