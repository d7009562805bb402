package e2e

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Hostile and malformed input over raw TCP: every case gets Redis's error
// and a closed connection, or a closed connection, and the hub keeps
// serving with bounded memory (ARCHITECTURE.md, Security;
// RELIABILITY.md T15).

// expectErrorThenClose checks that the hub answers want and closes.
func expectErrorThenClose(t *testing.T, r *rawConn, want string) {
	t.Helper()
	got := r.expectClosed(10 * time.Second)
	if string(got) != "-"+want+"\r\n" {
		t.Fatalf("reply before close = %q, want -%s", got, want)
	}
}

// healthy checks that the hub still serves after an attack.
func healthy(t *testing.T, h *hubProc) {
	t.Helper()
	r := dialRaw(t, h.resp)
	r.command("PING")
	if got := r.replyText(); got != "+PONG" {
		t.Fatalf("PING after the attack = %q", got)
	}
}

func TestE2E_HostileProtocol(t *testing.T) {
	h := startHubProc(t)
	cases := []struct {
		name, send, want string
	}{
		{"bulk over proto-max-bulk-len", "*1\r\n$536870913\r\n", "ERR Protocol error: invalid bulk length"},
		{"negative bulk", "*1\r\n$-5\r\n", "ERR Protocol error: invalid bulk length"},
		{"count over INT_MAX", "*4294967296\r\n", "ERR Protocol error: invalid multibulk length"},
		{"millions of arguments", "*3000000\r\n", "ERR Protocol error: invalid multibulk length"},
		{"not a bulk", "*1\r\n:1\r\n", "ERR Protocol error: expected '$', got ':'"},
		{"inline over 64KiB", strings.Repeat("a", 70<<10), "ERR Protocol error: too big inline request"},
		{"unbalanced quotes", "SET \"a b\r\n", "ERR Protocol error: unbalanced quotes in request"},
	}
	for _, tc := range cases {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			r := dialRaw(t, h.resp)
			r.send(tc.send)
			expectErrorThenClose(t, r, tc.want)
		})
	}
	// Commands before the bad frame are answered first, as Redis does.
	r := dialRaw(t, h.resp)
	r.send("PING\r\n*1\r\n$-5\r\n")
	if got := r.expectClosed(10 * time.Second); string(got) != "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n" {
		t.Fatalf("PING then a bad frame: %q", got)
	}
	healthy(t, h)
}

// TestE2E_HostileManyArguments sends one command of a million arguments,
// under the limit: it is parsed and answered, and the hub stays healthy.
func TestE2E_HostileManyArguments(t *testing.T) {
	if testing.Short() {
		t.Skip("sends a million arguments")
	}
	h := startHubProc(t)
	const n = 1 << 20
	var b bytes.Buffer
	b.WriteString("*" + strconv.Itoa(n) + "\r\n$4\r\nECHO\r\n")
	for range n - 1 {
		b.WriteString("$1\r\nx\r\n")
	}
	r := dialRaw(t, h.resp)
	go func() { _, _ = r.conn.Write(b.Bytes()) }()
	if got := r.replyText(); got != "-ERR wrong number of arguments for 'echo' command" {
		t.Fatalf("a million-argument ECHO = %q", got)
	}
	healthy(t, h)
	if rss := h.rss(); rss > 512<<20 {
		t.Fatalf("hub RSS %d MiB after a million arguments", rss>>20)
	}
}

// TestE2E_HostileNeverReads floods commands without ever reading the
// replies: the replies pile up until the client passes its output buffer
// limit, then the hub closes it; the hub's memory stays bounded.
func TestE2E_HostileNeverReads(t *testing.T) {
	h := startHubProc(t, "--client-output-buffer-limit", "normal 4mb 0 0")
	c := h.client(2)
	ctx := context.Background()
	// A 64 KiB value: each 30-byte GET asks for 64 KiB of reply.
	if err := c.Set(ctx, "big", strings.Repeat("v", 64<<10), 0).Err(); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", h.resp)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.(*net.TCPConn).SetReadBuffer(4 << 10) // keep the kernel from absorbing much
	get := []byte(strings.Repeat("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n", 512))
	var werr error
	sent := 0
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
		var k int
		k, werr = conn.Write(get)
		sent += k
		var ne net.Error
		if werr != nil && !(errors.As(werr, &ne) && ne.Timeout()) {
			break
		}
	}
	if werr == nil {
		t.Fatalf("the hub never closed a client that does not read (sent %d MiB)", sent>>20)
	}
	eventually(t, 10*time.Second, "the disconnection to be counted", func() bool {
		return h.info("client_output_buffer_limit_disconnections") == "1"
	})
	if rss := h.rss(); rss > 256<<20 {
		t.Fatalf("hub RSS %d MiB after the flood", rss>>20)
	}
	if !strings.Contains(h.logs.String(), "closing client for overcoming of output buffer limits") {
		t.Fatalf("no log line for the disconnection:\n%s", h.logs.String())
	}
	healthy(t, h)
}

// TestE2E_HostileSlowReader reads a large pipelined answer slowly: the hub
// queues the replies (within the output limit) and delivers all of them,
// in order, while serving others.
func TestE2E_HostileSlowReader(t *testing.T) {
	h := startHubProc(t)
	c := h.client(2)
	ctx := context.Background()
	if err := c.Set(ctx, "v", strings.Repeat("s", 32<<10), 0).Err(); err != nil {
		t.Fatal(err)
	}
	r := dialRaw(t, h.resp)
	const n = 300 // about 10 MiB of replies, more than the socket buffers hold
	var req []byte
	for i := range n {
		req = append(req, "*2\r\n$4\r\nECHO\r\n$"+strconv.Itoa(len(strconv.Itoa(i)))+"\r\n"+strconv.Itoa(i)+"\r\n"...)
		req = append(req, "*2\r\n$3\r\nGET\r\n$1\r\nv\r\n"...)
	}
	r.send(string(req))
	// Meanwhile, another client is served.
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the queued replies to show in CLIENT LIST omem", func() bool {
		list, _ := c.ClientList(ctx).Result()
		for _, l := range strings.Split(list, "\n") {
			if strings.Contains(l, "addr="+r.conn.LocalAddr().String()) && !strings.Contains(l, " omem=0 ") {
				return true
			}
		}
		return false
	})
	for i := range n {
		if i%10 == 0 {
			time.Sleep(time.Millisecond) // a slow reader
		}
		if got := r.replyText(); got != "$"+strconv.Itoa(i) {
			t.Fatalf("reply %d = %q", 2*i, got)
		}
		if v := r.reply(); len(v.Str) != 32<<10 {
			t.Fatalf("reply %d: %d bytes", 2*i+1, len(v.Str))
		}
	}
}

// TestE2E_HostileUnauthenticated checks the tighter limits before AUTH
// (CVE-2021-32675, CVE-2025-21605).
func TestE2E_HostileUnauthenticated(t *testing.T) {
	h := startHubProc(t, "--requirepass", "pw")
	h.pass = "pw"
	r := dialRaw(t, h.resp)
	r.send("*11\r\n")
	expectErrorThenClose(t, r, "ERR Protocol error: unauthenticated multibulk length")
	r = dialRaw(t, h.resp)
	r.send("*2\r\n$4\r\nAUTH\r\n$16385\r\n")
	expectErrorThenClose(t, r, "ERR Protocol error: unauthenticated bulk length")

	// After AUTH the usual limits apply, even in the same packet.
	r = dialRaw(t, h.resp)
	big := strings.Repeat("x", 20000)
	r.send("*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$20000\r\n" + big + "\r\n")
	if a, b := r.replyText(), r.replyText(); a != "+OK" || b != "+OK" {
		t.Fatalf("AUTH then a 20 KB SET = %q %q", a, b)
	}

	// A client that never authenticates and never reads is closed once a
	// kilobyte of NOAUTH errors waits for it.
	conn, err := net.Dial("tcp", h.resp)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.(*net.TCPConn).SetReadBuffer(4 << 10)
	flood := []byte(strings.Repeat("*1\r\n$4\r\nPING\r\n", 4096))
	var werr error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && werr == nil; {
		_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		_, werr = conn.Write(flood)
	}
	if werr == nil {
		t.Fatal("an unauthenticated client that never reads was not closed")
	}
	healthy2 := dialRaw(t, h.resp)
	healthy2.command("AUTH", "pw")
	if got := healthy2.replyText(); got != "+OK" {
		t.Fatalf("AUTH after the flood = %q", got)
	}
}

// TestE2E_HostileQueryBuffer closes a client whose unparsed input passes
// client-query-buffer-limit, without a reply (as Redis does).
func TestE2E_HostileQueryBuffer(t *testing.T) {
	h := startHubProc(t, "--client-query-buffer-limit", "1mb")
	r := dialRaw(t, h.resp)
	go func() {
		_, _ = r.conn.Write([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n" + strings.Repeat("z", 2<<20)))
	}()
	if got := r.expectClosed(10 * time.Second); len(got) != 0 {
		t.Fatalf("reply before close: %q", got)
	}
	eventually(t, 5*time.Second, "the disconnection to be counted", func() bool {
		return h.info("client_query_buffer_limit_disconnections") == "1"
	})
	healthy(t, h)
}

// TestE2E_IdleTimeout closes idle clients after `timeout` seconds; a
// CONFIG SET takes effect on clients already waiting.
func TestE2E_IdleTimeout(t *testing.T) {
	h := startHubProc(t)
	idle := dialRaw(t, h.resp)
	idle.command("PING")
	idle.replyText()
	admin := h.client(2)
	if err := admin.ConfigSet(context.Background(), "timeout", "1").Err(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	idle.expectClosed(10 * time.Second)
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Fatalf("idle client closed after %v, before its timeout", d)
	}
	if err := admin.ConfigSet(context.Background(), "timeout", "0").Err(); err != nil {
		t.Fatal(err) // admin was busy: not idle
	}
}

// TestE2E_MaxClients refuses connections past maxclients with Redis's
// error.
func TestE2E_MaxClients(t *testing.T) {
	h := startHubProc(t, "--maxclients", "2")
	a := dialRaw(t, h.resp)
	a.command("PING")
	a.replyText()
	b := dialRaw(t, h.resp)
	b.command("PING")
	b.replyText()
	c := dialRaw(t, h.resp)
	expectErrorThenClose(t, c, "ERR max number of clients reached")
	a.command("QUIT")
	if got := a.replyText(); got != "+OK" {
		t.Fatalf("QUIT = %q", got)
	}
	a.expectClosed(5 * time.Second)
	eventually(t, 5*time.Second, "a free slot", func() bool {
		d := dialRaw(t, h.resp)
		defer d.conn.Close()
		d.command("PING")
		return d.replyText() == "+PONG"
	})
	b.conn.Close()
	if v := h.info("rejected_connections"); v == "0" {
		t.Fatalf("rejected_connections = %s", v)
	}
}
