// Command mesh benchmarks the hub mesh (multi-master replication between
// region hubs) with real hub processes on loopback, every link through a
// cuttable proxy (package meshtest), and prints the figures issue 5 asks
// for:
//
//  1. replication lag hub to hub at a sustained write rate: a paced,
//     open-loop writer on hub a (SET lag:<i> <send time>) and a subscriber
//     to hub b's keyspace notifications (the event a hub raises for every
//     key a merged peer delta touches); lag = arrival on b - the write's
//     acknowledgement on a;
//  2. throughput of hub a with two peers attached and pulling its stream,
//     against a redis-server and a lone hub in the same run
//     (redis-benchmark, unpipelined and pipelined), as the ratios hub/redis
//     and hub/lone per command; after every run on hub a, a write made on a
//     must reach b and c before the next run (how long that took shows
//     whether replication keeps up);
//  3. catch-up after a partition: hub c is cut off from a and b while
//     100,000 keys change on a; after the heal, the time until c has merged
//     them all and until every digest is equal, and the bytes that went
//     through c's links, against the raw bytes of the changes and the RESP
//     bytes the client sent; once by partial sync (from the backlogs) and
//     once by full sync (backlogs too small to hold the changes).
//
// `make bench-mesh` (and so `make bench`) runs it; tests never do. It needs
// redis-server and redis-benchmark on PATH, and taskset to pin the servers
// to one CPU and redis-benchmark to another, as hub/bench does. With two
// CPUs the peer hubs b and c share one of them: by default the servers'
// (-peers server), so that redis-benchmark keeps its CPU to itself and hub
// a pays for its peers' work as a hub on a busy host would; -peers client
// puts them with redis-benchmark instead. The lone hub's column tells what
// the peers cost either way.
//
//	go run ./hub/bench/mesh            # the full run (3 to 6 minutes)
//	go run ./hub/bench/mesh -quick     # a smoke run (about 30 seconds)
//	go run ./hub/bench/mesh -phases catchup -keys 1000000
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"lattice/hub/bench/benchkit"
	"lattice/hub/meshtest"
)

// allTests are redis-benchmark's -t names, in the order printed.
var allTests = []string{"set", "get", "incr", "hset", "sadd", "zadd", "lpush", "lrange_100"}

type options struct {
	// lag
	rate     int
	duration time.Duration
	// throughput
	n, pn, runs, clients, pipeline, keyspace int
	tests                                    []string
	redisAOF, pin, solo                      bool
	peers                                    string // "server" or "client": the CPU hubs b and c run on
	// catch-up
	keys, valueSize int
	backlog         string
	fullSync        bool
	// all
	fsync, hubBin string
	quick         bool
	phases        map[string]bool
}

func main() {
	var o options
	var tests string
	flag.IntVar(&o.rate, "rate", 5000, "writes per second of the lag measurement's paced writer")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long the lag measurement writes")
	flag.IntVar(&o.n, "n", 10_000, "requests per unpipelined redis-benchmark run")
	flag.IntVar(&o.pn, "pn", 0, "requests per pipelined run (default 5 x -n)")
	flag.IntVar(&o.runs, "runs", 3, "runs per server and case; the table shows medians")
	flag.IntVar(&o.clients, "c", 50, "redis-benchmark clients (-c)")
	flag.IntVar(&o.pipeline, "P", 16, "pipeline depth of the pipelined runs (-P)")
	flag.IntVar(&o.keyspace, "r", 100_000, "redis-benchmark key space (-r)")
	flag.StringVar(&tests, "t", strings.Join(allTests, ","), "redis-benchmark tests, comma separated")
	flag.BoolVar(&o.redisAOF, "redis-aof", true, "run redis-server with appendonly yes, appendfsync everysec (as the hub persists); false: no persistence")
	flag.BoolVar(&o.pin, "pin", true, "pin the servers to one CPU and redis-benchmark to another with taskset")
	flag.BoolVar(&o.solo, "solo", true, "also benchmark a lone hub (no peers), to show what the peers cost hub a")
	flag.StringVar(&o.peers, "peers", "server", "the CPU the peer hubs b and c are pinned to: server (with hub a and redis-server) or client (with redis-benchmark)")
	flag.IntVar(&o.keys, "keys", 100_000, "keys changed on hub a while hub c is partitioned")
	flag.IntVar(&o.valueSize, "value-size", 32, "value size in bytes of the catch-up's keys")
	flag.StringVar(&o.backlog, "backlog", "", "the hubs' --repl-backlog-size (default: the hub's default)")
	flag.BoolVar(&o.fullSync, "full-sync", true, "also measure a catch-up by full sync (hubs with --repl-backlog-size 64kb)")
	flag.StringVar(&o.fsync, "appendfsync", "everysec", "the hubs' --appendfsync")
	flag.StringVar(&o.hubBin, "hub", "", "hub binary to run (default: meshtest.BuildHub into a temporary directory)")
	phases := flag.String("phases", "lag,throughput,catchup", "the measurements to run, comma separated")
	flag.BoolVar(&o.quick, "quick", false, "smoke run: 1 s of lag at -rate, -n 2000, -runs 1, -keys 10000 (figures are not meaningful)")
	flag.Parse()
	if o.quick {
		o.duration, o.n, o.runs, o.keys = time.Second, 2000, 1, min(o.keys, 10_000)
	}
	if o.pn == 0 {
		o.pn = 5 * o.n
	}
	if o.peers != "server" && o.peers != "client" {
		fmt.Fprintln(os.Stderr, "bench-mesh: -peers is server or client")
		os.Exit(2)
	}
	o.tests = strings.Split(strings.ToLower(tests), ",")
	o.phases = map[string]bool{}
	for p := range strings.SplitSeq(*phases, ",") {
		if p != "lag" && p != "throughput" && p != "catchup" {
			fmt.Fprintf(os.Stderr, "bench-mesh: unknown phase %q (lag, throughput, catchup)\n", p)
			os.Exit(2)
		}
		o.phases[p] = true
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench-mesh:", err)
		os.Exit(2)
	}
}

// env is what every measurement shares: the binaries and the CPUs.
type env struct {
	o                    options
	dir                  string
	hubBin               string // the hub, or a script that pins it
	serverCPU, clientCPU string
	peerCPU              string
}

func run(o options) error {
	if err := benchkit.CheckTools(); err != nil {
		return err
	}
	// A short path: the hubs' data directories live under it.
	dir, err := os.MkdirTemp("", "lbm")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	e := &env{o: o, dir: dir}
	if o.pin {
		var err error
		if e.serverCPU, e.clientCPU, err = benchkit.PinCPUs(); err != nil {
			fmt.Println("warning: " + err.Error())
		} else {
			e.peerCPU = e.serverCPU
			if o.peers == "client" {
				e.peerCPU = e.clientCPU
			}
		}
	}
	bin := o.hubBin
	if bin == "" {
		if bin, err = meshtest.BuildHub(dir, false); err != nil {
			return err
		}
	}
	if e.hubBin, err = e.pinScript(bin); err != nil {
		return err
	}
	e.header(benchkit.RedisVersion())

	var lag *lagResult
	if o.phases["lag"] {
		if lag, err = e.lag(); err != nil {
			return fmt.Errorf("lag: %w", err)
		}
		lag.print()
	}
	var rows []*row
	if o.phases["throughput"] {
		if rows, err = e.throughput(); err != nil {
			return fmt.Errorf("throughput: %w", err)
		}
		printRows(o, rows)
	}
	var catchups []*catchup
	if o.phases["catchup"] {
		cu, err := e.catchup("partial sync (the backlog holds the partition's deltas)", o.backlog)
		if err != nil {
			return fmt.Errorf("catch-up: %w", err)
		}
		cu.print()
		catchups = append(catchups, cu)
		if o.fullSync {
			cu, err := e.catchup("full sync (--repl-backlog-size 64kb: the backlog cannot hold them)", "64kb")
			if err != nil {
				return fmt.Errorf("catch-up by full sync: %w", err)
			}
			cu.print()
			catchups = append(catchups, cu)
		}
	}
	summary(o, lag, rows, catchups)
	return nil
}

func (e *env) header(redisVersion string) {
	o := e.o
	fmt.Printf("lattice hub mesh (3 hubs a, b, c on loopback, every link through a proxy) vs redis-server %s\n", redisVersion)
	if e.serverCPU != "" {
		fmt.Printf("pinned (taskset): hub a, the lone hub and redis-server on CPU %s; peer hubs b and c on CPU %s (the %s CPU); redis-benchmark on CPU %s; this program (the lag writer and subscriber, the catch-up loader) unpinned\n",
			e.serverCPU, e.peerCPU, o.peers, e.clientCPU)
	} else {
		fmt.Println("pinned: no")
	}
	redisPersist := "appendonly no, save '' (no persistence)"
	if o.redisAOF {
		redisPersist = "appendonly yes, appendfsync everysec, save ''"
	}
	backlog := o.backlog
	if backlog == "" {
		backlog = "default"
	}
	fmt.Printf("persistence: hubs --appendfsync %s, --repl-backlog-size %s; redis-server %s\n", o.fsync, backlog, redisPersist)
	if o.quick {
		fmt.Println("QUICK MODE: a smoke run; the figures are not meaningful")
	}
	fmt.Println()
}

// pinScript writes a script that runs the hub pinned: hub a and the lone
// hub ("solo") on the server CPU, every other hub on the peer CPU. meshtest starts
// each hub as "BIN --id NAME ...", and taskset execs the hub, so the
// process meshtest signals is the hub itself.
func (e *env) pinScript(bin string) (string, error) {
	if e.serverCPU == "" {
		return bin, nil
	}
	path := filepath.Join(e.dir, "hub-pinned")
	script := fmt.Sprintf("#!/bin/sh\ncpu=%s\ncase \"$2\" in a|solo) cpu=%s ;; esac\nexec taskset -c \"$cpu\" %q \"$@\"\n",
		e.peerCPU, e.serverCPU, bin)
	return path, os.WriteFile(path, []byte(script), 0o755)
}

// startMesh starts hubs named a, b, c (or names) with the run's flags
// and waits until every link streams.
func (e *env) startMesh(sub string, backlog string, names ...string) (*meshtest.Cluster, error) {
	if len(names) == 0 {
		names = []string{"a", "b", "c"}
	}
	dir := filepath.Join(e.dir, sub)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	args := []string{"--appendfsync", e.o.fsync}
	if backlog != "" {
		args = append(args, "--repl-backlog-size", backlog)
	}
	c, err := meshtest.Start(meshtest.Config{Bin: e.hubBin, Dir: dir, Names: names, Args: args})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i := range names {
		want := strconv.Itoa(len(names) - 1)
		for c.Info(ctx, i, "crdt_peers_connected") != want {
			select {
			case <-ctx.Done():
				err := fmt.Errorf("hub %s: crdt_peers_connected = %q, want %s\nlog:\n%s",
					names[i], c.Info(context.Background(), i, "crdt_peers_connected"), want, benchkit.TailString(c.Logs(i)))
				c.Close()
				return nil, err
			case <-time.After(20 * time.Millisecond): // polling the links, with a deadline
			}
		}
	}
	return c, nil
}

// converge waits (60 s at most) until every hub's digest is equal.
func converge(c *meshtest.Cluster) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, took, err := c.WaitConverged(ctx)
	return took, err
}

// ---- 1. replication lag ----

// lagResult holds one lag measurement's times, in nanoseconds since its
// start; arrived is 0 for a write b never announced.
type lagResult struct {
	rate              int
	writes            int
	sent, acked       []int64
	arrived           []int64
	sendSpan          time.Duration // first send to last send
	missing           int
	infoLag           string // hub b's crdt_max_lag_ms after the run (its own estimate, HLC based)
	fullSyncs, partls string // hub b's crdt_full_syncs and crdt_partial_syncs after the run
}

// lag runs a paced writer on hub a and a subscriber on hub b.
func (e *env) lag() (*lagResult, error) {
	o := e.o
	fmt.Fprintf(os.Stderr, "lag: %d writes/s for %s\n", o.rate, o.duration)
	c, err := e.startMesh("lag", e.o.backlog)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	ctx := context.Background()
	n := int(float64(o.rate) * o.duration.Seconds())
	r := &lagResult{rate: o.rate, writes: n, sent: make([]int64, n), acked: make([]int64, n), arrived: make([]int64, n)}
	base := time.Now()
	since := func() int64 { return int64(time.Since(base)) }
	// Key lag:0 is a warm-up write; the measured writes are lag:1..lag:n.
	watch, err := watchMerges(c.Hubs[1].RESP, base, n+1, func(key string) int {
		i, err := strconv.Atoi(strings.TrimPrefix(key, "lag:"))
		if err != nil || !strings.HasPrefix(key, "lag:") {
			return -1
		}
		return i
	})
	if err != nil {
		return nil, fmt.Errorf("hub b: %w", err)
	}
	defer watch.close()

	w, err := net.DialTimeout("tcp", c.Hubs[0].RESP, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	// One write first, to know the path a -> b and the subscription work.
	if _, err := io.WriteString(w, resp("SET", "lag:0", "0")); err != nil {
		return nil, err
	}
	wr := bufio.NewReaderSize(w, 64<<10)
	if line, err := wr.ReadString('\n'); err != nil || line != "+OK\r\n" {
		return nil, fmt.Errorf("hub a: SET: %q %v", line, err)
	}
	select {
	case <-watch.first:
	case err := <-watch.err:
		return nil, fmt.Errorf("hub b subscriber: %w", err)
	case <-time.After(60 * time.Second):
		return nil, fmt.Errorf("hub b announced no merge of the warm-up write within 60s")
	}

	// The replies, in order: each one acknowledges a write.
	ackErr := make(chan error, 1)
	go func() {
		for i := range n {
			line, err := wr.ReadString('\n')
			if err != nil {
				ackErr <- err
				return
			}
			r.acked[i] = since()
			if line != "+OK\r\n" {
				ackErr <- fmt.Errorf("write %d: %q", i, line)
				return
			}
		}
		ackErr <- nil
	}()
	// The writer is open loop: write i is due at start + i/rate and goes
	// out as soon as it is due, whatever the replies do (a closed loop would
	// slow down exactly when the hub does, and hide it).
	bw := bufio.NewWriterSize(w, 64<<10)
	start := time.Now()
	interval := time.Second / time.Duration(o.rate)
	for i := 0; i < n; {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d) // pacing the writer, not waiting for replication
		}
		now := time.Now()
		stamp := int64(now.Sub(base))
		for ; i < n && !start.Add(time.Duration(i)*interval).After(now); i++ {
			r.sent[i] = stamp
			bw.WriteString(resp("SET", fmt.Sprintf("lag:%d", i+1), strconv.FormatInt(now.UnixNano(), 10)))
		}
		if err := bw.Flush(); err != nil {
			return nil, err
		}
	}
	r.sendSpan = time.Duration(r.sent[n-1] - r.sent[0])
	if err := <-ackErr; err != nil {
		return nil, fmt.Errorf("hub a: %w", err)
	}
	select {
	case <-watch.all:
	case err := <-watch.err:
		return nil, fmt.Errorf("hub b subscriber: %w", err)
	case <-time.After(60 * time.Second):
	}
	for i := range n {
		r.arrived[i] = watch.arrived[i+1].Load()
		if r.arrived[i] == 0 {
			r.missing++
		}
	}
	r.infoLag = c.Info(ctx, 1, "crdt_max_lag_ms")
	r.fullSyncs = c.Info(ctx, 1, "crdt_full_syncs")
	r.partls = c.Info(ctx, 1, "crdt_partial_syncs")
	if _, err := converge(c); err != nil {
		return nil, err
	}
	return r, nil
}

// mergeWatch subscribes to a hub's keyspace notifications for the keys
// that peer deltas bring (the hub raises one event per key a merged peer
// delta touches, after the batch is durable: "set" for a key SET at its
// origin, "merge" for a key of a full sync; it merges each delta once, from
// whichever peer brings it first) and records when each of n watched keys
// first arrived. Nothing writes the watched keys on the watched hub itself. It is how this program sees replication
// arrive without polling the replica (a digest walks the whole state on
// the hub's owner goroutine, and would slow what it measures).
type mergeWatch struct {
	conn    net.Conn
	arrived []atomic.Int64 // ns since base; 0: not yet
	first   chan struct{}  // closed when the first watched key arrives
	all     chan struct{}  // closed when every watched key has arrived
	err     chan error
}

// watchMerges enables notify-keyspace-events E$ on the hub at addr and
// subscribes; index maps a key to its slot in [0, n) (-1: not watched).
func watchMerges(addr string, base time.Time, n int, index func(string) int) (*mergeWatch, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	r := bufio.NewReaderSize(conn, 64<<10)
	if _, err := io.WriteString(conn, resp("CONFIG", "SET", "notify-keyspace-events", "E$")+
		resp("SUBSCRIBE", "__keyevent@0__:set", "__keyevent@0__:merge")); err != nil {
		conn.Close()
		return nil, err
	}
	for _, what := range []string{"CONFIG SET notify-keyspace-events", "SUBSCRIBE set", "SUBSCRIBE merge"} {
		if _, err := readReply(r); err != nil {
			conn.Close()
			return nil, fmt.Errorf("%s: %w", what, err)
		}
	}
	w := &mergeWatch{conn: conn, arrived: make([]atomic.Int64, n), first: make(chan struct{}),
		all: make(chan struct{}), err: make(chan error, 1)}
	go func() {
		got := 0
		for {
			v, err := readReply(r)
			if err != nil {
				w.err <- err
				return
			}
			now := max(int64(time.Since(base)), 1)
			msg, ok := v.([]any)
			if !ok || len(msg) != 3 || msg[0] != "message" {
				continue
			}
			key, _ := msg[2].(string)
			i := index(key)
			if i < 0 || i >= n || !w.arrived[i].CompareAndSwap(0, now) {
				continue
			}
			got++
			if got == 1 {
				close(w.first)
			}
			if got == n {
				close(w.all)
			}
		}
	}()
	return w, nil
}

func (w *mergeWatch) close() { w.conn.Close() }

// lags returns the arrival - acknowledgement (or - send) times in ms.
func (r *lagResult) lags(fromSend bool) []float64 {
	var v []float64
	for i := range r.writes {
		if r.arrived[i] == 0 {
			continue
		}
		from := r.acked[i]
		if fromSend {
			from = r.sent[i]
		}
		v = append(v, float64(r.arrived[i]-from)/1e6)
	}
	slices.Sort(v)
	return v
}

func (r *lagResult) ackLatency() []float64 {
	v := make([]float64, r.writes)
	for i := range r.writes {
		v[i] = float64(r.acked[i]-r.sent[i]) / 1e6
	}
	slices.Sort(v)
	return v
}

func (r *lagResult) achieved() float64 {
	if r.sendSpan <= 0 {
		return math.NaN()
	}
	return float64(r.writes-1) / r.sendSpan.Seconds()
}

func (r *lagResult) print() {
	fmt.Printf("1. replication lag a -> b: %d writes (SET lag:<i> <send time>) paced open loop at %d/s on hub a, achieved %.0f/s over %s\n",
		r.writes, r.rate, r.achieved(), r.sendSpan.Round(time.Millisecond))
	fmt.Println("   arrival = hub b's keyspace notification for the key (__keyevent@0__:set) as its subscriber reads it")
	fmt.Printf("   %-28s %8s %8s %8s %8s %8s %8s\n", "ms", "min", "p50", "p90", "p99", "p99.9", "max")
	row := func(name string, v []float64) {
		fmt.Printf("   %-28s %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f\n", name, quantile(v, 0), quantile(v, 0.5), quantile(v, 0.9),
			quantile(v, 0.99), quantile(v, 0.999), quantile(v, 1))
	}
	row("lag: arrival on b - ack on a", r.lags(false))
	row("lag: arrival on b - send", r.lags(true))
	row("write latency: ack - send", r.ackLatency())
	fmt.Printf("   writes b never announced: %d; hub b INFO: crdt_max_lag_ms=%s (its own HLC-based reading, last batch) crdt_partial_syncs=%s crdt_full_syncs=%s\n\n",
		r.missing, r.infoLag, r.partls, r.fullSyncs)
}

// quantile is the nearest-rank quantile of sorted v (q=0: min, 1: max).
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(q*float64(len(v)))) - 1
	return v[max(0, min(i, len(v)-1))]
}

// ---- 2. throughput ----

// row is one table line: the runs of each server for one test and depth,
// and how long the peers took to converge after each run on hub a.
type row struct {
	test             string
	pipe             int
	hub, solo, redis []benchkit.Result
	drain            []time.Duration
}

// throughput starts a 3-hub mesh, a lone hub (with -solo) and a
// redis-server, and runs every test at both depths against hub a, the lone
// hub and redis-server, rotating which goes first; after each run on hub a
// it waits for the mesh to converge, so that the peers' catching up never
// overlaps the next run.
func (e *env) throughput() ([]*row, error) {
	o := e.o
	fmt.Fprintln(os.Stderr, "throughput:")
	c, err := e.startMesh("tput", o.backlog)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var solo *meshtest.Cluster
	if o.solo {
		if solo, err = e.startMesh("solo", o.backlog, "solo"); err != nil {
			return nil, err
		}
		defer solo.Close()
	}
	redis, err := benchkit.StartRedis(e.serverCPU, e.dir, o.redisAOF)
	if err != nil {
		return nil, err
	}
	defer redis.Stop()
	type target struct {
		name, addr string
		runs       func(*row) *[]benchkit.Result
		log        func() string
		after      func(*row) error
	}
	targets := []target{{
		name: "hub a", addr: c.Hubs[0].RESP,
		runs: func(r *row) *[]benchkit.Result { return &r.hub },
		log:  func() string { return benchkit.TailString(c.Logs(0)) },
		after: func(r *row) error {
			took, err := drain(c, len(r.drain))
			r.drain = append(r.drain, took)
			return err
		},
	}, {
		name: "redis-server", addr: redis.Addr,
		runs: func(r *row) *[]benchkit.Result { return &r.redis },
		log:  func() string { return benchkit.Tail(redis.Log) },
	}}
	if solo != nil {
		targets = append(targets, target{
			name: "lone hub", addr: solo.Hubs[0].RESP,
			runs: func(r *row) *[]benchkit.Result { return &r.solo },
			log:  func() string { return benchkit.TailString(solo.Logs(0)) },
		})
	}
	var rows []*row
	for _, test := range o.tests {
		for _, pipe := range []int{1, o.pipeline} {
			r := &row{test: test, pipe: pipe}
			for i := range o.runs {
				for k := range targets {
					t := targets[(i+k)%len(targets)]
					res, err := benchmark(o, t.name, t.addr, test, pipe, e.clientCPU)
					if err != nil {
						return nil, fmt.Errorf("%v\n%s log:\n%s", err, t.name, t.log())
					}
					*t.runs(r) = append(*t.runs(r), res)
					if t.after != nil {
						if err := t.after(r); err != nil {
							return nil, err
						}
					}
				}
			}
			fmt.Fprintf(os.Stderr, "  %-10s P%-3d hub a %9.0f rps  lone hub %9.0f rps  redis %9.0f rps  drain %s\n", test, pipe,
				benchkit.Median(r.hub, benchkit.RPSOf), benchkit.Median(r.solo, benchkit.RPSOf), benchkit.Median(r.redis, benchkit.RPSOf), maxDur(r.drain).Round(time.Millisecond))
			rows = append(rows, r)
		}
	}
	// Every drain saw a write made after the run; that the states are
	// equal too is checked once here (a digest walks the whole state).
	if _, err := converge(c); err != nil {
		return nil, fmt.Errorf("after the throughput runs: %w", err)
	}
	ctx := context.Background()
	for i := 1; i < 3; i++ {
		if f := c.Info(ctx, i, "crdt_full_syncs"); f != "0" {
			fmt.Printf("note: hub %s took part in %s full sync(s) during the throughput runs (a peer fell behind the backlog)\n", c.Hubs[i].Name, f)
		}
	}
	return rows, nil
}

// drain writes a sentinel on hub a after a run and waits (120 s at most)
// until hubs b and c hold it. Each link ships a hub's stream in order, so
// by then b and c have merged every write of the run: the wait is how far
// replication trailed the run. Polling GET costs the hubs nothing; polling
// digests would (see mergeWatch).
func drain(c *meshtest.Cluster, seq int) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	start := time.Now()
	want := strconv.Itoa(seq)
	if err := c.Client(0).Do(ctx, "SET", "bench:drain", want).Err(); err != nil {
		return 0, err
	}
	for _, i := range []int{1, 2} {
		for {
			v, _ := c.Client(i).Do(ctx, "GET", "bench:drain").Text()
			if v == want {
				break
			}
			select {
			case <-ctx.Done():
				return 0, fmt.Errorf("hub %s did not receive hub a's writes within 120s", c.Hubs[i].Name)
			case <-time.After(5 * time.Millisecond): // polling for the sentinel, with a deadline
			}
		}
	}
	return time.Since(start), nil
}

// benchmark runs redis-benchmark once against the server name at addr
// and returns its figures for test.
func benchmark(o options, name, addr, test string, pipe int, cpu string) (benchkit.Result, error) {
	n := o.n
	if pipe > 1 {
		n = o.pn
	}
	return benchkit.Benchmark(benchkit.Run{Name: name, Addr: addr, Test: test,
		Clients: o.clients, Requests: n, Keyspace: o.keyspace, Pipeline: pipe, CPU: cpu})
}

func maxDur(ds []time.Duration) time.Duration {
	var m time.Duration
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}

func printRows(o options, rows []*row) {
	fmt.Printf("2. throughput of hub a with peers b and c attached vs redis-server: redis-benchmark -c %d -r %d, -n %d unpipelined, -n %d with -P %d; median of %d run(s), servers rotating\n",
		o.clients, o.keyspace, o.n, o.pn, o.pipeline, o.runs)
	if o.solo {
		fmt.Println("   lone = a hub with no peers, on the same CPU, in the same run: hub/lone is what the two peers cost hub a")
	}
	fmt.Println("   drain = after a run on hub a, the longest wait until b and c held a write made on a after the run (GET polled every 5 ms)")
	fmt.Printf("   %-11s %4s %10s %10s %10s %9s %9s %8s %8s %9s %9s %8s\n",
		"command", "pipe", "hub rps", "lone rps", "redis rps", "hub/redis", "hub/lone", "hub p50", "hub p99", "redis p50", "redis p99", "drain")
	for _, r := range rows {
		h, rd, so := benchkit.Median(r.hub, benchkit.RPSOf), benchkit.Median(r.redis, benchkit.RPSOf), benchkit.Median(r.solo, benchkit.RPSOf)
		fmt.Printf("   %-11s %4d %10.0f %10.0f %10.0f %9.2f %9.2f %8.3f %8.3f %9.3f %9.3f %8s\n",
			strings.ToUpper(r.test), r.pipe, h, so, rd, h/rd, h/so, benchkit.Median(r.hub, benchkit.P50Of), benchkit.Median(r.hub, benchkit.P99Of),
			benchkit.Median(r.redis, benchkit.P50Of), benchkit.Median(r.redis, benchkit.P99Of), maxDur(r.drain).Round(time.Millisecond))
	}
	fmt.Println()
}

// ---- 3. catch-up after a partition ----

// catchup is one partition-and-heal measurement.
type catchup struct {
	title           string
	keys, valueSize int
	raw, respBytes  int64 // key+value bytes; RESP bytes the client sent
	load            time.Duration
	linkBytes       int64         // through the proxies of c's pull links (c<-a, c<-b), both ways
	outBytes        int64         // through the proxies of a<-c and b<-c (a and b pulling c's stream)
	infoIn          int64         // c's INFO bytes_in of its pull links (message payloads)
	firstByte       time.Duration // heal to the first byte on c's links
	merged          time.Duration // heal to c's merge notification of the last key
	took            time.Duration // heal to equal digests (polled after merged)
	mergedBytes     int64         // linkBytes at merged
	deltasIn, dups  int64         // on c
	partials, fulls int64         // c's pull links' counters
	perLink         []string
	backlogBytes    string // hub a's crdt_backlog_bytes before the heal
}

// catchup starts a fresh mesh, partitions c from a and b, changes keys on
// a, waits until b holds them, heals, and measures c's catch-up.
func (e *env) catchup(title, backlog string) (*catchup, error) {
	o := e.o
	fmt.Fprintf(os.Stderr, "catch-up: %s\n", title)
	c, err := e.startMesh("catchup"+backlog, backlog)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	ctx := context.Background()
	cu := &catchup{title: title, keys: o.keys, valueSize: o.valueSize}
	base := time.Now()
	watch, err := watchMerges(c.Hubs[2].RESP, base, o.keys, func(key string) int {
		i, err := strconv.Atoi(strings.TrimPrefix(key, "key:"))
		if err != nil || !strings.HasPrefix(key, "key:") {
			return -1
		}
		return i
	})
	if err != nil {
		return nil, fmt.Errorf("hub c: %w", err)
	}
	defer watch.close()
	c.Partition([]int{2}, []int{0, 1})
	start := time.Now()
	if cu.respBytes, cu.raw, err = load(c.Hubs[0].RESP, o.keys, o.valueSize); err != nil {
		return nil, fmt.Errorf("loading hub a: %w", err)
	}
	cu.load = time.Since(start)
	// b is in a's side of the partition: let it hold everything first, so
	// that the heal is c's catch-up alone.
	if err := waitDigests(c, 0, 1); err != nil {
		return nil, err
	}
	cu.backlogBytes = c.Info(ctx, 0, "crdt_backlog_bytes")
	in0 := c.Link(2, 0).Bytes() + c.Link(2, 1).Bytes()
	out0 := c.Link(0, 2).Bytes() + c.Link(1, 2).Bytes()
	before := linkStats(ctx, c, 2)
	dups0 := infoInt(ctx, c, 2, "crdt_duplicates_filtered")

	// Heal, and note when the first byte crosses c's links: the links
	// reconnect after their backoff (jittered, up to 5 s), which the heal
	// to convergence time includes.
	first := make(chan time.Duration, 1)
	stopWatch := make(chan struct{})
	healed := time.Now()
	c.Heal()
	go func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopWatch:
				first <- -1
				return
			case <-t.C:
				if c.Link(2, 0).Bytes()+c.Link(2, 1).Bytes() != in0 {
					first <- time.Since(healed)
					return
				}
			}
		}
	}()
	// c announces every key it merges: when all have come, it holds the
	// partition's changes. Only then are digests polled (each walks the
	// whole state on the hub's owner goroutine, which would slow the
	// catch-up it measures).
	select {
	case <-watch.all:
		cu.merged = time.Since(healed)
	case err := <-watch.err:
		close(stopWatch)
		return nil, fmt.Errorf("hub c subscriber: %w", err)
	case <-time.After(120 * time.Second):
		close(stopWatch)
		return nil, fmt.Errorf("hub c did not merge the %d keys within 120s\nhub c log:\n%s", o.keys, benchkit.TailString(c.Logs(2)))
	}
	cu.mergedBytes = c.Link(2, 0).Bytes() + c.Link(2, 1).Bytes() - in0
	if _, err := converge(c); err != nil {
		close(stopWatch)
		return nil, fmt.Errorf("%w\nhub c log:\n%s", err, benchkit.TailString(c.Logs(2)))
	}
	cu.took = time.Since(healed)
	close(stopWatch)
	cu.firstByte = <-first
	cu.linkBytes = c.Link(2, 0).Bytes() + c.Link(2, 1).Bytes() - in0
	cu.outBytes = c.Link(0, 2).Bytes() + c.Link(1, 2).Bytes() - out0
	after := linkStats(ctx, c, 2)
	cu.dups = infoInt(ctx, c, 2, "crdt_duplicates_filtered") - dups0
	for name, a := range after {
		b := before[name]
		cu.infoIn += a.bytesIn - b.bytesIn
		cu.deltasIn += a.deltasIn - b.deltasIn
		cu.partials += a.partials - b.partials
		cu.fulls += a.fulls - b.fulls
		cu.perLink = append(cu.perLink, fmt.Sprintf("c<-%s: bytes_in %d, deltas_in %d, partial_syncs +%d, full_syncs +%d",
			name, a.bytesIn-b.bytesIn, a.deltasIn-b.deltasIn, a.partials-b.partials, a.fulls-b.fulls))
	}
	slices.Sort(cu.perLink)
	return cu, nil
}

// waitDigests waits (60 s at most) until hubs i and j answer the same
// digest.
func waitDigests(c *meshtest.Cluster, i, j int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		di, err1 := c.Digest(ctx, i)
		dj, err2 := c.Digest(ctx, j)
		if err1 == nil && err2 == nil && di == dj {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("hubs %s and %s did not converge: %q %q (%v %v)", c.Hubs[i].Name, c.Hubs[j].Name, di, dj, err1, err2)
		case <-time.After(20 * time.Millisecond): // polling the digests, with a deadline
		}
	}
}

// linkCounters are one pull link's counters from INFO crdt_peer<i>.
type linkCounters struct{ bytesIn, deltasIn, partials, fulls int64 }

// linkStats reads hub i's pull links (crdt_peer<k> lines) by peer name.
func linkStats(ctx context.Context, c *meshtest.Cluster, i int) map[string]linkCounters {
	out := map[string]linkCounters{}
	for k := 0; ; k++ {
		v := c.Info(ctx, i, "crdt_peer"+strconv.Itoa(k))
		if v == "" {
			return out
		}
		f := map[string]string{}
		for kv := range strings.SplitSeq(v, ",") {
			if key, val, ok := strings.Cut(kv, "="); ok {
				f[key] = val
			}
		}
		num := func(k string) int64 { n, _ := strconv.ParseInt(f[k], 10, 64); return n }
		out[f["name"]] = linkCounters{bytesIn: num("bytes_in"), deltasIn: num("deltas_in"),
			partials: num("partial_syncs"), fulls: num("full_syncs")}
	}
}

func infoInt(ctx context.Context, c *meshtest.Cluster, i int, field string) int64 {
	n, _ := strconv.ParseInt(c.Info(ctx, i, field), 10, 64)
	return n
}

// load writes SET key:%07d <value> for keys keys through one pipelined
// connection (batches written while a reader counts the replies) and
// returns the RESP bytes sent and the raw bytes (keys and values).
func load(addr string, keys, valueSize int) (respBytes, raw int64, err error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Minute))
	cw := &countingWriter{w: c}
	type written struct {
		raw int64
		err error
	}
	done := make(chan written, 1)
	go func() {
		w := bufio.NewWriterSize(cw, 256<<10)
		var raw int64
		for i := range keys {
			key := fmt.Sprintf("key:%07d", i)
			value := fmt.Sprintf("%0*d", valueSize, i)
			w.WriteString(resp("SET", key, value))
			raw += int64(len(key) + len(value))
		}
		done <- written{raw, w.Flush()}
	}()
	r := bufio.NewReaderSize(c, 64<<10)
	for i := range keys {
		line, err := r.ReadString('\n')
		if err != nil {
			return 0, 0, fmt.Errorf("reply %d: %v", i, err)
		}
		if line != "+OK\r\n" {
			return 0, 0, fmt.Errorf("reply %d: %q", i, line)
		}
	}
	wr := <-done
	if wr.err != nil {
		return 0, 0, wr.err
	}
	return cw.n, wr.raw, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

func (cu *catchup) print() {
	mb := func(b int64) string { return fmt.Sprintf("%.2f MB", float64(b)/1e6) }
	fmt.Printf("3. catch-up, %s: hub c partitioned from a and b; %d keys changed on a (SET key:%%07d <%d-byte value>, one pipelined connection, %s); b converged; heal\n",
		cu.title, cu.keys, cu.valueSize, cu.load.Round(time.Millisecond))
	fmt.Printf("   hub a's backlog held %s bytes\n", cu.backlogBytes)
	fmt.Printf("   time: heal -> first byte on c's links %s (reconnect backoff); heal -> c merged every key %s (first byte -> merged %s); heal -> every digest equal %s\n",
		cu.firstByte.Round(time.Millisecond), cu.merged.Round(time.Millisecond), (cu.merged - cu.firstByte).Round(time.Millisecond),
		cu.took.Round(time.Millisecond))
	fmt.Printf("   bytes through c's pull links when c had merged every key: %s\n", mb(cu.mergedBytes))
	fmt.Printf("   changes: raw (key+value) %s; RESP the client sent %s\n", mb(cu.raw), mb(cu.respBytes))
	fmt.Printf("   bytes through c's pull links (proxies c<-a + c<-b, both ways): %s = %.2f x raw, %.2f x RESP\n",
		mb(cu.linkBytes), float64(cu.linkBytes)/float64(cu.raw), float64(cu.linkBytes)/float64(cu.respBytes))
	fmt.Printf("   c's INFO bytes_in of those links (message payloads): %s = %.2f x raw; bytes through a<-c + b<-c: %s\n",
		mb(cu.infoIn), float64(cu.infoIn)/float64(cu.raw), mb(cu.outBytes))
	fmt.Printf("   on c: deltas merged %d, duplicates filtered %d, partial syncs +%d, full syncs +%d\n",
		cu.deltasIn, cu.dups, cu.partials, cu.fulls)
	for _, l := range cu.perLink {
		fmt.Println("     " + l)
	}
	fmt.Println()
}

// ---- summary ----

func summary(o options, lag *lagResult, rows []*row, cus []*catchup) {
	fmt.Println("summary:")
	if lag != nil {
		l := lag.lags(false)
		fmt.Printf("  replication lag a -> b at %.0f writes/s: p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
			lag.achieved(), quantile(l, 0.5), quantile(l, 0.99), quantile(l, 1))
	}
	worst, worstName, best, bestName := math.Inf(1), "", math.Inf(-1), ""
	for _, r := range rows {
		ratio := benchkit.Median(r.hub, benchkit.RPSOf) / benchkit.Median(r.redis, benchkit.RPSOf)
		name := fmt.Sprintf("%s -P %d", strings.ToUpper(r.test), r.pipe)
		if ratio < worst {
			worst, worstName = ratio, name
		}
		if ratio > best {
			best, bestName = ratio, name
		}
	}
	if len(rows) > 0 {
		fmt.Printf("  throughput hub a (2 peers) / redis-server: from %.2f (%s) to %.2f (%s)\n", worst, worstName, best, bestName)
		if o.solo {
			var v []float64
			for _, r := range rows {
				v = append(v, benchkit.Median(r.hub, benchkit.RPSOf)/benchkit.Median(r.solo, benchkit.RPSOf))
			}
			slices.Sort(v)
			fmt.Printf("  throughput hub a (2 peers) / lone hub: median %.2f, from %.2f to %.2f\n", quantile(v, 0.5), v[0], v[len(v)-1])
		}
	}
	for _, cu := range cus {
		fmt.Printf("  catch-up of %d keys, %s: merged %s after the heal (%s after the first byte), digests equal after %s; %.2f x the raw bytes of the changes\n",
			cu.keys, cu.title, cu.merged.Round(time.Millisecond), (cu.merged - cu.firstByte).Round(time.Millisecond),
			cu.took.Round(time.Millisecond), float64(cu.linkBytes)/float64(cu.raw))
	}
	if o.quick {
		fmt.Println("  (quick mode: smoke figures only; run `make bench-mesh` without -quick for real ones)")
	}
}

// ---- RESP ----

// resp encodes a command as a RESP array of bulk strings.
func resp(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

// readReply reads one RESP2 reply: a string, an int64, nil, an error or
// a []any of them.
func readReply(r *bufio.Reader) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") {
		return nil, fmt.Errorf("bad reply line %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return nil, fmt.Errorf("server: %s", body)
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		return string(b[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = readReply(r); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("bad reply line %q", line)
}
