// Package benchkit holds what the hub's benchmark programs share: hub/bench
// (the hub against redis-server) and hub/bench/mesh (the hub mesh against
// redis-server). Both start and stop server processes pinned with taskset,
// run redis-benchmark and read its --csv output, and take medians of the
// runs; before this package each program carried its own copy of that
// code, and the copies had begun to drift. What only one program needs
// (starting a hub, the meshtest-based measurements) stays in that program.
//
// It is for benchmark programs only: tests never use it.
package benchkit

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ---- the machine ----

// CheckTools reports whether redis-server and redis-benchmark are on PATH,
// since every comparison needs both; it names the first one missing.
func CheckTools() error {
	for _, tool := range []string{"redis-server", "redis-benchmark"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not on PATH (apt-get install redis-server)", tool)
		}
	}
	return nil
}

// RedisVersion is redis-server's version ("7.0.15"), for the programs'
// headers: figures are only comparable against the same redis-server.
func RedisVersion() string {
	version, _ := Command(10*time.Second, "redis-server", "--version")
	if _, v, ok := strings.Cut(version, " v="); ok {
		version, _, _ = strings.Cut(v, " ")
	}
	return strings.TrimSpace(version)
}

// Why PinCPUs pins nothing. The programs print the error as a warning and
// go on unpinned: the figures are still useful, only noisier.
var (
	ErrNoTaskset = errors.New("taskset not found: nothing is pinned; figures are noisier")
	ErrOneCPU    = errors.New("fewer than 2 CPUs available: nothing is pinned")
)

// PinCPUs picks a CPU for the servers and another for redis-benchmark, so
// that the load generator does not steal the servers' CPU (and the figures
// measure the server, not the scheduler). It returns ErrNoTaskset or
// ErrOneCPU, and empty CPUs, when it cannot pin.
func PinCPUs() (serverCPU, clientCPU string, err error) {
	cs := CPUs()
	if _, err := exec.LookPath("taskset"); err != nil {
		return "", "", ErrNoTaskset
	}
	if len(cs) < 2 {
		return "", "", ErrOneCPU
	}
	return cs[0], cs[1], nil
}

// CPUs returns the CPUs this process may run on (Cpus_allowed_list), which
// may be fewer than the machine has (a container, a taskset parent).
func CPUs() []string {
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

// Pinned prefixes argv with taskset when cpu is not empty. taskset execs
// the program, so the process id is the server's (signals and RSS readings
// reach it, not a wrapper).
func Pinned(cpu string, argv ...string) []string {
	if cpu == "" {
		return argv
	}
	return append([]string{"taskset", "-c", cpu}, argv...)
}

// Command runs a program with a timeout and returns its standard output;
// the error carries the command line and its standard error, which is
// all a failed benchmark run has to say.
func Command(timeout time.Duration, argv ...string) (string, error) {
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

// ---- server processes ----

// Server is one running server process (a hub or redis-server) whose
// output goes to a log file, so that a failed run can quote its end.
type Server struct {
	Name string
	Addr string // host:port of the RESP listener; set once it is known
	Log  string // where its output goes
	cmd  *exec.Cmd
	done chan error
}

// StartProcess runs argv as the server name, its output in dir/name.log.
// It does not wait for the server to listen: the caller knows how to tell
// (see WaitUntil).
func StartProcess(name, dir string, argv []string) (*Server, error) {
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
	s := &Server{Name: name, cmd: cmd, Log: logPath, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	return s, nil
}

// StartRedis runs redis-server on a free loopback port with the
// persistence the comparison asks for (aof: appendonly yes, appendfsync
// everysec, as the hub persists; otherwise none), its data in
// dir/redis-data, and waits until it answers PING.
func StartRedis(cpu, dir string, aof bool) (*Server, error) {
	port, err := FreePort()
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
	s, err := StartProcess("redis-server", dir, Pinned(cpu, "redis-server", "--port", strconv.Itoa(port),
		"--bind", "127.0.0.1", "--save", "", "--appendonly", appendonly, "--appendfsync", "everysec",
		"--dir", data, "--loglevel", "warning"))
	if err != nil {
		return nil, err
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	return s, s.WaitUntil(func() bool { return Ping(s.Addr) })
}

// FreePort asks the kernel for a free port by listening on port 0. Another
// process could take it before redis-server binds it: then redis-server
// exits and the run fails with its log.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// WaitUntil polls ready for up to 20 seconds, failing early (with the
// log's end) if the process exits, and stopping it if it never gets ready.
func (s *Server) WaitUntil(ready func() bool) error {
	deadline := time.Now().Add(20 * time.Second)
	for !ready() {
		select {
		case err := <-s.done:
			s.done <- err
			return fmt.Errorf("%s exited during start-up (%v); log: %s\n%s", s.Name, err, s.Log, Tail(s.Log))
		case <-time.After(20 * time.Millisecond): // polling for the listener, with a deadline
		}
		if time.Now().After(deadline) {
			s.Stop()
			return fmt.Errorf("%s did not answer within 20s; log: %s\n%s", s.Name, s.Log, Tail(s.Log))
		}
	}
	return nil
}

// Ping reports whether a RESP server at addr answers PING with +PONG: the
// sign that a server has started listening and serves commands.
func Ping(addr string) bool {
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

// Stop sends SIGTERM (the hub flushes and snapshots; redis-server writes
// its append-only file) and kills the process after 30 seconds.
func (s *Server) Stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// PID is the server's process id (the server itself, not taskset: see
// Pinned).
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Tail is the last 2000 bytes of the file at path: enough of a server's
// log to say why it failed, short enough for an error message.
func Tail(path string) string {
	b, _ := os.ReadFile(path)
	return TailString(string(b))
}

// TailString is the last 2000 bytes of s (see Tail).
func TailString(s string) string {
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return s
}

// ---- redis-benchmark ----

// Result is one redis-benchmark run's figures.
type Result struct {
	RPS, P50, P99 float64 // requests per second; latencies in ms
}

// RPSOf, P50Of and P99Of select a figure of a Result, for Median.
func RPSOf(r Result) float64 { return r.RPS }

// P50Of selects a Result's median latency (see RPSOf).
func P50Of(r Result) float64 { return r.P50 }

// P99Of selects a Result's 99th percentile latency (see RPSOf).
func P99Of(r Result) float64 { return r.P99 }

// Median is the median of f over rs (NaN for none): the programs report
// medians of several runs, as one run is too noisy to compare servers.
func Median(rs []Result, f func(Result) float64) float64 {
	if len(rs) == 0 {
		return math.NaN()
	}
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// Run is one redis-benchmark invocation against one server.
type Run struct {
	Name string // the server, as errors name it
	Addr string // its host:port
	// Log is the server's log file, whose end the error quotes when
	// redis-benchmark fails ("": the caller quotes a log itself).
	Log                                   string
	Test                                  string // a redis-benchmark -t name
	Clients, Requests, Keyspace, Pipeline int    // -c, -n, -r, -P
	CPU                                   string // pin redis-benchmark to it ("": unpinned)
}

// Benchmark runs redis-benchmark once and returns its figures for r.Test.
func Benchmark(r Run) (Result, error) {
	host, port, _ := net.SplitHostPort(r.Addr)
	argv := Pinned(r.CPU, "redis-benchmark", "-h", host, "-p", port, "-c", strconv.Itoa(r.Clients),
		"-n", strconv.Itoa(r.Requests), "-r", strconv.Itoa(r.Keyspace), "-P", strconv.Itoa(r.Pipeline),
		"-t", r.Test, "--csv", "--precision", "3")
	out, err := Command(10*time.Minute, argv...)
	if err != nil {
		if r.Log != "" {
			return Result{}, fmt.Errorf("%s: %v\n%s log (%s):\n%s", r.Name, err, r.Name, r.Log, Tail(r.Log))
		}
		return Result{}, fmt.Errorf("%s: %v", r.Name, err)
	}
	res, err := ParseCSV(out, r.Test)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %s: %v\noutput:\n%s", r.Name, strings.Join(argv, " "), err, out)
	}
	return res, nil
}

// ParseCSV reads redis-benchmark --csv output and returns the row of test
// (its name up to the first space: "LRANGE_100 (first 100 elements)"; the
// "LPUSH (needed to benchmark LRANGE)" warm-up row is skipped). It finds
// the columns by their header, which redis-benchmark versions order
// differently.
func ParseCSV(out, test string) (Result, error) {
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		return Result{}, err
	}
	if len(recs) < 2 {
		return Result{}, fmt.Errorf("no results")
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, name := range []string{"test", "rps", "p50_latency_ms", "p99_latency_ms"} {
		if _, ok := col[name]; !ok {
			return Result{}, fmt.Errorf("no column %q in %q", name, recs[0])
		}
	}
	for _, rec := range recs[1:] {
		name, rest, _ := strings.Cut(rec[col["test"]], " ")
		if !strings.EqualFold(name, test) || strings.Contains(rest, "needed") {
			continue
		}
		var res Result
		var errs [3]error
		res.RPS, errs[0] = strconv.ParseFloat(rec[col["rps"]], 64)
		res.P50, errs[1] = strconv.ParseFloat(rec[col["p50_latency_ms"]], 64)
		res.P99, errs[2] = strconv.ParseFloat(rec[col["p99_latency_ms"]], 64)
		for _, err := range errs {
			if err != nil {
				return Result{}, err
			}
		}
		return res, nil
	}
	return Result{}, fmt.Errorf("no row for %s", test)
}
