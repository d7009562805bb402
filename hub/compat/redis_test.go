// Package compat holds the differential tests against a real redis-server
// (STYLE R11.6): the same command streams go to redis-server 7 and to an
// in-process engine.Replica, and the RESP2 bytes must match, except where a
// difference is intentional and listed in README.md. The package has only
// test files.
//
// The tests need redis-server on PATH and fail without it: CI installs it.
package compat

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lattice/shared/resp"
)

// startRedis runs a private redis-server on a unix socket in a temporary
// directory and stops it when the test ends. extra are more config flags.
// The server has one database, as the engine does, so that COPY ... DB n
// answers alike.
func startRedis(t *testing.T, extra ...string) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is not on PATH: the compat tests compare against a real redis-server 7 " +
			"(CI installs it; locally: apt-get install redis-server)")
	}
	dir := shortTempDir(t)
	sock := filepath.Join(dir, "r.sock")
	argv := append([]string{"--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no",
		"--dir", dir, "--loglevel", "warning", "--databases", "1"}, extra...)
	cmd := exec.Command(bin, argv...)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if pingRedis(sock) {
			return sock
		}
		select {
		case err := <-exited:
			t.Fatalf("redis-server exited before answering PING (%v):\n%s", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not answer PING within 10s:\n%s", out.String())
		}
	}
}

// shortTempDir is t.TempDir, or a directory under /tmp when that path is
// too long for a unix socket (108 bytes on Linux, 104 on macOS, whose
// $TMPDIR is long).
func shortTempDir(t *testing.T) string {
	dir := t.TempDir()
	if len(dir) < 80 {
		return dir
	}
	dir, err := os.MkdirTemp("/tmp", "compat")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func pingRedis(sock string) bool {
	c, err := net.DialTimeout("unix", sock, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return false
	}
	buf := make([]byte, 64)
	n, _ := c.Read(buf)
	// A server with a password answers NOAUTH: it is up all the same.
	return n > 0 && (string(buf[:n]) == "+PONG\r\n" || strings.HasPrefix(string(buf[:n]), "-NOAUTH"))
}

// lockedBuffer collects redis-server's output, written by the exec
// package's copying goroutines and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// redisConn is a minimal RESP2 client: one command, one raw reply.
type redisConn struct {
	c   net.Conn
	buf []byte
}

func dialRedis(t *testing.T, sock string) *redisConn {
	t.Helper()
	c, err := net.DialTimeout("unix", sock, 5*time.Second)
	if err != nil {
		t.Fatalf("dial redis-server: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return &redisConn{c: c}
}

// encodeCommand writes args as a multibulk request.
func encodeCommand(args [][]byte) []byte {
	out := resp.AppendArrayHeader(nil, len(args))
	for _, a := range args {
		out = resp.AppendBulk(out, a)
	}
	return out
}

// do sends one command and returns the raw bytes of its reply.
func (rc *redisConn) do(args [][]byte) ([]byte, error) {
	if err := rc.c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return nil, err
	}
	if _, err := rc.c.Write(encodeCommand(args)); err != nil {
		return nil, err
	}
	return rc.read()
}

// read returns the next whole reply from the connection.
func (rc *redisConn) read() ([]byte, error) {
	chunk := make([]byte, 64<<10)
	for {
		_, n, err := resp.ReadReply(rc.buf)
		if err == nil {
			raw := bytes.Clone(rc.buf[:n])
			rc.buf = append(rc.buf[:0], rc.buf[n:]...)
			return raw, nil
		}
		if !errors.Is(err, resp.ErrIncomplete) {
			return nil, err
		}
		m, err := rc.c.Read(chunk)
		if err != nil {
			return nil, err
		}
		rc.buf = append(rc.buf, chunk[:m]...)
	}
}
