package node

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"lattice/shared/engine"
	"lattice/shared/hlc"
)

// replicaFacts is what INFO and /metrics read from the replica, on the
// owner goroutine.
type replicaFacts struct {
	ok         bool // false: the node stopped before the owner answered
	keys       int  // live keys
	expires    int  // live keys with a TTL
	avgTTL     int64
	tombstones int // keys kept only for their reset records
	stats      engine.Stats
	clock      hlc.Timestamp
	vvEntries  int // replicas in the causal context's version vector
	gcBlockers []string
	gcBlocked  time.Duration // how long collection has been blocked
	gcEpochs   int           // epochs waiting for stability
	gcDone     uint64        // tombstones collected
}

// replicaFacts reads the replica's counters: directly when ctx is nil
// (the caller runs on the owner goroutine, inside EXEC), else by asking
// the owner. It costs O(1) (the engine keeps the counts).
func (n *Node) replicaFacts(ctx context.Context) replicaFacts {
	var f replicaFacts
	read := func() { f = n.readReplica(time.Now()) }
	if ctx == nil {
		read()
	} else if !n.onOwner(ctx, read) {
		return replicaFacts{}
	}
	return f
}

// readReplica runs on the owner goroutine.
func (n *Node) readReplica(now time.Time) replicaFacts {
	f := replicaFacts{ok: true, stats: n.replica.Stats(), clock: n.replica.Clock(),
		gcBlockers: n.gc.blockers, gcEpochs: len(n.gc.epochs), gcDone: n.gc.collected}
	if !n.gc.since.IsZero() {
		f.gcBlocked = now.Sub(n.gc.since)
	}
	cc := n.replica.Context()
	f.vvEntries = len(cc.VV)
	f.keys, f.expires, f.tombstones = f.stats.Keys, f.stats.KeysWithTTL, f.stats.TombstoneKeys
	if f.expires > 0 {
		f.avgTTL = max(int64(f.stats.ExpirySumMs/float64(f.expires))-now.UnixMilli(), 0)
	}
	return f
}

// infoSection is one INFO section: its name as INFO takes it and whether
// INFO without arguments (default) includes it; "all" includes all but
// the ones marked extra, "everything" all of them.
type infoSection struct {
	name      string
	title     string
	inDefault bool
	needs     bool // reads the replica
	write     func(n *Node, w *infoWriter, f *replicaFacts)
}

var infoSections = []infoSection{
	{name: "server", title: "Server", inDefault: true, write: (*Node).infoServer},
	{name: "clients", title: "Clients", inDefault: true, write: (*Node).infoClients},
	{name: "memory", title: "Memory", inDefault: true, write: (*Node).infoMemory},
	{name: "persistence", title: "Persistence", inDefault: true, write: (*Node).infoPersistence},
	{name: "stats", title: "Stats", inDefault: true, needs: true, write: (*Node).infoStats},
	{name: "replication", title: "Replication", inDefault: true, write: (*Node).infoReplication},
	{name: "cpu", title: "CPU", inDefault: true, write: (*Node).infoCPU},
	{name: "modules", title: "Modules", inDefault: true, write: func(*Node, *infoWriter, *replicaFacts) {}},
	{name: "commandstats", title: "Commandstats", write: (*Node).infoCommandStats},
	{name: "errorstats", title: "Errorstats", inDefault: true, write: (*Node).infoErrorStats},
	{name: "cluster", title: "Cluster", inDefault: true, write: func(_ *Node, w *infoWriter, _ *replicaFacts) {
		w.kv("cluster_enabled", "0")
	}},
	{name: "keyspace", title: "Keyspace", inDefault: true, needs: true, write: (*Node).infoKeyspace},
	{name: "crdt", title: "Crdt", inDefault: true, needs: true, write: (*Node).infoCRDT},
}

// infoWriter builds INFO's text.
type infoWriter struct{ b strings.Builder }

func (w *infoWriter) kv(k, v string)            { w.b.WriteString(k + ":" + v + "\r\n") }
func (w *infoWriter) int(k string, v int64)     { w.kv(k, strconv.FormatInt(v, 10)) }
func (w *infoWriter) uint(k string, v uint64)   { w.kv(k, strconv.FormatUint(v, 10)) }
func (w *infoWriter) float(k string, v float64) { w.kv(k, strconv.FormatFloat(v, 'f', 2, 64)) }

// info answers INFO [section ...]. ctx is nil on the owner goroutine.
func (n *Node) info(ctx context.Context, args [][]byte) string {
	want := map[string]bool{}
	if len(args) == 0 {
		want["default"] = true
	}
	for _, a := range args {
		want[strings.ToLower(string(a))] = true
	}
	var chosen []infoSection
	needFacts := false
	for _, s := range infoSections {
		if want["everything"] || want["all"] || want[s.name] || want["default"] && s.inDefault {
			chosen = append(chosen, s)
			needFacts = needFacts || s.needs
		}
	}
	var f replicaFacts
	if needFacts {
		f = n.replicaFacts(ctx)
	}
	var w infoWriter
	for i, s := range chosen {
		if i > 0 {
			w.b.WriteString("\r\n")
		}
		w.b.WriteString("# " + s.title + "\r\n")
		s.write(n, &w, &f)
	}
	return w.b.String()
}

func (n *Node) infoServer(w *infoWriter, _ *replicaFacts) {
	now := time.Now()
	up := int64(now.Sub(n.started) / time.Second)
	exe, _ := os.Executable()
	w.kv("redis_version", "7.0.15")
	w.kv("redis_git_sha1", "00000000")
	w.kv("redis_git_dirty", "0")
	w.kv("redis_build_id", "0")
	w.kv("redis_mode", "standalone")
	w.kv("os", runtime.GOOS+" "+runtime.GOARCH)
	w.int("arch_bits", int64(strconv.IntSize))
	w.kv("multiplexing_api", "go netpoll")
	w.kv("go_version", runtime.Version())
	w.int("process_id", int64(os.Getpid()))
	w.kv("process_supervised", "no")
	w.kv("run_id", n.ops.runID)
	w.kv("tcp_port", portOf(n.respAddr))
	w.int("server_time_usec", now.UnixMicro())
	w.int("uptime_in_seconds", up)
	w.int("uptime_in_days", up/86400)
	w.kv("hz", "10")
	w.kv("configured_hz", "10")
	w.kv("executable", exe)
	w.kv("config_file", n.ops.configFile)
	w.kv("io_threads_active", "0")
	w.kv("lattice_hub", n.name)
}

func (n *Node) infoClients(w *infoWriter, _ *replicaFacts) {
	cs := n.snapshotClients()
	var maxIn, maxOut int64
	blocked, pubsub := 0, 0
	for _, c := range cs {
		maxIn = max(maxIn, c.qbuf.Load())
		maxOut = max(maxOut, c.out.pending())
		if c.blocked.Load() {
			blocked++
		}
		if c.subscribed() {
			pubsub++
		}
	}
	w.int("connected_clients", int64(len(cs)))
	w.kv("cluster_connections", "0")
	w.int("maxclients", n.ops.maxClients.Load())
	w.int("client_recent_max_input_buffer", maxIn)
	w.int("client_recent_max_output_buffer", maxOut)
	w.int("blocked_clients", int64(blocked))
	w.kv("tracking_clients", "0")
	w.kv("clients_in_timeout_table", "0")
	w.int("pubsub_clients", int64(pubsub))
}

// memoryFacts reads the Go runtime's memory figures; used_memory is the
// live heap, used_memory_rss the process's resident set.
type memoryFacts struct {
	used, rss, peak, sys, startup uint64
	ms                            runtime.MemStats
}

func (n *Node) memory() memoryFacts {
	var m memoryFacts
	runtime.ReadMemStats(&m.ms)
	m.used, m.sys = m.ms.HeapAlloc, m.ms.Sys
	m.rss = residentBytes()
	if m.rss == 0 {
		m.rss = m.ms.Sys - m.ms.HeapReleased
	}
	m.peak = n.ops.notePeak(m.used)
	m.startup = n.ops.startMem
	return m
}

func (n *Node) infoMemory(w *infoWriter, _ *replicaFacts) {
	m := n.memory()
	w.uint("used_memory", m.used)
	w.kv("used_memory_human", humanBytes(m.used))
	w.uint("used_memory_rss", m.rss)
	w.kv("used_memory_rss_human", humanBytes(m.rss))
	w.uint("used_memory_peak", m.peak)
	w.kv("used_memory_peak_human", humanBytes(m.peak))
	w.kv("used_memory_peak_perc", fmt.Sprintf("%.2f%%", 100*float64(m.used)/float64(max(m.peak, 1))))
	w.uint("used_memory_startup", m.startup)
	w.uint("used_memory_dataset", m.used-min(m.startup, m.used))
	total := systemMemory()
	w.uint("total_system_memory", total)
	w.kv("total_system_memory_human", humanBytes(total))
	w.kv("maxmemory", "0")
	w.kv("maxmemory_human", "0B")
	w.kv("maxmemory_policy", "noeviction")
	w.float("mem_fragmentation_ratio", float64(m.rss)/float64(max(m.used, 1)))
	w.int("mem_fragmentation_bytes", int64(m.rss)-int64(m.used))
	w.kv("mem_allocator", "go-"+runtime.Version())
	w.uint("go_heap_sys", m.ms.HeapSys)
	w.uint("go_heap_objects", m.ms.HeapObjects)
	w.uint("go_stack_inuse", m.ms.StackInuse)
	w.uint("go_sys", m.sys)
	w.int("go_gc_cycles", int64(m.ms.NumGC))
	w.float("go_gc_pause_total_ms", float64(m.ms.PauseTotalNs)/1e6)
	w.int("go_goroutines", int64(runtime.NumGoroutine()))
}

func (n *Node) infoPersistence(w *infoWriter, _ *replicaFacts) {
	for _, kv := range n.persistenceInfo() {
		w.kv(kv[0], kv[1])
	}
}

func (n *Node) infoStats(w *infoWriter, f *replicaFacts) {
	s := &n.ops.stats
	ops, in, out := n.ops.rates.read()
	w.uint("total_connections_received", s.connections.Load())
	w.uint("total_commands_processed", s.commands.Load())
	w.int("instantaneous_ops_per_sec", int64(ops))
	w.uint("total_net_input_bytes", s.netIn.Load())
	w.uint("total_net_output_bytes", s.netOut.Load())
	w.float("instantaneous_input_kbps", in/1024)
	w.float("instantaneous_output_kbps", out/1024)
	w.uint("rejected_connections", s.rejected.Load())
	w.kv("sync_full", "0")
	w.kv("sync_partial_ok", "0")
	w.kv("sync_partial_err", "0")
	w.uint("expired_keys", f.stats.KeysExpired)
	w.kv("evicted_keys", "0")
	w.kv("keyspace_hits", "0")
	w.kv("keyspace_misses", "0")
	w.kv("latest_fork_usec", "0")
	w.kv("total_forks", "0")
	w.uint("total_error_replies", s.errorReplies.Load())
	w.uint("total_reads_processed", s.reads.Load())
	w.uint("client_query_buffer_limit_disconnections", s.queryLimitKills.Load())
	w.uint("client_output_buffer_limit_disconnections", s.outputLimitKills.Load())
	w.uint("total_protocol_errors", s.protocolErrors.Load())
	w.uint("idle_timeout_disconnections", s.idleTimeoutCloses.Load())
}

func (n *Node) infoReplication(w *infoWriter, _ *replicaFacts) {
	w.kv("role", "master")
	w.kv("connected_slaves", "0")
	w.kv("master_failover_state", "no-failover")
	w.kv("master_replid", n.ops.runID)
	w.kv("master_replid2", strings.Repeat("0", 40))
	w.kv("master_repl_offset", "0")
	w.kv("second_repl_offset", "-1")
	w.kv("repl_backlog_active", "0")
	w.kv("repl_backlog_size", "1048576")
	w.kv("repl_backlog_first_byte_offset", "0")
	w.kv("repl_backlog_histlen", "0")
}

func (n *Node) infoCPU(w *infoWriter, _ *replicaFacts) {
	sys, user := cpuTimes()
	w.kv("used_cpu_sys", strconv.FormatFloat(sys.Seconds(), 'f', 6, 64))
	w.kv("used_cpu_user", strconv.FormatFloat(user.Seconds(), 'f', 6, 64))
	w.kv("used_cpu_sys_children", "0.000000")
	w.kv("used_cpu_user_children", "0.000000")
}

func (n *Node) infoCommandStats(w *infoWriter, _ *replicaFacts) {
	for i, name := range cmdNames {
		if calls := n.ops.stats.perCmd[i].Load(); calls > 0 {
			w.kv("cmdstat_"+name, fmt.Sprintf("calls=%d,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=0", calls))
		}
	}
}

func (n *Node) infoErrorStats(w *infoWriter, _ *replicaFacts) {
	keys, counts := n.ops.errorCounts()
	for _, k := range keys {
		w.kv("errorstat_"+k, "count="+strconv.FormatUint(counts[k], 10))
	}
}

func (n *Node) infoKeyspace(w *infoWriter, f *replicaFacts) {
	if f.keys > 0 {
		w.kv("db0", fmt.Sprintf("keys=%d,expires=%d,avg_ttl=%d", f.keys, f.expires, f.avgTTL))
	}
}

func (n *Node) infoCRDT(w *infoWriter, f *replicaFacts) {
	w.kv("crdt_hub_name", n.name)
	w.kv("crdt_replica_id", n.replica.ID().String())
	w.kv("crdt_clock", f.clock.String())
	w.int("crdt_clock_wall_ms", f.clock.Wall)
	w.int("crdt_clock_logical", int64(f.clock.Logical))
	w.int("crdt_max_offset_ms", hlc.DefaultMaxOffset.Milliseconds())
	w.int("crdt_version_vector_entries", int64(f.vvEntries))
	w.uint("crdt_deltas_merged", f.stats.DeltasMerged)
	w.uint("crdt_deltas_refused", f.stats.DeltasRefused)
	w.uint("crdt_keys_expired_owned", f.stats.KeysExpired)
	w.int("crdt_tombstone_keys", int64(f.tombstones))
	w.int("crdt_gc_pending", int64(f.stats.CollectibleKeys))
	w.uint("crdt_gc_collected", f.gcDone)
	w.int("crdt_gc_epochs_waiting", int64(f.gcEpochs))
	w.kv("crdt_gc_blocked_by", strings.Join(f.gcBlockers, ","))
	w.int("crdt_gc_blocked_seconds", int64(f.gcBlocked.Seconds()))
	n.infoMesh(w)
}

// humanBytes formats like Redis's bytesToHuman ("1.27M").
func humanBytes(b uint64) string {
	f := float64(b)
	switch {
	case b < 1024:
		return strconv.FormatUint(b, 10) + "B"
	case b < 1<<20:
		return fmt.Sprintf("%.2fK", f/(1<<10))
	case b < 1<<30:
		return fmt.Sprintf("%.2fM", f/(1<<20))
	case b < 1<<40:
		return fmt.Sprintf("%.2fG", f/(1<<30))
	}
	return fmt.Sprintf("%.2fT", f/(1<<40))
}

// residentBytes reads the process's resident set size (Linux); 0 elsewhere.
func residentBytes() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

// systemMemory reads the machine's memory (Linux); 0 elsewhere.
func systemMemory() uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			fs := strings.Fields(rest)
			if len(fs) > 0 {
				kb, _ := strconv.ParseUint(fs[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// rates samples the commands and network counters every 100ms, as Redis's
// serverCron does, and reports the average over the last 16 samples.
type rates struct {
	mu                       sync.Mutex
	ops, in, out             [16]float64
	i                        int
	lastOps, lastIn, lastOut uint64
	last                     time.Time
}

func (r *rates) sample(s *opsStats, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ops, in, out := s.commands.Load(), s.netIn.Load(), s.netOut.Load()
	if !r.last.IsZero() {
		dt := now.Sub(r.last).Seconds()
		if dt > 0 {
			rate := func(cur, prev uint64) float64 {
				if cur < prev { // CONFIG RESETSTAT
					return 0
				}
				return float64(cur-prev) / dt
			}
			r.ops[r.i], r.in[r.i], r.out[r.i] = rate(ops, r.lastOps), rate(in, r.lastIn), rate(out, r.lastOut)
			r.i = (r.i + 1) % len(r.ops)
		}
	}
	r.lastOps, r.lastIn, r.lastOut, r.last = ops, in, out, now
}

func (r *rates) read() (ops, in, out float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for j := range r.ops {
		ops, in, out = ops+r.ops[j], in+r.in[j], out+r.out[j]
	}
	k := float64(len(r.ops))
	return ops / k, in / k, out / k
}

// startCron starts the sampler of instantaneous rates and memory peak; the
// returned function stops it and waits for it.
func (n *Node) startCron(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				n.ops.rates.sample(&n.ops.stats, now)
				if i%10 == 0 {
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					n.ops.notePeak(ms.HeapAlloc)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}
