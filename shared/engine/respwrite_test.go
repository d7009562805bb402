package engine

import (
	"testing"

	"lattice/shared/resp"
)

func TestAppendReply(t *testing.T) {
	t.Parallel()
	hash := mapReply([]Reply{bulkStr("f"), bulkStr("v"), bulkStr("g"), integer(1)})
	members := setReply([]Reply{bulkStr("a"), bulkStr("b")})
	tests := []struct {
		name  string
		reply Reply
		resp2 string
		resp3 string
	}{
		{name: "ok", reply: ok, resp2: "+OK\r\n", resp3: "+OK\r\n"},
		{name: "error", reply: errWrongType,
			resp2: "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
			resp3: "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{name: "error with newline", reply: errReply("ERR a\r\nb"), resp2: "-ERR a  b\r\n", resp3: "-ERR a  b\r\n"},
		{name: "integer", reply: integer(-7), resp2: ":-7\r\n", resp3: ":-7\r\n"},
		{name: "bulk", reply: bulk([]byte("a\r\nb")), resp2: "$4\r\na\r\nb\r\n", resp3: "$4\r\na\r\nb\r\n"},
		{name: "empty bulk", reply: bulk(nil), resp2: "$0\r\n\r\n", resp3: "$0\r\n\r\n"},
		{name: "null", reply: null, resp2: "$-1\r\n", resp3: "_\r\n"},
		{name: "null array", reply: nullArray, resp2: "*-1\r\n", resp3: "_\r\n"},
		{name: "empty array", reply: emptyArr, resp2: "*0\r\n", resp3: "*0\r\n"},
		{name: "double", reply: double("3.5"), resp2: "$3\r\n3.5\r\n", resp3: ",3.5\r\n"},
		{name: "map", reply: hash,
			resp2: "*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n:1\r\n",
			resp3: "%2\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n:1\r\n"},
		{name: "set", reply: members, resp2: "*2\r\n$1\r\na\r\n$1\r\nb\r\n", resp3: "~2\r\n$1\r\na\r\n$1\r\nb\r\n"},
		{name: "nested", reply: array([]Reply{bulkStr("0"), array([]Reply{null, integer(2)}), members}),
			resp2: "*3\r\n$1\r\n0\r\n*2\r\n$-1\r\n:2\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n",
			resp3: "*3\r\n$1\r\n0\r\n*2\r\n_\r\n:2\r\n~2\r\n$1\r\na\r\n$1\r\nb\r\n"},
		{name: "odd map", reply: mapReply([]Reply{bulkStr("f")}), resp2: "-ERR internal error\r\n", resp3: "-ERR internal error\r\n"},
		{name: "unknown kind", reply: Reply{Kind: 200}, resp2: "-ERR internal error\r\n", resp3: "-ERR internal error\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range []struct {
				proto int
				want  string
			}{{proto: 2, want: tt.resp2}, {proto: 3, want: tt.resp3}} {
				got := AppendReply([]byte("prefix"), tt.reply, c.proto)
				if string(got) != "prefix"+c.want {
					t.Errorf("RESP%d: got %q, want %q", c.proto, got[6:], c.want)
				}
				if _, n, err := resp.ReadReply(got[6:]); err != nil || n != len(got)-6 {
					t.Errorf("RESP%d: ReadReply = %d, %v", c.proto, n, err)
				}
			}
		})
	}
}

// TestAppendReply_allocs guards the GET/SET reply path.
func TestAppendReply_allocs(t *testing.T) {
	dst := make([]byte, 0, 64)
	r := bulkStr("value")
	if n := testing.AllocsPerRun(100, func() {
		dst = AppendReply(dst[:0], r, 2)
		dst = AppendReply(dst[:0], ok, 2)
	}); n != 0 {
		t.Errorf("AppendReply allocates %v times per run, want 0", n)
	}
}
