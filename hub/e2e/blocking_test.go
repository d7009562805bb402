package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"lattice/hub/node"
	"lattice/shared/resp"
)

// Blocking commands: go-redis against an in-process hub (so that -race
// sees the node), and differential scripts run against a real
// redis-server 7.0 and an in-process hub, whose raw replies must match
// byte for byte.

// bkServer is a server a test talks to: an in-process hub or a
// redis-server.
type bkServer struct {
	network, addr string
}

func (s bkServer) client(proto int) *redis.Client {
	return redis.NewClient(&redis.Options{Network: s.network, Addr: s.addr, Protocol: proto,
		ReadTimeout: -1, PoolSize: 4})
}

// bkStartHub runs an in-process hub on loopback until the test ends.
func bkStartHub(t *testing.T) bkServer {
	t.Helper()
	cfg := node.DefaultConfig()
	cfg.Listen, cfg.HTTP, cfg.Dir = "127.0.0.1:0", "127.0.0.1:0", t.TempDir()
	n, err := node.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("hub: %v", err)
		}
	})
	select {
	case <-n.Ready():
	case err := <-done:
		t.Fatalf("hub stopped: %v", err)
	}
	return bkServer{network: "tcp", addr: n.RESPAddr().String()}
}

// bkStartRedis runs a private redis-server on a unix socket until the
// test ends. The differential tests need it (CI installs it).
func bkStartRedis(t *testing.T) bkServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is not on PATH: the differential tests compare against a real redis-server 7 " +
			"(CI installs it; locally: apt-get install redis-server)")
	}
	dir := t.TempDir()
	if len(dir) > 80 { // unix socket paths are short
		dir = shortDir(t)
	}
	sock := filepath.Join(dir, "r.sock")
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no",
		"--dir", dir, "--loglevel", "warning", "--databases", "1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	s := bkServer{network: "unix", addr: sock}
	eventually(t, 10*time.Second, "redis-server to answer", func() bool {
		c, err := net.Dial("unix", sock)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
	return s
}

func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "bk")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// bkConn is a raw RESP connection that returns replies as their bytes.
type bkConn struct {
	t    *testing.T
	conn net.Conn
	buf  []byte
}

func bkDial(t *testing.T, s bkServer) *bkConn {
	t.Helper()
	conn, err := net.Dial(s.network, s.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &bkConn{t: t, conn: conn}
}

func (c *bkConn) send(args ...string) {
	c.t.Helper()
	b := resp.AppendArrayHeader(nil, len(args))
	for _, a := range args {
		b = resp.AppendBulk(b, a)
	}
	if _, err := c.conn.Write(b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// read returns the bytes of the next reply.
func (c *bkConn) read() string {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	chunk := make([]byte, 16<<10)
	for {
		if len(c.buf) > 0 {
			_, n, err := resp.ReadReply(c.buf)
			if err == nil {
				out := string(c.buf[:n])
				c.buf = c.buf[n:]
				return out
			}
			if !errors.Is(err, resp.ErrIncomplete) {
				c.t.Fatalf("bad reply %q: %v", c.buf, err)
			}
		}
		n, err := c.conn.Read(chunk)
		if err != nil {
			c.t.Fatalf("read: %v (have %q)", err, c.buf)
		}
		c.buf = append(c.buf, chunk[:n]...)
	}
}

func (c *bkConn) do(args ...string) string {
	c.t.Helper()
	c.send(args...)
	return c.read()
}

// infoField reads one field of INFO section on conn.
func (c *bkConn) infoField(section, field string) string {
	c.t.Helper()
	v, _, err := resp.ReadReply([]byte(c.do("INFO", section)))
	if err != nil {
		c.t.Fatal(err)
	}
	for _, line := range strings.Split(string(v.Str), "\r\n") {
		if val, ok := strings.CutPrefix(line, field+":"); ok {
			return val
		}
	}
	return ""
}

// waitBlocked waits until n clients are blocked.
func (c *bkConn) waitBlocked(n int) {
	c.t.Helper()
	want := strconv.Itoa(n)
	eventually(c.t, 10*time.Second, want+" blocked clients", func() bool {
		return c.infoField("clients", "blocked_clients") == want
	})
}

// splitArgs splits a script line's command: fields, "" for an empty one.
func splitArgs(s string) []string {
	f := strings.Fields(s)
	for i := range f {
		if f[i] == `""` {
			f[i] = ""
		}
	}
	return f
}

// runScript runs a multi-connection script and returns its transcript:
//
//	a: CMD     send CMD on connection a and read its reply
//	a:~ CMD    the same, leaving the reply out of the transcript (HELLO's id)
//	a> CMD     send CMD on a without reading (it blocks)
//	a<         read one reply on a (a< 3: three)
//	blocked N  wait until N clients are blocked
//	close a    close connection a
func runScript(t *testing.T, s bkServer, script []string) []string {
	t.Helper()
	conns := map[string]*bkConn{}
	get := func(name string) *bkConn {
		if conns[name] == nil {
			conns[name] = bkDial(t, s)
		}
		return conns[name]
	}
	ctl := bkDial(t, s)
	var out []string
	for _, line := range script {
		switch {
		case strings.HasPrefix(line, "blocked "):
			n, _ := strconv.Atoi(strings.TrimPrefix(line, "blocked "))
			ctl.waitBlocked(n)
		case strings.HasPrefix(line, "close "):
			get(strings.TrimPrefix(line, "close ")).conn.Close()
		default:
			i := strings.IndexAny(line, ":<>")
			if i < 0 {
				t.Fatalf("bad script line %q", line)
			}
			c, rest := get(line[:i]), line[i+1:]
			switch line[i] {
			case ':':
				quiet := strings.HasPrefix(rest, "~")
				rep := c.do(splitArgs(strings.TrimPrefix(rest, "~"))...)
				if quiet {
					rep = "(not compared)"
				}
				out = append(out, fmt.Sprintf("%s => %q", line, rep))
			case '>':
				c.send(splitArgs(rest)...)
				out = append(out, line)
			case '<':
				k := 1
				if strings.TrimSpace(rest) != "" {
					k, _ = strconv.Atoi(strings.TrimSpace(rest))
				}
				var reps []string
				for range k {
					reps = append(reps, c.read())
				}
				out = append(out, fmt.Sprintf("%s => %q", line, strings.Join(reps, "")))
			}
		}
	}
	return out
}

// diffScripts runs each script against redis-server and the hub, and
// fails on the first line where the transcripts differ.
func diffScripts(t *testing.T, scripts map[string][]string) {
	t.Helper()
	redisSrv, hubSrv := bkStartRedis(t), bkStartHub(t)
	for name, script := range scripts {
		t.Run(name, func(t *testing.T) {
			for _, srv := range []bkServer{redisSrv, hubSrv} {
				c := bkDial(t, srv)
				c.do("FLUSHALL")
			}
			want := runScript(t, redisSrv, script)
			t.Log("redis-server done; now the hub")
			got := runScript(t, hubSrv, script)
			for i := range want {
				if i >= len(got) || got[i] != want[i] {
					g := "(missing)"
					if i < len(got) {
						g = got[i]
					}
					t.Fatalf("line %d:\nredis: %s\nhub:   %s", i+1, want[i], g)
				}
			}
		})
	}
}

// TestBlocking_Differential runs blocking scenarios against redis-server
// 7.0.15 and the hub: replies, timeouts, errors, FIFO order, BLMOVE
// chains, wrong types, MULTI and RESP3 must match byte for byte.
func TestBlocking_Differential(t *testing.T) {
	t.Parallel()
	diffScripts(t, map[string][]string{
		"served at once": {
			"c: RPUSH l a b c", "c: ZADD z 1 a 2 b 3 c",
			"a: BLPOP nokey l 0", "a: BRPOP l 0", "a: BLMOVE l m LEFT RIGHT 0", "a: BRPOPLPUSH m l 0",
			"a: BLMPOP 0 2 nokey l RIGHT COUNT 5", "a: BZPOPMIN z 0", "a: BZPOPMAX nokey z 0",
			"a: BZMPOP 0 1 z MIN COUNT 9", "c: EXISTS l m z",
		},
		"woken by a push": {
			"a> BLPOP l 0", "blocked 1", "c: RPUSH l x y", "a<", "c: LRANGE l 0 -1",
			"a> BRPOP l2 l1 0", "blocked 1", "c: LPUSH l1 z", "a<",
			"a> BLMPOP 0 1 l3 LEFT COUNT 2", "blocked 1", "c: RPUSH l3 1 2 3", "a<", "c: LRANGE l3 0 -1",
			"a> BRPOPLPUSH s d 0", "blocked 1", "c: RPUSH s v", "a<", "c: LRANGE d 0 -1",
			"a> BLMOVE s2 d RIGHT RIGHT 0", "blocked 1", "c: RPUSH s2 w", "a<", "c: LRANGE d 0 -1",
			"a> BZPOPMIN z 0", "blocked 1", "c: ZADD z 2 b 1 a", "a<",
			"a> BZPOPMAX z2 0", "blocked 1", "c: ZADD z2 2 b 1 a", "a<",
			"a> BZMPOP 0 2 z9 z3 MAX COUNT 5", "blocked 1", "c: ZADD z3 2.5 b 1 a", "a<", "c: EXISTS z3",
		},
		"timeouts": {
			"a: BLPOP l 0.05", "a: BRPOP l 0.01", "a: BLMOVE l d LEFT LEFT 0.01", "a: BRPOPLPUSH l d 0.01",
			"a: BLMPOP 0.01 1 l LEFT", "a: BZPOPMIN z 0.01", "a: BZPOPMAX z 0.01", "a: BZMPOP 0.01 1 z MIN",
			"a: BLPOP l 0.0001", "a: BLPOP l 1e-400", "a: BLPOP l 0x0.01p-2", "a: BLPOP l .01", "a: BLPOP l +0.01",
			// -0.001 seconds rounds up to -0 milliseconds in a long double: forever.
			"a> BLPOP l -0.001", "blocked 1", "c: RPUSH l v", "a<",
		},
		"errors": {
			"c: SET s v",
			"a: BLPOP l -1", "a: BLPOP l -0.002", "a: BLPOP l x", "a: BLPOP l inf", "a: BLPOP l -inf", "a: BLPOP l nan",
			"a: BLPOP l 1e400", `a: BLPOP l ""`, "a: BLPOP l 1e", "a: BLPOP l 9300000000000000",
			"a: BLPOP s x", "a: BLPOP s 0", "a: BLPOP l", "a: BRPOP", "a: BZPOPMIN s 0", "a: BZPOPMAX z",
			"a: BLMOVE l d UP LEFT 0", "a: BLMOVE l d LEFT LEFT -1", "a: BLMOVE s d LEFT LEFT 0", "a: BLMOVE l d LEFT 0",
			"a: BRPOPLPUSH s d 0", "a: BRPOPLPUSH l d x", "a: BRPOPLPUSH l d",
			"a: BLMPOP x 0 l LEFT", "a: BLMPOP x 1 l UP", "a: BLMPOP -1 1 s LEFT", "a: BLMPOP 0 1 s LEFT",
			"a: BLMPOP x 1 l LEFT COUNT 0", "a: BLMPOP 0 2 l LEFT", "a: BLMPOP 0 1 l LEFT COUNT 1 COUNT 1",
			"a: BLMPOP 0 1 l", "a: BZMPOP x 0 z MIN", "a: BZMPOP x 1 z LEFT", "a: BZMPOP -1 1 s MIN",
			"a: BZMPOP 0 1 s MAX", "a: BZMPOP 0 1 z MIN COUNT -1", "a: BZMPOP 0 1 z MIN FOO",
		},
		"fifo": {
			"a> BLPOP k 0", "blocked 1", "b> BLPOP k 0", "blocked 2", "d> BLPOP k 0", "blocked 3",
			"c: RPUSH k 1 2", "a<", "b<", "c: LLEN k", "c: RPUSH k 3 4", "d<", "c: LRANGE k 0 -1",
		},
		"fifo across commands": {
			"a> BRPOP k 0", "blocked 1", "b> BLMPOP 0 1 k LEFT COUNT 2", "blocked 2", "d> BLMOVE k k2 LEFT LEFT 0",
			"blocked 3", "c: RPUSH k 1 2 3 4 5", "a<", "b<", "d<", "c: LRANGE k 0 -1", "c: LRANGE k2 0 -1",
		},
		"blmove chain": {
			"a> BLMOVE q0 q1 LEFT RIGHT 0", "blocked 1", "b> BLMOVE q1 q2 LEFT RIGHT 0", "blocked 2",
			"d> BLPOP q2 0", "blocked 3", "c: RPUSH q0 x", "a<", "b<", "d<", "c: EXISTS q0 q1 q2",
		},
		"wrong type while blocked": {
			"a> BLPOP k 0", "blocked 1", "c: SET k v", "c: DEL k", "c: ZADD k 1 m", "c: DEL k", "c: RPUSH k x", "a<",
			"a> BZPOPMIN z 0", "blocked 1", "c: RPUSH z x", "c: DEL z", "c: ZADD z 1 m", "a<",
			"c: SET s v", "a> BLMOVE src s LEFT LEFT 0", "blocked 1", "c: RPUSH src x", "a<", "c: LRANGE src 0 -1",
		},
		"pop after push in one pipeline serves the blocked client first": {
			"a> BLPOP k 0", "blocked 1", "c: RPUSH k x", "c: LPOP k", "a<",
		},
		"multi does not block": {
			"a: MULTI", "a: BLPOP l 0", "a: BRPOP l 0", "a: BLMOVE l d LEFT LEFT 0", "a: BRPOPLPUSH l d 0",
			"a: BLMPOP 0 1 l LEFT", "a: BZPOPMIN z 0", "a: BZPOPMAX z 0", "a: BZMPOP 0 1 z MIN", "a: BLPOP l -1",
			"a: BLPOP l x", "a: EXEC",
			"c: RPUSH l a b", "a: MULTI", "a: BLPOP l 0", "a: BLMOVE l d LEFT LEFT 0", "a: BLPOP l 0", "a: EXEC",
			"a: MULTI", "a: BLPOP", "a: EXEC",
		},
		"resp3": {
			"a:~ HELLO 3", "c: RPUSH l a", "c: ZADD z 1.5 a 2 b",
			"a: BLPOP l 0", "a: BZPOPMIN z 0", "a: BZMPOP 0 1 z MAX", "a: BLPOP l 0.01", "a: BLMOVE l d LEFT LEFT 0.01",
			"a> BZPOPMAX z 0", "blocked 1", "c: ZADD z 3 c", "a<",
			"a: MULTI", "a: BLMOVE l d LEFT LEFT 0", "a: BLPOP l 0", "a: EXEC",
		},
		"pipeline waits behind a blocked command": {
			"a> BLPOP k 0", "a> SET after 1", "blocked 1", "c: GET after", "c: RPUSH k x", "a<", "a<", "c: GET after",
		},
	})
}

// TestBlocking_GoRedis wakes each blocking command with a push from another
// client, in RESP2 and RESP3, through go-redis.
func TestBlocking_GoRedis(t *testing.T) {
	t.Parallel()
	srv := bkStartHub(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		t.Run(protoName(proto), func(t *testing.T) {
			c, push := srv.client(proto), srv.client(proto)
			defer c.Close()
			defer push.Close()
			ctl := bkDial(t, srv)
			p := strconv.Itoa(proto)
			wake := func(block func() (any, error), pushCmd ...any) any {
				t.Helper()
				type result struct {
					v   any
					err error
				}
				ch := make(chan result, 1)
				go func() { v, err := block(); ch <- result{v, err} }()
				ctl.waitBlocked(1)
				if err := push.Do(ctx, pushCmd...).Err(); err != nil {
					t.Fatal(err)
				}
				r := <-ch
				if r.err != nil {
					t.Fatalf("blocking command: %v", r.err)
				}
				ctl.waitBlocked(0)
				return r.v
			}
			l := "l" + p
			got := wake(func() (any, error) { return c.BLPop(ctx, 0, "x"+p, l).Result() }, "RPUSH", l, "a")
			if fmt.Sprint(got) != "["+l+" a]" {
				t.Errorf("BLPOP = %v", got)
			}
			got = wake(func() (any, error) { return c.BRPop(ctx, 0, l).Result() }, "RPUSH", l, "a", "b")
			if fmt.Sprint(got) != "["+l+" b]" {
				t.Errorf("BRPOP = %v", got)
			}
			got = wake(func() (any, error) { return c.BLMove(ctx, "s"+p, l, "LEFT", "RIGHT", 0).Result() }, "RPUSH", "s"+p, "m")
			if got != "m" {
				t.Errorf("BLMOVE = %v", got)
			}
			got = wake(func() (any, error) { return c.Do(ctx, "BRPOPLPUSH", "s"+p, l, 0).Text() }, "RPUSH", "s"+p, "n")
			if got != "n" {
				t.Errorf("BRPOPLPUSH = %v", got)
			}
			if v, _ := c.LRange(ctx, l, 0, -1).Result(); fmt.Sprint(v) != "[n a m]" {
				t.Errorf("LRANGE after the moves = %v", v)
			}
			got = wake(func() (any, error) {
				k, v, err := c.BLMPop(ctx, 0, "right", 2, "e"+p).Result()
				return k + " " + fmt.Sprint(v), err
			}, "RPUSH", "e"+p, "1", "2", "3")
			if got != "e"+p+" [3 2]" {
				t.Errorf("BLMPOP = %v", got)
			}
			z := "z" + p
			got = wake(func() (any, error) { return c.BZPopMin(ctx, 0, z).Result() }, "ZADD", z, "2", "b", "1.5", "a")
			if zk := got.(*redis.ZWithKey); zk.Key != z || zk.Member != "a" || zk.Score != 1.5 {
				t.Errorf("BZPOPMIN = %+v", zk)
			}
			got = wake(func() (any, error) { return c.BZPopMax(ctx, 0, "y"+p, z+"m").Result() }, "ZADD", z+"m", "2", "b", "1", "a")
			if zk := got.(*redis.ZWithKey); zk.Key != z+"m" || zk.Member != "b" || zk.Score != 2 {
				t.Errorf("BZPOPMAX = %+v", zk)
			}
			got = wake(func() (any, error) {
				k, v, err := c.BZMPop(ctx, 0, "min", 5, "q"+p).Result()
				return k + " " + fmt.Sprint(v), err
			}, "ZADD", "q"+p, "3", "c", "1", "a")
			if got != "q"+p+" [{1 a} {3 c}]" {
				t.Errorf("BZMPOP = %v", got)
			}
		})
	}
}

// TestBlocking_Timeout checks that a timeout answers nil after about the
// time asked, and that 0 waits until served.
func TestBlocking_Timeout(t *testing.T) {
	t.Parallel()
	srv := bkStartHub(t)
	ctx := context.Background()
	c := srv.client(2)
	defer c.Close()
	for _, tt := range []struct {
		name string
		run  func() error
	}{
		// go-redis rounds its durations up to seconds: send the commands raw.
		{"BLPOP", func() error { return c.Do(ctx, "BLPOP", "nokey", "0.15").Err() }},
		{"BZPOPMIN", func() error { return c.Do(ctx, "BZPOPMIN", "nokey", "0.15").Err() }},
		{"BLMOVE", func() error { return c.Do(ctx, "BLMOVE", "nokey", "d", "LEFT", "LEFT", ".15").Err() }},
		{"BZMPOP", func() error { return c.Do(ctx, "BZMPOP", "0.15", "1", "nokey", "MAX").Err() }},
	} {
		start := time.Now()
		err := tt.run()
		el := time.Since(start)
		if !errors.Is(err, redis.Nil) {
			t.Errorf("%s: %v, want nil", tt.name, err)
		}
		if el < 150*time.Millisecond || el > 5*time.Second {
			t.Errorf("%s timed out after %v, want about 150ms", tt.name, el)
		}
	}
	// Many timeouts at once, in deadline order, leave no client blocked.
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ms := strconv.FormatFloat(float64(10+5*i)/1000, 'f', -1, 64)
			if err := c.Do(ctx, "BLPOP", "nokey", ms).Err(); !errors.Is(err, redis.Nil) {
				t.Errorf("BLPOP: %v", err)
			}
		}()
	}
	wg.Wait()
	bkDial(t, srv).waitBlocked(0)
}

// TestBlocking_ClientGone checks that a client that disconnects, or is
// killed, while blocked is dropped without popping anything.
func TestBlocking_ClientGone(t *testing.T) {
	t.Parallel()
	srv := bkStartHub(t)
	ctl := bkDial(t, srv)

	a := bkDial(t, srv)
	a.send("BLPOP", "k", "0")
	ctl.waitBlocked(1)
	a.conn.Close()
	ctl.waitBlocked(0)

	b := bkDial(t, srv)
	id := strings.TrimPrefix(strings.TrimSpace(b.do("CLIENT", "ID")), ":")
	b.send("BLMOVE", "k", "d", "LEFT", "LEFT", "0")
	ctl.waitBlocked(1)
	if got := ctl.do("CLIENT", "KILL", "ID", id); got != ":1\r\n" {
		t.Fatalf("CLIENT KILL = %q", got)
	}
	ctl.waitBlocked(0)

	// A client that sent more commands behind the blocked one and hung up.
	d := bkDial(t, srv)
	d.send("BLPOP", "k", "0")
	d.send("SET", "never", "1")
	ctl.waitBlocked(1)
	d.conn.Close()
	ctl.waitBlocked(0)

	if got := ctl.do("RPUSH", "k", "x"); got != ":1\r\n" {
		t.Fatalf("RPUSH = %q", got)
	}
	if got := ctl.do("LRANGE", "k", "0", "-1"); got != "*1\r\n$1\r\nx\r\n" {
		t.Errorf("a client gone while blocked popped: LRANGE = %q", got)
	}
	if got := ctl.do("EXISTS", "d", "never"); got != ":0\r\n" {
		t.Errorf("EXISTS d never = %q", got)
	}
	// The hub goes on serving blocked clients.
	e := bkDial(t, srv)
	e.send("BLPOP", "k2", "0")
	ctl.waitBlocked(1)
	ctl.do("RPUSH", "k2", "y")
	if got := e.read(); got != "*2\r\n$2\r\nk2\r\n$1\r\ny\r\n" {
		t.Errorf("BLPOP = %q", got)
	}
}

// TestBlocking_ManyClients blocks many clients on a few keys and serves
// them all with pushes from concurrent writers: every element is popped
// exactly once and nobody stays blocked.
func TestBlocking_ManyClients(t *testing.T) {
	t.Parallel()
	srv := bkStartHub(t)
	ctx := context.Background()
	const clients, keys = 40, 4
	c := redis.NewClient(&redis.Options{Network: srv.network, Addr: srv.addr, ReadTimeout: -1, PoolSize: clients + 8})
	defer c.Close()
	got := make(chan string, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := "k" + strconv.Itoa(i%keys)
			var v string
			var err error
			if i%2 == 0 {
				var r []string
				r, err = c.BLPop(ctx, 0, k).Result()
				if err == nil {
					v = r[1]
				}
			} else {
				v, err = c.BLMove(ctx, k, "moved", "RIGHT", "LEFT", 0).Result()
			}
			if err != nil {
				t.Error(err)
			}
			got <- v
		}()
	}
	bkDial(t, srv).waitBlocked(clients)
	var pushers sync.WaitGroup
	for i := range clients {
		pushers.Add(1)
		go func() {
			defer pushers.Done()
			if err := c.RPush(ctx, "k"+strconv.Itoa(i%keys), "v"+strconv.Itoa(i)).Err(); err != nil {
				t.Error(err)
			}
		}()
	}
	pushers.Wait()
	wg.Wait()
	close(got)
	seen := map[string]bool{}
	for v := range got {
		if seen[v] {
			t.Errorf("%s popped twice", v)
		}
		seen[v] = true
	}
	if len(seen) != clients {
		t.Errorf("%d distinct values popped, want %d", len(seen), clients)
	}
	for i := range keys {
		if n := c.LLen(ctx, "k"+strconv.Itoa(i)).Val(); n != 0 {
			t.Errorf("k%d has %d elements left", i, n)
		}
	}
}

// TestBlocking_Multi checks that blocking commands inside MULTI answer at
// once through go-redis's transactions.
func TestBlocking_Multi(t *testing.T) {
	t.Parallel()
	srv := bkStartHub(t)
	ctx := context.Background()
	c := srv.client(3)
	defer c.Close()
	var lp *redis.StringSliceCmd
	var mv *redis.StringCmd
	var zp *redis.ZWithKeyCmd
	if _, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		lp = p.BLPop(ctx, 0, "nokey")
		mv = p.BLMove(ctx, "nokey", "d", "LEFT", "LEFT", 0)
		zp = p.BZPopMin(ctx, 0, "nokey")
		p.RPush(ctx, "l", "a")
		return nil
	}); err != nil && !errors.Is(err, redis.Nil) {
		t.Fatal(err)
	}
	for _, err := range []error{lp.Err(), mv.Err(), zp.Err()} {
		if !errors.Is(err, redis.Nil) {
			t.Errorf("inside MULTI: %v, want nil", err)
		}
	}
}
