package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"lattice/shared/resp"
)

// tool returns the path of a Redis tool, or skips the test without it.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed", name)
	}
	return p
}

// runTool runs a tool with a deadline and returns its stdout.
func runTool(t *testing.T, stdin []byte, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool(t, name), args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\nstdout: %s\nstderr: %s", name, args, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

func TestE2E_RedisCLI(t *testing.T) {
	h := startHubProc(t)
	out := runTool(t, nil, "redis-cli", "-p", h.port(), "INFO")
	for _, want := range []string{"# Server\r\nredis_version:7.0.15\r\n", "# Crdt\r\n", "tcp_port:" + h.port()} {
		if !strings.Contains(out, want) {
			t.Fatalf("redis-cli INFO lacks %q:\n%s", want, out)
		}
	}
	// redis-cli reading commands from standard input, one per line, as a
	// session would type them.
	session := "SET greeting hello\nGET greeting\nCLIENT SETNAME cli\nCLIENT GETNAME\nDBSIZE\nCONFIG GET maxclients\n" +
		"COMMAND COUNT\nINCR n\nHSET h f v\nHGETALL h\nNOSUCH x\nPING\n"
	out = runTool(t, []byte(session), "redis-cli", "-p", h.port())
	want := []string{"OK", "hello", "OK", "cli", "1", "maxclients", "10000"}
	lines := strings.Split(out, "\n")
	for i, w := range want {
		if i >= len(lines) || lines[i] != w {
			t.Fatalf("redis-cli session line %d = %q, want %q; output:\n%s", i, lines[i], w, out)
		}
	}
	for _, w := range []string{"ERR unknown command 'NOSUCH'", "PONG", "f\nv\n"} {
		if !strings.Contains(out, w) {
			t.Fatalf("redis-cli session output lacks %q:\n%s", w, out)
		}
	}
	// --no-raw, as a terminal shows replies.
	out = runTool(t, nil, "redis-cli", "--no-raw", "-p", h.port(), "CLIENT", "ID")
	if !regexp.MustCompile(`^\(integer\) \d+\n$`).MatchString(out) {
		t.Fatalf("redis-cli --no-raw CLIENT ID = %q", out)
	}
}

// TestE2E_RedisCLIPipe loads 10,000 commands with redis-cli --pipe (mass
// insertion).
func TestE2E_RedisCLIPipe(t *testing.T) {
	h := startHubProc(t)
	var in []byte
	const n = 10000
	for i := range n {
		in = resp.AppendArrayHeader(in, 3)
		in = resp.AppendBulk(in, "SET")
		in = resp.AppendBulk(in, fmt.Sprintf("key:%05d", i))
		in = resp.AppendBulk(in, fmt.Sprintf("value-%d", i))
	}
	out := runTool(t, in, "redis-cli", "-p", h.port(), "--pipe")
	if !strings.Contains(out, fmt.Sprintf("errors: 0, replies: %d", n)) {
		t.Fatalf("redis-cli --pipe:\n%s", out)
	}
	c := h.client(2)
	if got, err := c.DBSize(context.Background()).Result(); err != nil || got != n {
		t.Fatalf("DBSIZE after --pipe = %d, %v", got, err)
	}
	if v, err := c.Get(context.Background(), "key:09999").Result(); err != nil || v != "value-9999" {
		t.Fatalf("GET key:09999 = %q, %v", v, err)
	}
}

// TestE2E_RedisBenchmark runs a short redis-benchmark: every request must
// succeed (redis-benchmark exits non-zero or prints errors otherwise).
func TestE2E_RedisBenchmark(t *testing.T) {
	h := startHubProc(t)
	out := runTool(t, nil, "redis-benchmark", "-p", h.port(), "-n", "2000", "-t", "set,get", "-q")
	for _, cmd := range []string{"SET", "GET"} {
		if !regexp.MustCompile(`(?m)` + cmd + `: [0-9.]+ requests per second`).MatchString(out) {
			t.Fatalf("redis-benchmark output lacks a %s result:\n%s", cmd, out)
		}
	}
	if strings.Contains(out, "ERR") {
		t.Fatalf("redis-benchmark saw errors:\n%s", out)
	}
	out = runTool(t, nil, "redis-benchmark", "-p", h.port(), "-n", "2000", "-P", "16", "-t", "incr,lpush,sadd", "-q")
	if strings.Count(out, "requests per second") != 3 {
		t.Fatalf("pipelined redis-benchmark:\n%s", out)
	}
}
