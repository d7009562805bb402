package compat

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"lattice/shared/resp"
)

// TestCompatProtocol sends raw bytes to redis-server and checks that
// resp.Parse reads them as redis-server does: the same commands (ECHO
// shows their arguments), then the same protocol error, after which
// redis-server closes the connection, or no error at all.
func TestCompatProtocol(t *testing.T) {
	open := startRedis(t)
	locked := startRedis(t, "--requirepass", "pw")
	long := func(c string, n int) string { return strings.Repeat(c, n) }
	tests := []struct {
		name   string
		in     string
		unauth bool // sent to the server with a password, before AUTH
	}{
		{name: "multibulk echo", in: "*2\r\n$4\r\nECHO\r\n$6\r\na\r\nb\x00c\r\n*1\r\n$4\r\nPING\r\n"},
		{name: "empty commands", in: "*0\r\n*-1\r\n*-7\r\n\r\n\n  \t\r\n*1\r\n$4\r\nPING\r\n"},
		{name: "empty argument", in: "*1\r\n$0\r\n\r\n"},
		{name: "crlf after data unchecked", in: "*2\r\n$4\r\nECHO\r\n$1\r\nxYZ*1\r\n$4\r\nPING\r\n"},
		{name: "byte after count cr unchecked", in: "*1\rX$4\r\nPING\r\n"},
		{name: "count leading zero", in: "*01\r\n$4\r\nPING\r\n"},
		{name: "count plus", in: "*+1\r\n"},
		{name: "count minus zero", in: "*-0\r\n"},
		{name: "count empty", in: "*\r\n"},
		{name: "count above int max", in: "*2147483648\r\n"},
		{name: "bulk null", in: "*1\r\n$-1\r\n"},
		{name: "bulk leading zero", in: "*1\r\n$04\r\nPING\r\n"},
		{name: "bulk empty length", in: "*1\r\n$\r\n"},
		{name: "bulk beyond max", in: "*1\r\n$536870913\r\n"},
		{name: "expected dollar", in: "*1\r\n:1\r\n"},
		{name: "expected dollar got cr", in: "*1\r\n\r\n"},
		{name: "expected dollar got lf", in: "*1\r\n\n1\r\n"},
		{name: "expected dollar got high byte", in: "*2\r\n$4\r\nECHO\r\n\xff1\r\n"},
		{name: "nul hides count cr", in: "*1\x00\r\n$4\r\nPING\r\n"},
		{name: "nul hides inline lf", in: "PING\x00\r\nPING\r\n"},
		{name: "mbulk count string too big", in: "*" + long("1", 65536)},
		{name: "mbulk count string at limit", in: "*" + long("1", 65535)},
		{name: "bulk count string too big", in: "*1\r\n$" + long("1", 65536)},
		{name: "inline too big", in: long("A", 65537)},
		{name: "inline at limit", in: long("A", 65536)},
		{name: "inline", in: "ECHO hello\r\nECHO  x\t\n\vECHO y\r\n"},
		{name: "inline quotes", in: `ECHO "a\x41\n\q\"" ` + "\r\n" + `ECHO 'b\'c'` + "\r\n" + `ECHO ""` + "\r\n"},
		{name: "inline glued quotes", in: `ECHO x"y"` + "\r\n"},
		{name: "inline short hex", in: `ECHO "\x4"` + "\r\n"},
		{name: "inline vertical tab in arg", in: "ECHO a\vb\r\n"},
		{name: "inline unbalanced", in: "ECHO \"x\r\n"},
		{name: "inline text after quote", in: "ECHO \"x\"y\r\n"},
		{name: "inline text after single quote", in: "ECHO 'x'y\r\n"},
		{name: "unauth count", in: "*11\r\n", unauth: true},
		{name: "unauth count at limit", in: "*10\r\n", unauth: true},
		{name: "unauth negative count", in: "*-5\r\n*1\r\n$4\r\nPING\r\n", unauth: true},
		{name: "unauth invalid count first", in: "*2147483648\r\n", unauth: true},
		{name: "unauth bulk", in: "*1\r\n$16385\r\n", unauth: true},
		{name: "unauth bulk at limit", in: "*1\r\n$16384\r\n", unauth: true},
		{name: "unauth invalid bulk first", in: "*1\r\n$99999999999\r\n", unauth: true},
		{name: "unauth inline", in: "a b c d e f g h i j k l\r\n", unauth: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sock := open
			if tt.unauth {
				sock = locked
			}
			got := rawExchange(t, sock, []byte(tt.in))
			want, cmds := expectedReplies(t, []byte(tt.in), resp.Limits{Unauthenticated: tt.unauth})
			if len(got) != len(want) {
				t.Fatalf("redis-server sent %d replies %q; resp.Parse found %d commands %q", len(got), got, len(want), cmds)
			}
			for i := range want {
				if want[i] != "" && got[i] != want[i] {
					t.Errorf("reply %d to %q: redis-server %q, resp.Parse expects %q", i, cmds[i], got[i], want[i])
				}
			}
		})
	}
}

// rawExchange writes in on a fresh connection, closes its write side and
// returns every reply redis-server sent before closing. A half-closed
// connection is how a test learns that redis-server waits for more: it
// closes without replying.
func rawExchange(t *testing.T, sock string, in []byte) []string {
	c, err := net.DialTimeout("unix", sock, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	// redis-server may close before reading everything (after a protocol
	// error), so a failed write is not a failure: the reply is still there.
	_, _ = c.Write(in)
	_ = c.(*net.UnixConn).CloseWrite()
	out, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, net.ErrClosed) && len(out) == 0 && !isReset(err) {
		t.Fatalf("read from redis-server: %v", err)
	}
	var replies []string
	for len(out) > 0 {
		_, n, err := resp.ReadReply(out)
		if err != nil {
			t.Fatalf("redis-server sent %q: %v", out, err)
		}
		replies = append(replies, string(out[:n]))
		out = out[n:]
	}
	return replies
}

func isReset(err error) bool { return strings.Contains(err.Error(), "connection reset") }

// expectedReplies runs resp.Parse over in and says what redis-server must
// answer: one reply per non-empty command ("" when any reply will do, the
// echoed argument for ECHO, PONG for PING, NOAUTH for those two before
// AUTH), then the protocol error.
func expectedReplies(t *testing.T, in []byte, lim resp.Limits) (want, cmds []string) {
	for {
		args, n, err := resp.Parse(in, lim)
		if errors.Is(err, resp.ErrIncomplete) {
			return want, cmds
		}
		var pe *resp.ProtocolError
		if errors.As(err, &pe) {
			return append(want, "-"+pe.Reply+"\r\n"), append(cmds, "(protocol error)")
		}
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		in = in[n:]
		if len(args) == 0 {
			continue
		}
		cmds = append(cmds, quoteArgs(args))
		known := bytes.EqualFold(args[0], []byte("echo")) || bytes.EqualFold(args[0], []byte("ping"))
		switch {
		case lim.Unauthenticated && known:
			want = append(want, "-NOAUTH Authentication required.\r\n")
		case lim.Unauthenticated:
			want = append(want, "") // unknown commands are refused before AUTH is checked
		case len(args) == 2 && bytes.EqualFold(args[0], []byte("echo")):
			want = append(want, string(resp.AppendBulk(nil, args[1])))
		case len(args) == 1 && bytes.EqualFold(args[0], []byte("ping")):
			want = append(want, "+PONG\r\n")
		default:
			want = append(want, "")
		}
	}
}

func quoteArgs(args [][]byte) string {
	s := make([]string, len(args))
	for i, a := range args {
		s[i] = string(a)
	}
	return quoteCmd(s)
}
