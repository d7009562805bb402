package node

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"lattice/hub/store"
	"lattice/shared/engine"
	"lattice/shared/resp"
)

// OpsConfig holds the RESP server's limits and settings. The names follow
// redis.conf's directives, and CONFIG GET/SET read and change the live
// copy (Config itself never changes after New).
type OpsConfig struct {
	// Timeout closes a client idle for this many seconds (redis.conf
	// timeout); subscribed and blocked clients are exempt, as in Redis.
	// 0 disables it. Default: 0.
	Timeout int
	// MaxClients bounds the connected clients; the next one gets "ERR max
	// number of clients reached". Default: 10000.
	MaxClients int
	// ProtoMaxBulkLen bounds one bulk argument. Default: 512 MiB.
	ProtoMaxBulkLen int64
	// ClientQueryBufferLimit bounds a client's unparsed input; past it
	// the client is closed. Default: 1 GiB.
	ClientQueryBufferLimit int64
	// ClientOutputBufferLimit is redis.conf's client-output-buffer-limit:
	// "<class> <hard> <soft> <soft-seconds>" for the classes normal,
	// replica and pubsub. Redis leaves normal clients unlimited; the hub
	// caps them at 256 MiB so that a client that never reads its replies
	// cannot grow the hub without bound. Default: "normal 256mb 0 0
	// replica 256mb 64mb 60 pubsub 32mb 8mb 60".
	ClientOutputBufferLimit string
	// LogLevel, when set, is the level CONFIG SET loglevel changes
	// (debug, verbose, notice, warning, as Redis names them). Default:
	// nil (CONFIG GET loglevel reports notice).
	LogLevel *slog.LevelVar
	// ConfigFile is the file the settings came from, for INFO. Default: "".
	ConfigFile string
}

// DefaultOutputBufferLimit is OpsConfig.ClientOutputBufferLimit's default.
const DefaultOutputBufferLimit = "normal 256mb 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60"

func defaultOpsConfig() OpsConfig {
	return OpsConfig{
		MaxClients:              10000,
		ProtoMaxBulkLen:         resp.DefaultMaxBulkLen,
		ClientQueryBufferLimit:  1 << 30,
		ClientOutputBufferLimit: DefaultOutputBufferLimit,
	}
}

func (c *OpsConfig) validate() error {
	if c.Timeout < 0 {
		return errors.New("node: --timeout must not be negative")
	}
	if c.MaxClients < 1 {
		return errors.New("node: --maxclients must be at least 1")
	}
	if c.ProtoMaxBulkLen < 1<<20 {
		return errors.New("node: --proto-max-bulk-len must be at least 1mb")
	}
	if c.ClientQueryBufferLimit < 1<<20 {
		return errors.New("node: --client-query-buffer-limit must be at least 1mb")
	}
	if _, err := parseBufferLimits(bufferLimits{}, c.ClientOutputBufferLimit); err != "" {
		return fmt.Errorf("node: --client-output-buffer-limit: %s", err)
	}
	return nil
}

// bufferLimit is one class of client-output-buffer-limit. Zero disables a
// bound.
type bufferLimit struct{ hard, soft, seconds int64 }

type bufferLimits struct{ normal, replica, pubsub bufferLimit }

// ops is the node's operational state: live settings and counters. Its
// methods are safe on any goroutine.
type ops struct {
	runID string
	stop  context.CancelFunc // set by Run; SHUTDOWN calls it
	// noSave is set by SHUTDOWN NOSAVE: stop without the shutdown snapshot.
	noSave atomic.Bool

	timeout    atomic.Int64 // seconds
	maxClients atomic.Int64
	maxBulk    atomic.Int64
	maxQuery   atomic.Int64
	limits     atomic.Pointer[bufferLimits]
	logLevel   *slog.LevelVar
	configFile string

	mu          sync.Mutex // guards the strings below
	requirepass string

	stats    opsStats
	rates    rates
	peak     atomic.Uint64 // highest used_memory seen
	startMem uint64        // used_memory when the node was created
}

// notePeak records a used_memory reading and returns the peak.
func (o *ops) notePeak(used uint64) uint64 {
	for {
		p := o.peak.Load()
		if used <= p {
			return p
		}
		if o.peak.CompareAndSwap(p, used) {
			return used
		}
	}
}

// opsStats are INFO stats' and /metrics' counters; CONFIG RESETSTAT
// zeroes them.
type opsStats struct {
	connections       atomic.Uint64 // accepted
	rejected          atomic.Uint64 // over maxclients
	commands          atomic.Uint64
	netIn, netOut     atomic.Uint64
	reads             atomic.Uint64
	errorReplies      atomic.Uint64
	protocolErrors    atomic.Uint64
	outputLimitKills  atomic.Uint64
	queryLimitKills   atomic.Uint64
	idleTimeoutCloses atomic.Uint64
	perCmd            []atomic.Uint64 // indexed like cmdNames

	errMu  sync.Mutex
	errors map[string]uint64 // error replies by prefix (errorstats)
}

func newOps(cfg Config) *ops {
	var id [20]byte
	_, _ = rand.Read(id[:])
	o := &ops{runID: hex.EncodeToString(id[:]), logLevel: cfg.LogLevel, configFile: cfg.ConfigFile,
		requirepass: cfg.RequirePass}
	o.timeout.Store(int64(cfg.Timeout))
	o.maxClients.Store(int64(cfg.MaxClients))
	o.maxBulk.Store(cfg.ProtoMaxBulkLen)
	o.maxQuery.Store(cfg.ClientQueryBufferLimit)
	l, _ := parseBufferLimits(bufferLimits{}, cfg.ClientOutputBufferLimit)
	o.limits.Store(&l)
	o.stats.perCmd = make([]atomic.Uint64, len(cmdNames))
	o.stats.errors = map[string]uint64{}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	o.startMem = ms.HeapAlloc
	o.notePeak(ms.HeapAlloc)
	return o
}

func (o *ops) requirePass() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.requirepass
}

func (o *ops) outputLimits() bufferLimits { return *o.limits.Load() }

// respLimits returns the parser limits for a client.
func (o *ops) respLimits(authed bool) resp.Limits {
	return resp.Limits{MaxBulkLen: o.maxBulk.Load(), Unauthenticated: !authed}
}

// countError records an error reply for errorstats.
func (o *ops) countError(msg []byte) {
	o.stats.errorReplies.Add(1)
	prefix := string(msg)
	if i := strings.IndexByte(prefix, ' '); i >= 0 {
		prefix = prefix[:i]
	}
	if len(prefix) > 64 {
		prefix = prefix[:64]
	}
	o.stats.errMu.Lock()
	if _, ok := o.stats.errors[prefix]; ok || len(o.stats.errors) < 128 {
		o.stats.errors[prefix]++
	}
	o.stats.errMu.Unlock()
}

// resetStats is CONFIG RESETSTAT.
func (o *ops) resetStats() {
	s := &o.stats
	for _, c := range []*atomic.Uint64{&s.connections, &s.rejected, &s.commands, &s.netIn, &s.netOut, &s.reads,
		&s.errorReplies, &s.protocolErrors, &s.outputLimitKills, &s.queryLimitKills, &s.idleTimeoutCloses} {
		c.Store(0)
	}
	for i := range s.perCmd {
		s.perCmd[i].Store(0)
	}
	s.errMu.Lock()
	s.errors = map[string]uint64{}
	s.errMu.Unlock()
}

// ParseMemory parses a redis.conf memory value: a byte count with an
// optional unit, k/m/g (powers of 1000) or kb/mb/gb (powers of 1024),
// case-insensitive ("512mb", "1gb", "100").
func ParseMemory(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mul := int64(1)
	for _, u := range []struct {
		suffix string
		mul    int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1e3}, {"m", 1e6}, {"g", 1e9}, {"b", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mul = strings.TrimSuffix(t, u.suffix), u.mul
			break
		}
	}
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil || v < 0 || v > math.MaxInt64/mul {
		return 0, fmt.Errorf("invalid memory value %q", s)
	}
	return v * mul, nil
}

// parseBufferLimits applies a client-output-buffer-limit value to cur.
// The error is worded as Redis words it.
func parseBufferLimits(cur bufferLimits, v string) (bufferLimits, string) {
	f := strings.Fields(v)
	if len(f)%4 != 0 {
		return cur, "Wrong number of arguments in buffer limit configuration."
	}
	for i := 0; i < len(f); i += 4 {
		var dst *bufferLimit
		switch strings.ToLower(f[i]) {
		case "normal":
			dst = &cur.normal
		case "replica", "slave":
			dst = &cur.replica
		case "pubsub":
			dst = &cur.pubsub
		default:
			return cur, "Invalid client class specified in buffer limit configuration."
		}
		hard, err1 := ParseMemory(f[i+1])
		soft, err2 := ParseMemory(f[i+2])
		secs, err3 := strconv.ParseInt(f[i+3], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || secs < 0 {
			return cur, "Error in hard, soft or soft_seconds setting in buffer limit configuration."
		}
		*dst = bufferLimit{hard: hard, soft: soft, seconds: secs}
	}
	return cur, ""
}

func formatBufferLimits(l bufferLimits) string {
	f := func(name string, b bufferLimit) string {
		return fmt.Sprintf("%s %d %d %d", name, b.hard, b.soft, b.seconds)
	}
	return f("normal", l.normal) + " " + f("slave", l.replica) + " " + f("pubsub", l.pubsub)
}

// configParam is one CONFIG GET/SET parameter. set is nil for a parameter
// that cannot change at run time; otherwise it validates v and returns
// the change to apply, or Redis's reason for refusing it.
type configParam struct {
	name  string
	alias string
	get   func(n *Node) string
	set   func(n *Node, v string) (apply func(), reason string)
}

// configParams lists the parameters the hub answers, sorted by name:
// its own settings, and fixed answers to what clients and tools ask.
var configParams = []configParam{
	{name: "appendfsync", get: func(n *Node) string { return persistenceValue(n, "appendfsync", n.cfg.AppendFsync) },
		set: setAppendFsync},
	{name: "appendonly", get: func(n *Node) string { return persistenceField(n, "aof_enabled", "0", "yes", "no") }},
	{name: "bind", get: func(n *Node) string { return hostOf(n.respAddr) }},
	{name: "client-output-buffer-limit", get: func(n *Node) string { return formatBufferLimits(n.ops.outputLimits()) },
		set: setBufferLimits},
	{name: "client-query-buffer-limit", get: func(n *Node) string { return strconv.FormatInt(n.ops.maxQuery.Load(), 10) },
		set: memorySetter(func(n *Node) *atomic.Int64 { return &n.ops.maxQuery }, 1<<20)},
	{name: "cluster-enabled", get: fixed("no")},
	{name: "daemonize", get: fixed("no")},
	{name: "databases", get: fixed("1")},
	{name: "dir", get: func(n *Node) string {
		if abs, err := filepath.Abs(n.cfg.Dir); err == nil {
			return abs
		}
		return n.cfg.Dir
	}},
	{name: "hz", get: fixed("10")},
	{name: "io-threads", get: fixed("1")},
	{name: "loglevel", get: getLogLevel, set: setLogLevel},
	{name: "maxclients", get: func(n *Node) string { return strconv.FormatInt(n.ops.maxClients.Load(), 10) },
		set: intSetter(func(n *Node) *atomic.Int64 { return &n.ops.maxClients }, 1, math.MaxUint32)},
	{name: "maxmemory", get: fixed("0")},
	{name: "maxmemory-policy", get: fixed("noeviction")},
	{name: "notify-keyspace-events", get: (*Node).notifyFlags, set: setNotifyParam}, // notify.go
	{name: "port", get: func(n *Node) string { return portOf(n.respAddr) }},
	{name: "proto-max-bulk-len", get: func(n *Node) string { return strconv.FormatInt(n.ops.maxBulk.Load(), 10) },
		set: memorySetter(func(n *Node) *atomic.Int64 { return &n.ops.maxBulk }, 1<<20)},
	{name: "replica-read-only", alias: "slave-read-only", get: fixed("yes")},
	{name: "requirepass", get: func(n *Node) string { return n.ops.requirePass() }, set: setRequirePass},
	{name: "save", get: fixed("")},
	{name: "tcp-keepalive", get: fixed("15")},
	{name: "timeout", get: func(n *Node) string { return strconv.FormatInt(n.ops.timeout.Load(), 10) },
		set: setTimeout},
}

func fixed(v string) func(*Node) string { return func(*Node) string { return v } }

func hostOf(a net.Addr) string {
	if a == nil {
		return ""
	}
	h, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return h
}

func portOf(a net.Addr) string {
	if a == nil {
		return "0"
	}
	_, p, err := net.SplitHostPort(a.String())
	if err != nil {
		return "0"
	}
	return p
}

// persistenceValue returns a persistence INFO field, or def.
func persistenceValue(n *Node, field, def string) string {
	for _, kv := range n.persistenceInfo() {
		if kv[0] == field {
			return kv[1]
		}
	}
	return def
}

// persistenceField maps a persistence INFO field to a CONFIG value: yes
// when it differs from off.
func persistenceField(n *Node, field, off, yes, no string) string {
	for _, kv := range n.persistenceInfo() {
		if kv[0] == field {
			if kv[1] != off {
				return yes
			}
			return no
		}
	}
	return no
}

func intSetter(field func(*Node) *atomic.Int64, lo, hi int64) func(*Node, string) (func(), string) {
	return func(n *Node, v string) (func(), string) {
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, "argument couldn't be parsed into an integer"
		}
		if x < lo || x > hi {
			return nil, fmt.Sprintf("argument must be between %d and %d inclusive", lo, hi)
		}
		return func() { field(n).Store(x) }, ""
	}
}

func memorySetter(field func(*Node) *atomic.Int64, lo int64) func(*Node, string) (func(), string) {
	return func(n *Node, v string) (func(), string) {
		x, err := ParseMemory(v)
		if err != nil {
			return nil, "argument must be a memory value"
		}
		if x < lo {
			return nil, fmt.Sprintf("argument must be between %d and %d inclusive", lo, int64(math.MaxInt64))
		}
		return func() { field(n).Store(x) }, ""
	}
}

// setAppendFsync is CONFIG SET appendfsync always|everysec|no: the store
// applies it from its next append on.
func setAppendFsync(n *Node, v string) (func(), string) {
	p, err := store.ParsePolicy(strings.ToLower(v))
	if err != nil {
		return nil, "argument(s) must be one of the following: always, everysec, no"
	}
	return func() { n.persist.st.SetPolicy(p) }, ""
}

func setTimeout(n *Node, v string) (func(), string) {
	apply, reason := intSetter(func(n *Node) *atomic.Int64 { return &n.ops.timeout }, 0, math.MaxInt32)(n, v)
	if apply == nil {
		return nil, reason
	}
	return func() {
		apply()
		// Wake the clients waiting in Read so that they take the new
		// timeout into account now, as Redis's clientsCron would.
		for _, c := range n.snapshotClients() {
			_ = c.conn.SetReadDeadline(time.Now())
		}
	}, ""
}

func setBufferLimits(n *Node, v string) (func(), string) {
	l, reason := parseBufferLimits(n.ops.outputLimits(), v)
	if reason != "" {
		return nil, reason
	}
	return func() { n.ops.limits.Store(&l) }, ""
}

func setRequirePass(n *Node, v string) (func(), string) {
	return func() {
		n.ops.mu.Lock()
		n.ops.requirepass = v
		n.ops.mu.Unlock()
	}, ""
}

// Redis's log levels and the slog levels they map to.
var logLevels = []struct {
	name  string
	level slog.Level
}{{"debug", slog.LevelDebug}, {"verbose", slog.LevelDebug}, {"notice", slog.LevelInfo}, {"warning", slog.LevelWarn}}

func getLogLevel(n *Node) string {
	if n.ops.logLevel == nil {
		return "notice"
	}
	l := n.ops.logLevel.Level()
	switch {
	case l <= slog.LevelDebug:
		return "debug"
	case l <= slog.LevelInfo:
		return "notice"
	}
	return "warning"
}

func setLogLevel(n *Node, v string) (func(), string) {
	for _, l := range logLevels {
		if strings.EqualFold(v, l.name) {
			return func() {
				if n.ops.logLevel != nil {
					n.ops.logLevel.Set(l.level)
				}
			}, ""
		}
	}
	return nil, "argument(s) must be one of the following: debug, verbose, notice, warning, nothing"
}

// configHelp is CONFIG HELP's text (redis-server 7.0).
var configHelp = []string{
	"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"GET <pattern>",
	"    Return parameters matching the glob-like <pattern> and their values.",
	"SET <directive> <value>",
	"    Set the configuration <directive> to <value>.",
	"RESETSTAT",
	"    Reset statistics reported by the INFO command.",
	"REWRITE",
	"    Rewrite the configuration file.",
	"HELP",
	"    Prints this help.",
}

// configCmd answers CONFIG; checkHost has validated the subcommand and its
// arity.
func (n *Node) configCmd(args [][]byte) engine.Reply {
	switch strings.ToLower(string(args[1])) {
	case "get":
		return n.configGet(args[2:])
	case "set":
		return n.configSet(args[2:])
	case "resetstat":
		n.ops.resetStats()
		return simple("OK")
	case "rewrite":
		return errR("ERR The server is running without a config file")
	case "help":
		return helpReply(configHelp)
	}
	return errR("ERR unknown subcommand '" + string(args[1]) + "'. Try CONFIG HELP.")
}

// configGet answers CONFIG GET pattern [pattern ...]: every parameter
// matching any of the glob patterns (case-insensitive), once, in the
// order of the patterns (a pattern's matches in name order).
func (n *Node) configGet(patterns [][]byte) engine.Reply {
	var out []engine.Reply
	seen := map[string]bool{}
	add := func(name string, p *configParam) {
		if !seen[name] {
			seen[name] = true
			out = append(out, bulk(name), bulk(p.get(n)))
		}
	}
	for _, raw := range patterns {
		pat := strings.ToLower(string(raw))
		if !strings.ContainsAny(pat, "*?[\\") {
			if p := lookupParam(pat); p != nil {
				add(pat, p)
			}
			continue
		}
		for i := range configParams {
			p := &configParams[i]
			for _, name := range []string{p.name, p.alias} {
				if ok, _ := path.Match(pat, name); ok && name != "" {
					add(name, p)
				}
			}
		}
	}
	return engine.Reply{Kind: engine.KindMap, Elems: out}
}

// configSet answers CONFIG SET name value [name value ...]: every change
// is validated before any is applied, as Redis 7 does.
func (n *Node) configSet(kv [][]byte) engine.Reply {
	if len(kv)%2 != 0 {
		return errR("ERR syntax error")
	}
	seen := map[string]bool{}
	var applies []func()
	for i := 0; i < len(kv); i += 2 {
		name := strings.ToLower(string(kv[i]))
		p := lookupParam(name)
		if p == nil {
			return errR("ERR Unknown option or number of arguments for CONFIG SET - '" + string(kv[i]) + "'")
		}
		if seen[p.name] {
			return configSetErr(string(kv[i]), "duplicate parameter")
		}
		seen[p.name] = true
		if p.set == nil {
			return configSetErr(string(kv[i]), "can't set immutable config")
		}
		apply, reason := p.set(n, string(kv[i+1]))
		if reason != "" {
			return configSetErr(string(kv[i]), reason)
		}
		applies = append(applies, apply)
	}
	for _, apply := range applies {
		apply()
	}
	return simple("OK")
}

func configSetErr(name, reason string) engine.Reply {
	return errR("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + reason)
}

func lookupParam(name string) *configParam {
	for i := range configParams {
		if configParams[i].name == name || configParams[i].alias == name {
			return &configParams[i]
		}
	}
	return nil
}

// ConfigEntry is one "key value" line of a config file.
type ConfigEntry struct {
	Line       int
	Key, Value string
}

// ReadConfigFile reads a hub config file: one "key value" per line, the
// keys of the command-line flags (with or without the leading dashes),
// blank lines and lines starting with # ignored. A value may be written
// in double quotes, to keep leading or trailing spaces.
func ReadConfigFile(name string) ([]ConfigEntry, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []ConfigEntry
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		t := strings.TrimSpace(sc.Text())
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		key, value, _ := strings.Cut(t, " ")
		value = strings.TrimSpace(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			if uq, err := strconv.Unquote(value); err == nil {
				value = uq
			}
		}
		out = append(out, ConfigEntry{Line: line, Key: strings.TrimLeft(key, "-"), Value: value})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return out, nil
}

// sortedErrorPrefixes returns errorstats' prefixes, sorted.
func (o *ops) errorCounts() ([]string, map[string]uint64) {
	o.stats.errMu.Lock()
	defer o.stats.errMu.Unlock()
	m := make(map[string]uint64, len(o.stats.errors))
	keys := make([]string, 0, len(o.stats.errors))
	for k, v := range o.stats.errors {
		m[k] = v
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, m
}
