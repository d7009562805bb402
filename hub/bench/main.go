// Command bench compares the hub with a real redis-server on this machine:
// throughput and latency with redis-benchmark for the common commands,
// unpipelined and pipelined, and resident memory per key for a million
// keys. It prints the ratios that ARCHITECTURE.md's "Performance" section
// sets targets for (throughput hub/redis >= 1.0, memory <= 2x).
//
// `make bench` (target bench-hub) runs it; tests never do. It needs
// redis-server and redis-benchmark on PATH, and taskset to pin the servers
// to one CPU and redis-benchmark to another.
//
//	go run ./hub/bench            # the full run (a few minutes)
//	go run ./hub/bench -quick     # a smoke run (under a minute)
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"

	"lattice/hub/bench/benchkit"
)

// tests are redis-benchmark's -t names, in the order printed.
var allTests = []string{"set", "get", "incr", "hset", "sadd", "zadd", "lpush", "lrange_100", "mset"}

type options struct {
	n, pn, runs, clients, pipeline, keyspace, keys, valueSize int
	tests                                                     []string
	redisAOF, pin, quick, strict                              bool
	fsync, hubBin                                             string
	settle                                                    time.Duration
}

func main() {
	var o options
	var tests string
	flag.IntVar(&o.n, "n", 100_000, "requests per unpipelined redis-benchmark run")
	flag.IntVar(&o.pn, "pn", 0, "requests per pipelined run (default 5 x -n)")
	flag.IntVar(&o.runs, "runs", 3, "runs per server and case; the table shows medians")
	flag.IntVar(&o.clients, "c", 50, "redis-benchmark clients (-c)")
	flag.IntVar(&o.pipeline, "P", 16, "pipeline depth of the pipelined runs (-P)")
	flag.IntVar(&o.keyspace, "r", 100_000, "redis-benchmark key space (-r)")
	flag.IntVar(&o.keys, "keys", 1_000_000, "keys loaded for the memory comparison (0: skip it)")
	flag.IntVar(&o.valueSize, "value-size", 16, "value size in bytes of the memory comparison's keys")
	flag.StringVar(&tests, "t", strings.Join(allTests, ","), "redis-benchmark tests, comma separated")
	flag.BoolVar(&o.redisAOF, "redis-aof", true, "run redis-server with appendonly yes, appendfsync everysec (as the hub persists); false: no persistence")
	flag.StringVar(&o.fsync, "appendfsync", "everysec", "the hub's --appendfsync")
	flag.BoolVar(&o.pin, "pin", true, "pin the servers to one CPU and redis-benchmark to another with taskset")
	flag.StringVar(&o.hubBin, "hub", "", "hub binary to run (default: go build lattice/hub into a temporary directory)")
	flag.DurationVar(&o.settle, "settle", 3*time.Second, "idle time after loading before reading RSS again")
	flag.BoolVar(&o.quick, "quick", false, "smoke run: -n 5000, -runs 1, -keys 100000, -settle 1s (figures are not meaningful)")
	flag.BoolVar(&o.strict, "strict", false, "exit 1 when a target is missed")
	flag.Parse()
	if o.quick {
		o.n, o.runs, o.keys, o.settle = 5000, 1, min(o.keys, 100_000), time.Second
	}
	if o.pn == 0 {
		o.pn = 5 * o.n
	}
	o.tests = strings.Split(strings.ToLower(tests), ",")
	ok, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if !ok && o.strict {
		os.Exit(1)
	}
}

// row is one table line: the runs of both servers for one test and depth.
type row struct {
	test       string
	pipe       int
	hub, redis []benchkit.Result
}

func run(o options) (bool, error) {
	if err := benchkit.CheckTools(); err != nil {
		return false, err
	}
	serverCPU, clientCPU := "", ""
	if o.pin {
		var err error
		if serverCPU, clientCPU, err = benchkit.PinCPUs(); err != nil {
			msg := err.Error()
			if errors.Is(err, benchkit.ErrOneCPU) {
				msg += "; servers and load generator share the CPU"
			}
			fmt.Println("warning: " + msg)
		}
	}
	dir, err := os.MkdirTemp("", "lattice-bench")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)
	hubBin := o.hubBin
	if hubBin == "" {
		hubBin = dir + "/hub"
		if out, err := exec.Command("go", "build", "-o", hubBin, "lattice/hub").CombinedOutput(); err != nil {
			return false, fmt.Errorf("go build lattice/hub: %v\n%s", err, out)
		}
	}
	header(o, "redis-server "+benchkit.RedisVersion(), serverCPU, clientCPU)

	rows, err := throughput(o, hubBin, dir, serverCPU, clientCPU)
	if err != nil {
		return false, err
	}
	printRows(o, rows)
	var mem *memResult
	if o.keys > 0 {
		if mem, err = memory(o, hubBin, dir, serverCPU); err != nil {
			return false, err
		}
		printMemory(o, mem)
	}
	return summary(o, rows, mem), nil
}

func header(o options, version, serverCPU, clientCPU string) {
	fmt.Printf("lattice hub vs %s\n", version)
	fmt.Printf("redis-benchmark -c %d -r %d: -n %d unpipelined, -n %d with -P %d; median of %d run(s) per server, hub and redis-server alternating\n",
		o.clients, o.keyspace, o.n, o.pn, o.pipeline, o.runs)
	if serverCPU != "" {
		fmt.Printf("pinned: servers on CPU %s, redis-benchmark on CPU %s (taskset)\n", serverCPU, clientCPU)
	} else {
		fmt.Println("pinned: no")
	}
	redisPersist := "appendonly no, save '' (no persistence)"
	if o.redisAOF {
		redisPersist = "appendonly yes, appendfsync everysec, save ''"
	}
	fmt.Printf("persistence: hub --appendfsync %s; redis-server %s\n", o.fsync, redisPersist)
	if o.quick {
		fmt.Println("QUICK MODE: a smoke run; the figures are not meaningful")
	}
	if o.runs < 3 && !o.quick {
		fmt.Println("warning: fewer than 3 runs: medians of so few runs are noisy")
	}
	fmt.Println()
}

// throughput starts one hub and one redis-server and runs every test at
// both depths, alternating the servers (and which goes first).
func throughput(o options, hubBin, dir, serverCPU, clientCPU string) ([]*row, error) {
	hub, err := startHub(hubBin, serverCPU, dir, o.fsync)
	if err != nil {
		return nil, err
	}
	defer hub.Stop()
	redis, err := benchkit.StartRedis(serverCPU, dir, o.redisAOF)
	if err != nil {
		return nil, err
	}
	defer redis.Stop()
	var rows []*row
	for _, test := range o.tests {
		for _, pipe := range []int{1, o.pipeline} {
			r := &row{test: test, pipe: pipe}
			for i := range o.runs {
				order := []*benchkit.Server{hub, redis}
				if i%2 == 1 {
					order = []*benchkit.Server{redis, hub}
				}
				for _, s := range order {
					res, err := benchmark(o, s, test, pipe, clientCPU)
					if err != nil {
						return nil, err
					}
					if s == hub {
						r.hub = append(r.hub, res)
					} else {
						r.redis = append(r.redis, res)
					}
				}
			}
			fmt.Fprintf(os.Stderr, "  %-10s P%-3d hub %9.0f rps  redis %9.0f rps\n", test, pipe, benchkit.Median(r.hub, benchkit.RPSOf), benchkit.Median(r.redis, benchkit.RPSOf))
			rows = append(rows, r)
		}
	}
	return rows, nil
}

// benchmark runs redis-benchmark once against s and returns its figures
// for test.
func benchmark(o options, s *benchkit.Server, test string, pipe int, cpu string) (benchkit.Result, error) {
	n := o.n
	if pipe > 1 {
		n = o.pn
	}
	return benchkit.Benchmark(benchkit.Run{Name: s.Name, Addr: s.Addr, Log: s.Log, Test: test,
		Clients: o.clients, Requests: n, Keyspace: o.keyspace, Pipeline: pipe, CPU: cpu})
}

// spread is (max-min)/median of the throughputs, in percent: how far runs
// of the same server differed ("-" for a single run).
func spread(rs []benchkit.Result) string {
	if len(rs) < 2 {
		return "-"
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range rs {
		lo, hi = min(lo, r.RPS), max(hi, r.RPS)
	}
	return fmt.Sprintf("%.0f%%", 100*(hi-lo)/benchkit.Median(rs, benchkit.RPSOf))
}

func printRows(o options, rows []*row) {
	fmt.Println("throughput (requests/s) and latency (ms), medians; spread = (max-min)/median of a server's runs")
	fmt.Printf("%-11s %4s %11s %11s %9s %9s %9s %9s %9s %8s %8s\n",
		"command", "pipe", "hub rps", "redis rps", "hub/redis", "hub p50", "hub p99", "redis p50", "redis p99", "hub spr", "red spr")
	for _, r := range rows {
		h, rd := benchkit.Median(r.hub, benchkit.RPSOf), benchkit.Median(r.redis, benchkit.RPSOf)
		fmt.Printf("%-11s %4d %11.0f %11.0f %9.2f %9.3f %9.3f %9.3f %9.3f %8s %8s\n",
			strings.ToUpper(r.test), r.pipe, h, rd, h/rd, benchkit.Median(r.hub, benchkit.P50Of), benchkit.Median(r.hub, benchkit.P99Of),
			benchkit.Median(r.redis, benchkit.P50Of), benchkit.Median(r.redis, benchkit.P99Of), spread(r.hub), spread(r.redis))
	}
	fmt.Println()
}

// memResult is the memory comparison's readings, in bytes.
type memResult struct {
	keys                    int
	hubBefore, hubAfter     int64 // hubAfter: after the settle time
	hubLoaded               int64 // right after loading
	redisBefore, redisAfter int64
	redisLoaded             int64
	hubLoad, redisLoad      time.Duration
}

func (m *memResult) hubPerKey() float64 { return float64(m.hubAfter-m.hubBefore) / float64(m.keys) }
func (m *memResult) redisPerKey() float64 {
	return float64(m.redisAfter-m.redisBefore) / float64(m.keys)
}

// memory starts a fresh hub and redis-server, one after the other, loads
// the same keys into each and reads their RSS before and after.
func memory(o options, hubBin, dir, cpu string) (*memResult, error) {
	m := &memResult{keys: o.keys}
	measure := func(s *benchkit.Server, before, loaded, after *int64, took *time.Duration) error {
		defer s.Stop()
		var err error
		if *before, err = rss(s.PID()); err != nil {
			return err
		}
		start := time.Now()
		if err := load(s.Addr, o.keys, o.valueSize); err != nil {
			return fmt.Errorf("loading %s: %v\nlog (%s):\n%s", s.Name, err, s.Log, benchkit.Tail(s.Log))
		}
		*took = time.Since(start)
		if *loaded, err = rss(s.PID()); err != nil {
			return err
		}
		time.Sleep(o.settle) // a benchmark, not a test: let the servers settle
		*after, err = rss(s.PID())
		return err
	}
	hub, err := startHub(hubBin, cpu, dir, o.fsync)
	if err != nil {
		return nil, err
	}
	if err := measure(hub, &m.hubBefore, &m.hubLoaded, &m.hubAfter, &m.hubLoad); err != nil {
		return nil, err
	}
	redis, err := benchkit.StartRedis(cpu, dir, o.redisAOF)
	if err != nil {
		return nil, err
	}
	if err := measure(redis, &m.redisBefore, &m.redisLoaded, &m.redisAfter, &m.redisLoad); err != nil {
		return nil, err
	}
	return m, nil
}

// load writes SET key:%07d <value> for keys keys through one pipelined
// connection (batches of 10000 commands, a reader counting the replies
// concurrently) and checks that every reply is +OK and DBSIZE is keys.
func load(addr string, keys, valueSize int) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Minute))
	value := strings.Repeat("v", valueSize)
	werr := make(chan error, 1)
	go func() {
		w := bufio.NewWriterSize(c, 256<<10)
		for i := range keys {
			key := fmt.Sprintf("key:%07d", i)
			fmt.Fprintf(w, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(key), key, len(value), value)
		}
		w.WriteString("*1\r\n$6\r\nDBSIZE\r\n")
		werr <- w.Flush()
	}()
	r := bufio.NewReaderSize(c, 64<<10)
	for i := range keys {
		line, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("reply %d: %v", i, err)
		}
		if line != "+OK\r\n" {
			return fmt.Errorf("reply %d: %q", i, line)
		}
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if want := fmt.Sprintf(":%d\r\n", keys); line != want {
		return fmt.Errorf("DBSIZE = %q after loading, want %q", line, want)
	}
	if err := <-werr; err != nil {
		return err
	}
	return nil
}

func printMemory(o options, m *memResult) {
	mb := func(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
	fmt.Printf("memory: %d keys, SET key:%%07d <%d-byte value>, RSS (VmRSS) of fresh servers; after = %s idle after loading\n",
		m.keys, o.valueSize, o.settle)
	fmt.Printf("%-13s %11s %15s %11s %11s %10s\n", "server", "RSS before", "RSS after load", "RSS after", "bytes/key", "load time")
	fmt.Printf("%-13s %11s %15s %11s %11.1f %10s\n", "hub", mb(m.hubBefore), mb(m.hubLoaded), mb(m.hubAfter), m.hubPerKey(), m.hubLoad.Round(time.Millisecond))
	fmt.Printf("%-13s %11s %15s %11s %11.1f %10s\n", "redis-server", mb(m.redisBefore), mb(m.redisLoaded), mb(m.redisAfter), m.redisPerKey(), m.redisLoad.Round(time.Millisecond))
	fmt.Printf("hub/redis bytes per key: %.2f\n\n", m.hubPerKey()/m.redisPerKey())
}

// summary prints the targets and whether this run met them.
func summary(o options, rows []*row, m *memResult) bool {
	met, worst, worstName := 0, math.Inf(1), ""
	for _, r := range rows {
		ratio := benchkit.Median(r.hub, benchkit.RPSOf) / benchkit.Median(r.redis, benchkit.RPSOf)
		if ratio >= 1.0 {
			met++
		}
		if ratio < worst {
			worst, worstName = ratio, fmt.Sprintf("%s -P %d", strings.ToUpper(r.test), r.pipe)
		}
	}
	ok := met == len(rows)
	fmt.Println("targets (ARCHITECTURE.md, Performance):")
	fmt.Printf("  throughput hub/redis >= 1.0: %d of %d cases met", met, len(rows))
	if len(rows) > 0 {
		fmt.Printf("; lowest %.2f (%s)", worst, worstName)
	}
	fmt.Println()
	if m != nil {
		ratio := m.hubPerKey() / m.redisPerKey()
		verdict := "met"
		if ratio > 2.0 {
			verdict, ok = "missed", false
		}
		fmt.Printf("  memory per key hub/redis <= 2.0: %.2f (%s)\n", ratio, verdict)
	}
	if o.quick {
		fmt.Println("  (quick mode: smoke figures only; run `make bench` without -quick for real ones)")
	}
	return ok
}
