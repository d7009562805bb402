package resp_test

import (
	"errors"
	"math"
	"testing"

	"lattice/shared/resp"
)

func TestAppend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		got    []byte
		want   string
		header bool
	}{
		{name: "simple", got: resp.AppendSimple(nil, "OK"), want: "+OK\r\n"},
		{name: "simple bytes", got: resp.AppendSimple(nil, []byte("QUEUED")), want: "+QUEUED\r\n"},
		{name: "simple crlf", got: resp.AppendSimple(nil, "a\r\nb"), want: "+a  b\r\n"},
		{name: "error", got: resp.AppendError(nil, "ERR syntax error"), want: "-ERR syntax error\r\n"},
		{name: "error crlf", got: resp.AppendError(nil, []byte("ERR x\ny")), want: "-ERR x y\r\n"},
		{name: "int", got: resp.AppendInt(nil, -42), want: ":-42\r\n"},
		{name: "int min", got: resp.AppendInt(nil, math.MinInt64), want: ":-9223372036854775808\r\n"},
		{name: "bulk", got: resp.AppendBulk(nil, []byte("foo")), want: "$3\r\nfoo\r\n"},
		{name: "bulk string", got: resp.AppendBulk(nil, "a\r\nb"), want: "$4\r\na\r\nb\r\n"},
		{name: "bulk empty", got: resp.AppendBulk(nil, []byte(nil)), want: "$0\r\n\r\n"},
		{name: "null resp2", got: resp.AppendNull(nil, 2), want: "$-1\r\n"},
		{name: "null resp3", got: resp.AppendNull(nil, 3), want: "_\r\n"},
		{name: "null array resp2", got: resp.AppendNullArray(nil, 2), want: "*-1\r\n"},
		{name: "null array resp3", got: resp.AppendNullArray(nil, 3), want: "_\r\n"},
		{name: "array", got: resp.AppendArrayHeader(nil, 3), want: "*3\r\n", header: true},
		{name: "map resp2", got: resp.AppendMapHeader(nil, 2, 2), want: "*4\r\n", header: true},
		{name: "map resp3", got: resp.AppendMapHeader(nil, 2, 3), want: "%2\r\n", header: true},
		{name: "set resp2", got: resp.AppendSetHeader(nil, 2, 2), want: "*2\r\n", header: true},
		{name: "set resp3", got: resp.AppendSetHeader(nil, 2, 3), want: "~2\r\n", header: true},
		{name: "push resp2", got: resp.AppendPushHeader(nil, 3, 2), want: "*3\r\n", header: true},
		{name: "push resp3", got: resp.AppendPushHeader(nil, 3, 3), want: ">3\r\n", header: true},
		{name: "double resp2", got: resp.AppendDouble(nil, 1.5, 2), want: "$3\r\n1.5\r\n"},
		{name: "double resp3", got: resp.AppendDouble(nil, 1.5, 3), want: ",1.5\r\n"},
		{name: "double 17g", got: resp.AppendDouble(nil, 0.1, 3), want: ",0.10000000000000001\r\n"},
		{name: "double exponent", got: resp.AppendDouble(nil, 1e20, 3), want: ",1e+20\r\n"},
		{name: "double small exponent", got: resp.AppendDouble(nil, 1e-5, 3), want: ",1.0000000000000001e-05\r\n"},
		{name: "double 1e16", got: resp.AppendDouble(nil, 1e16, 3), want: ",10000000000000000\r\n"},
		{name: "double 1e17", got: resp.AppendDouble(nil, 1e17, 3), want: ",1e+17\r\n"},
		{name: "double integral", got: resp.AppendDouble(nil, 3, 3), want: ",3\r\n"},
		{name: "double negative zero", got: resp.AppendDouble(nil, math.Copysign(0, -1), 3), want: ",-0\r\n"},
		{name: "double denormal", got: resp.AppendDouble(nil, 5e-324, 3), want: ",4.9406564584124654e-324\r\n"},
		{name: "double inf resp2", got: resp.AppendDouble(nil, math.Inf(1), 2), want: "$3\r\ninf\r\n"},
		{name: "double -inf resp3", got: resp.AppendDouble(nil, math.Inf(-1), 3), want: ",-inf\r\n"},
		{name: "double nan", got: resp.AppendDouble(nil, math.NaN(), 3), want: ",nan\r\n"},
		{name: "double text resp2", got: resp.AppendDoubleText(nil, "10.5", 2), want: "$4\r\n10.5\r\n"},
		{name: "double text resp3", got: resp.AppendDoubleText(nil, []byte("10.5"), 3), want: ",10.5\r\n"},
		{name: "bool resp2", got: resp.AppendBool(nil, true, 2), want: ":1\r\n"},
		{name: "bool false resp2", got: resp.AppendBool(nil, false, 2), want: ":0\r\n"},
		{name: "bool resp3", got: resp.AppendBool(nil, true, 3), want: "#t\r\n"},
		{name: "bool false resp3", got: resp.AppendBool(nil, false, 3), want: "#f\r\n"},
		{name: "big number resp2", got: resp.AppendBigNumber(nil, "123456789012345678901234567890", 2), want: "$30\r\n123456789012345678901234567890\r\n"},
		{name: "big number resp3", got: resp.AppendBigNumber(nil, "-1", 3), want: "(-1\r\n"},
		{name: "verbatim resp2", got: resp.AppendVerbatim(nil, "txt", "hi", 2), want: "$2\r\nhi\r\n"},
		{name: "verbatim resp3", got: resp.AppendVerbatim(nil, "txt", "hi", 3), want: "=6\r\ntxt:hi\r\n"},
		{name: "verbatim short format", got: resp.AppendVerbatim(nil, "m", "hi", 3), want: "=6\r\nm  :hi\r\n"},
		{name: "appends", got: resp.AppendInt([]byte("+OK\r\n"), 1), want: "+OK\r\n:1\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if string(tt.got) != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
			// Everything written must read back as whole replies;
			// aggregate headers wait for their elements.
			for rest := tt.got; len(rest) > 0; {
				_, n, err := resp.ReadReply(rest)
				if tt.header && errors.Is(err, resp.ErrIncomplete) {
					break
				}
				if err != nil {
					t.Fatalf("ReadReply(%q): %v", rest, err)
				}
				rest = rest[n:]
			}
		})
	}
}
