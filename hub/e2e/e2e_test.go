// Package e2e runs the hub binary as a real process on loopback and talks to
// it with real Redis clients.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"io"
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

	"lattice/shared/resp"
)

var hubBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lattice-e2e")
	if err != nil {
		panic(err)
	}
	hubBin = filepath.Join(dir, "hub")
	args := []string{"build", "-o", hubBin}
	if raceEnabled {
		args = append(args, "-race")
	}
	out, err := exec.Command("go", append(args, "lattice/hub")...).CombinedOutput()
	if err != nil {
		panic("build hub: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// hubProc is a hub process started by a test.
type hubProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	resp   string // RESP address
	http   string // HTTP address
	dir    string // data directory
	logs   *syncBuffer
	pass   string // AUTH password for client and info
	exited chan struct{}
	err    error // Wait's result, once exited is closed
}

// syncBuffer collects a process's stderr.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startHub starts a hub on port 0 and returns its RESP address.
func startHub(t *testing.T, args ...string) string {
	t.Helper()
	return startHubProc(t, args...).resp
}

// startHubProc starts a hub on port 0 (both listeners) in a fresh data
// directory and waits for it to report its addresses. The hub is stopped
// with SIGINT when the test ends; its log is shown if the test failed.
func startHubProc(t *testing.T, args ...string) *hubProc {
	t.Helper()
	dir := t.TempDir()
	h := &hubProc{t: t, dir: filepath.Join(dir, "data"), logs: &syncBuffer{}, exited: make(chan struct{})}
	addrFile := filepath.Join(dir, "addr")
	h.cmd = exec.Command(hubBin, append([]string{"--listen", "127.0.0.1:0", "--http", "127.0.0.1:0",
		"--dir", h.dir, "--addr-file", addrFile}, args...)...)
	h.cmd.Stderr = h.logs
	if raceEnabled && os.Getenv("GORACE") == "" {
		// The race runtime sleeps a second at exit by default.
		h.cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	}
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { h.err = h.cmd.Wait(); close(h.exited) }()
	t.Cleanup(func() {
		_ = h.cmd.Process.Signal(os.Interrupt)
		select {
		case <-h.exited:
		case <-time.After(15 * time.Second):
			_ = h.cmd.Process.Kill()
			<-h.exited
		}
		if strings.Contains(h.logs.String(), "WARNING: DATA RACE") {
			t.Errorf("the hub reported a data race")
		}
		if t.Failed() {
			t.Logf("hub log:\n%s", h.logs.String())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(addrFile); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(line, "resp="); ok {
					h.resp = v
				}
				if v, ok := strings.CutPrefix(line, "http="); ok {
					h.http = v
				}
			}
			if h.resp != "" && h.http != "" {
				return h
			}
		}
		select {
		case <-h.exited:
			t.Fatalf("hub exited at start: %v\n%s", h.err, h.logs.String())
		case <-time.After(10 * time.Millisecond): // polling for the file, with a deadline
		}
	}
	t.Fatal("hub did not report its addresses")
	return nil
}

// port is the RESP port, as redis-cli takes it.
func (h *hubProc) port() string {
	_, p, _ := net.SplitHostPort(h.resp)
	return p
}

func (h *hubProc) client(proto int) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: h.resp, Protocol: proto, Password: h.pass})
	h.t.Cleanup(func() { c.Close() })
	return c
}

// waitExit waits for the process to exit by itself.
func (h *hubProc) waitExit(d time.Duration) error {
	h.t.Helper()
	select {
	case <-h.exited:
		return h.err
	case <-time.After(d):
		h.t.Fatalf("hub still running after %v", d)
		return nil
	}
}

// rss returns the hub's resident set size in bytes (Linux only; 0 elsewhere).
func (h *hubProc) rss() int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(h.cmd.Process.Pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			kb, _ := strconv.ParseInt(f[0], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// info reads one INFO field through a fresh connection.
func (h *hubProc) info(field string) string {
	h.t.Helper()
	c := redis.NewClient(&redis.Options{Addr: h.resp, Protocol: 2, Password: h.pass})
	defer c.Close()
	s, err := c.Info(context.Background(), "everything").Result()
	if err != nil {
		h.t.Fatalf("INFO: %v", err)
	}
	for _, line := range strings.Split(s, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	return ""
}

// eventually polls cond until it holds or d passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond) // polling, with a deadline
	}
}

// rawConn is a plain TCP connection speaking RESP by hand.
type rawConn struct {
	t    *testing.T
	conn net.Conn
	buf  []byte
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawConn{t: t, conn: conn}
}

func (r *rawConn) send(s string) {
	r.t.Helper()
	if _, err := r.conn.Write([]byte(s)); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

// command sends one command as a multibulk frame.
func (r *rawConn) command(args ...string) {
	r.t.Helper()
	var b []byte
	b = resp.AppendArrayHeader(b, len(args))
	for _, a := range args {
		b = resp.AppendBulk(b, a)
	}
	if _, err := r.conn.Write(b); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

// reply reads one reply.
func (r *rawConn) reply() resp.Value {
	r.t.Helper()
	_ = r.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	chunk := make([]byte, 64<<10)
	for {
		if len(r.buf) > 0 {
			v, n, err := resp.ReadReply(r.buf)
			if err == nil {
				v = cloneValue(v)
				r.buf = r.buf[n:]
				return v
			}
			if !errors.Is(err, resp.ErrIncomplete) {
				r.t.Fatalf("bad reply %q: %v", r.buf, err)
			}
		}
		n, err := r.conn.Read(chunk)
		if err != nil {
			r.t.Fatalf("read reply: %v (have %q)", err, r.buf)
		}
		r.buf = append(r.buf, chunk[:n]...)
	}
}

func cloneValue(v resp.Value) resp.Value {
	v.Str = bytes.Clone(v.Str)
	for i := range v.Elems {
		v.Elems[i] = cloneValue(v.Elems[i])
	}
	return v
}

// replyText reads one reply and returns it as text: "+OK", "-ERR ...",
// ":1", "$value", "*2".
func (r *rawConn) replyText() string {
	r.t.Helper()
	v := r.reply()
	switch v.Type {
	case resp.TypeInt:
		return ":" + strconv.FormatInt(v.Int, 10)
	case resp.TypeArray, resp.TypeMap, resp.TypeSet:
		return "*" + strconv.Itoa(len(v.Elems))
	}
	if v.Null {
		return "$nil"
	}
	return string(v.Type) + string(v.Str)
}

// expectClosed reads until the hub closes the connection, and fails if it
// does not within d. Data before the close is returned.
func (r *rawConn) expectClosed(d time.Duration) []byte {
	r.t.Helper()
	_ = r.conn.SetReadDeadline(time.Now().Add(d))
	rest, err := io.ReadAll(r.conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		r.t.Fatalf("connection still open after %v", d)
	}
	return append(r.buf, rest...)
}

func TestE2E_GoRedis(t *testing.T) {
	addr := startHub(t)
	for _, proto := range []int{2, 3} {
		t.Run(map[int]string{2: "resp2", 3: "resp3"}[proto], func(t *testing.T) {
			ctx := context.Background()
			c := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto})
			defer c.Close()
			key := "k" + string(rune('0'+proto))
			if err := c.Set(ctx, key, "v", 0).Err(); err != nil {
				t.Fatal(err)
			}
			if v, err := c.Get(ctx, key).Result(); err != nil || v != "v" {
				t.Fatalf("GET = %q, %v", v, err)
			}
			if n, err := c.Incr(ctx, key+"n").Result(); err != nil || n != 1 {
				t.Fatalf("INCR = %d, %v", n, err)
			}
			if err := c.HSet(ctx, key+"h", "f", "1", "g", "2").Err(); err != nil {
				t.Fatal(err)
			}
			m, err := c.HGetAll(ctx, key+"h").Result()
			if err != nil || m["f"] != "1" || m["g"] != "2" {
				t.Fatalf("HGETALL = %v, %v", m, err)
			}
			cmds, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.SAdd(ctx, key+"s", "a", "b")
				p.SCard(ctx, key+"s")
				return nil
			})
			if err != nil || cmds[1].(*redis.IntCmd).Val() != 2 {
				t.Fatalf("MULTI/EXEC: %v %v", cmds, err)
			}
			if _, err := c.Get(ctx, "missing").Result(); err != redis.Nil {
				t.Fatalf("GET missing: %v", err)
			}
			if err := c.Do(ctx, "NOSUCHCOMMAND", "x").Err(); err == nil || !strings.Contains(err.Error(), "unknown command") {
				t.Fatalf("unknown command: %v", err)
			}
		})
	}
}

func TestE2E_RequirePass(t *testing.T) {
	addr := startHub(t, "--requirepass", "secret")
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	defer c.Close()
	if err := c.Set(ctx, "k", "v", 0).Err(); err == nil || !strings.HasPrefix(err.Error(), "NOAUTH") {
		t.Fatalf("unauthenticated SET: %v", err)
	}
	a := redis.NewClient(&redis.Options{Addr: addr, Password: "secret"})
	defer a.Close()
	if err := a.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
}

// TestE2E_Watch runs go-redis's optimistic locking (WATCH, MULTI, EXEC)
// against the hub: a transaction whose watched key another client changed
// fails with TxFailedErr, and the retry succeeds.
func TestE2E_Watch(t *testing.T) {
	addr := startHub(t)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 3})
	defer c.Close()
	other := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	defer other.Close()
	if err := c.Set(ctx, "n", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	incr := func(interfere bool) error {
		return c.Watch(ctx, func(tx *redis.Tx) error {
			n, err := tx.Get(ctx, "n").Int()
			if err != nil {
				return err
			}
			if interfere {
				if err := other.Set(ctx, "n", "100", 0).Err(); err != nil {
					return err
				}
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, "n", n+1, 0)
				p.Ping(ctx)
				return nil
			})
			return err
		}, "n")
	}
	if err := incr(true); err != redis.TxFailedErr {
		t.Fatalf("transaction after a concurrent SET: %v, want TxFailedErr", err)
	}
	if err := incr(false); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if v, err := c.Get(ctx, "n").Result(); err != nil || v != "101" {
		t.Fatalf("GET n = %q, %v; want 101", v, err)
	}
}
