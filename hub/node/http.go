package node

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// healthTimeout bounds how long /healthz waits for the owner goroutine.
const healthTimeout = 2 * time.Second

// httpHandler serves the HTTP listener: /healthz, /metrics; the
// WebSocket endpoints and the example app join it.
func (n *Node) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", n.serveHealth)
	mux.HandleFunc("GET /metrics", n.serveMetrics)
	mux.Handle("GET /sync", n.mesh.Handler())
	return mux
}

// serveHealth answers 200 "ok" when the owner goroutine answers within
// healthTimeout (the hub is serving commands), 503 otherwise.
func (n *Node) serveHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	if !n.onOwner(ctx, func() {}) {
		http.Error(w, "owner loop not answering", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// serveMetrics writes the metrics in Prometheus's text exposition format
// (version 0.0.4), by hand: the hub has no metrics dependency.
func (n *Node) serveMetrics(w http.ResponseWriter, r *http.Request) {
	f := n.replicaFacts(r.Context())
	if !f.ok {
		http.Error(w, "hub stopping", http.StatusServiceUnavailable)
		return
	}
	var m metricsWriter
	n.writeMetrics(&m, &f)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write([]byte(m.b.String()))
}

func (n *Node) writeMetrics(m *metricsWriter, f *replicaFacts) {
	s := &n.ops.stats
	m.family("lattice_hub_info", "gauge", "The hub's identity; always 1.")
	m.sample("lattice_hub_info", `name="`+escapeLabel(n.name)+`",replica="`+n.replica.ID().String()+
		`",redis_version="7.0.15"`, 1)
	m.family("lattice_uptime_seconds", "gauge", "Seconds since the hub started.")
	m.sample("lattice_uptime_seconds", "", time.Since(n.started).Seconds())

	m.family("lattice_commands_processed_total", "counter", "Commands processed, by command.")
	for i, name := range cmdNames {
		if v := s.perCmd[i].Load(); v > 0 {
			m.sample("lattice_commands_processed_total", `cmd="`+escapeLabel(name)+`"`, float64(v))
		}
	}
	m.counter("lattice_commands_total", "Commands received, known or not.", s.commands.Load())
	m.counter("lattice_error_replies_total", "Error replies sent.", s.errorReplies.Load())
	m.counter("lattice_connections_received_total", "Connections accepted.", s.connections.Load())
	m.counter("lattice_rejected_connections_total", "Connections refused over maxclients.", s.rejected.Load())
	m.counter("lattice_protocol_errors_total", "Clients closed for a protocol error.", s.protocolErrors.Load())
	m.counter("lattice_output_buffer_limit_disconnections_total", "Clients closed over their output buffer limit.",
		s.outputLimitKills.Load())
	m.counter("lattice_query_buffer_limit_disconnections_total", "Clients closed over the query buffer limit.",
		s.queryLimitKills.Load())
	m.counter("lattice_idle_timeout_disconnections_total", "Clients closed by the idle timeout.", s.idleTimeoutCloses.Load())
	m.counter("lattice_net_input_bytes_total", "Bytes read from clients.", s.netIn.Load())
	m.counter("lattice_net_output_bytes_total", "Bytes written to clients.", s.netOut.Load())

	cs := n.snapshotClients()
	var omem int64
	for _, c := range cs {
		omem += c.out.pending()
	}
	m.gauge("lattice_connected_clients", "Clients connected over RESP.", float64(len(cs)))
	m.gauge("lattice_client_output_buffer_bytes", "Replies queued for slow clients, in bytes.", float64(omem))

	m.gauge("lattice_keys", "Live keys.", float64(f.keys))
	m.gauge("lattice_keys_with_ttl", "Live keys with a time to live.", float64(f.expires))
	m.gauge("lattice_tombstone_keys", "Keys kept only for their reset records.", float64(f.tombstones))
	m.gauge("lattice_gc_pending_keys", "Tombstones waiting for causal stability to be collected.", float64(f.stats.CollectibleKeys))
	m.counter("lattice_gc_collected_total", "Tombstones collected by causal stability.", f.gcDone)
	m.gauge("lattice_gc_blocked_seconds", "How long peers without acknowledgements have blocked collection (0: not blocked).", f.gcBlocked.Seconds())
	m.counter("lattice_keys_expired_total", "Keys this hub expired as their owner.", f.stats.KeysExpired)
	m.counter("lattice_deltas_merged_total", "Remote deltas merged.", f.stats.DeltasMerged)
	m.counter("lattice_deltas_refused_total", "Remote deltas refused (malformed or clock offset).", f.stats.DeltasRefused)
	m.gauge("lattice_hlc_wall_milliseconds", "The hybrid logical clock's wall time.", float64(f.clock.Wall))

	mem := n.memory()
	m.gauge("lattice_memory_used_bytes", "Live Go heap (INFO used_memory).", float64(mem.used))
	m.gauge("lattice_memory_rss_bytes", "Resident set size (INFO used_memory_rss).", float64(mem.rss))
	m.gauge("lattice_memory_peak_bytes", "Highest used_memory seen.", float64(mem.peak))
	m.gauge("lattice_memory_sys_bytes", "Memory obtained from the OS by the Go runtime.", float64(mem.sys))
	m.counter("lattice_gc_cycles_total", "Completed Go GC cycles.", uint64(mem.ms.NumGC))

	n.meshMetrics(m)

	for _, kv := range n.persistenceInfo() {
		v, err := strconv.ParseFloat(kv[1], 64)
		if err != nil {
			continue // a status word ("ok"), not a number
		}
		name := "lattice_persistence_" + metricName(kv[0])
		m.family(name, "gauge", "INFO persistence field "+kv[0]+".")
		m.sample(name, "", v)
	}
}

// metricsWriter builds the text exposition format.
type metricsWriter struct{ b strings.Builder }

func (m *metricsWriter) family(name, typ, help string) {
	m.b.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " " + typ + "\n")
}

func (m *metricsWriter) sample(name, labels string, v float64) {
	m.b.WriteString(name)
	if labels != "" {
		m.b.WriteString("{" + labels + "}")
	}
	m.b.WriteString(" " + strconv.FormatFloat(v, 'g', -1, 64) + "\n")
}

func (m *metricsWriter) counter(name, help string, v uint64) {
	m.family(name, "counter", help)
	m.b.WriteString(name + " " + strconv.FormatUint(v, 10) + "\n")
}

func (m *metricsWriter) gauge(name, help string, v float64) {
	m.family(name, "gauge", help)
	m.sample(name, "", v)
}

// escapeLabel escapes a label value: backslash, double quote, newline.
func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// metricName keeps the characters a metric name allows.
func metricName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, s)
}
