package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is one running server process: the hub or redis-server.
type server struct {
	name string
	addr string // host:port of the RESP listener
	cmd  *exec.Cmd
	log  string // where its output goes
	done chan error
}

// pinned prefixes argv with taskset when cpu is not empty. taskset execs
// the program, so the process id is the server's.
func pinned(cpu string, argv ...string) []string {
	if cpu == "" {
		return argv
	}
	return append([]string{"taskset", "-c", cpu}, argv...)
}

func startProcess(name, dir string, argv []string) (*server, error) {
	logPath := filepath.Join(dir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	s := &server{name: name, cmd: cmd, log: logPath, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	return s, nil
}

// startHub runs the hub binary on port 0 with a fresh data directory and
// waits until it reports its address and answers PING.
func startHub(bin, cpu, dir, fsync string) (*server, error) {
	data := filepath.Join(dir, "hub-data")
	addrFile := filepath.Join(dir, "hub.addr")
	if err := os.RemoveAll(data); err != nil {
		return nil, err
	}
	os.Remove(addrFile)
	s, err := startProcess("hub", dir, pinned(cpu, bin, "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0",
		"--dir", data, "--appendfsync", fsync, "--addr-file", addrFile))
	if err != nil {
		return nil, err
	}
	err = s.waitUntil(func() bool {
		b, err := os.ReadFile(addrFile)
		if err != nil {
			return false
		}
		for line := range strings.SplitSeq(string(b), "\n") {
			if addr, ok := strings.CutPrefix(line, "resp="); ok {
				s.addr = addr
				return ping(addr)
			}
		}
		return false
	})
	return s, err
}

// startRedis runs redis-server on a free loopback port with the
// persistence the comparison asks for.
func startRedis(cpu, dir string, aof bool) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "redis-data")
	if err := os.RemoveAll(data); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	appendonly := "no"
	if aof {
		appendonly = "yes"
	}
	s, err := startProcess("redis-server", dir, pinned(cpu, "redis-server", "--port", strconv.Itoa(port),
		"--bind", "127.0.0.1", "--save", "", "--appendonly", appendonly, "--appendfsync", "everysec",
		"--dir", data, "--loglevel", "warning"))
	if err != nil {
		return nil, err
	}
	s.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	return s, s.waitUntil(func() bool { return ping(s.addr) })
}

// freePort asks the kernel for a free port by listening on port 0. Another
// process could take it before redis-server binds it: then redis-server
// exits and the run fails with its log.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitUntil polls ready for up to 20 seconds, failing early if the
// process exits.
func (s *server) waitUntil(ready func() bool) error {
	deadline := time.Now().Add(20 * time.Second)
	for !ready() {
		select {
		case err := <-s.done:
			s.done <- err
			return fmt.Errorf("%s exited during start-up (%v); log: %s\n%s", s.name, err, s.log, tail(s.log))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return fmt.Errorf("%s did not answer within 20s; log: %s\n%s", s.name, s.log, tail(s.log))
		}
	}
	return nil
}

func ping(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && line == "+PONG\r\n"
}

// stop sends SIGTERM (the hub flushes and snapshots; redis-server writes
// its append-only file) and kills the process after 30 seconds.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// rss is the process's resident set size in bytes (VmRSS).
func rss(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// command runs a program with a timeout and returns its standard output.
func command(timeout time.Duration, argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%s: %w\n%s", strings.Join(argv, " "), err, stderr.String())
	}
	return string(out), nil
}

// cpus returns the CPUs this process may run on (Cpus_allowed_list).
func cpus() []string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		v, ok := strings.CutPrefix(line, "Cpus_allowed_list:")
		if !ok {
			continue
		}
		var out []string
		for part := range strings.SplitSeq(strings.TrimSpace(v), ",") {
			lo, hi, isRange := strings.Cut(part, "-")
			a, err1 := strconv.Atoi(lo)
			z := a
			var err2 error
			if isRange {
				z, err2 = strconv.Atoi(hi)
			}
			if err1 != nil || err2 != nil {
				return nil
			}
			for c := a; c <= z; c++ {
				out = append(out, strconv.Itoa(c))
			}
		}
		return out
	}
	return nil
}
