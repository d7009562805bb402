package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func protoName(p int) string { return map[int]string{2: "resp2", 3: "resp3"}[p] }

// clientListFields are CLIENT LIST's fields in redis-server 7.0.15's order.
var clientListFields = []string{"id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub",
	"ssub", "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem", "tot-mem",
	"events", "cmd", "user", "redir", "resp"}

func checkClientLine(t *testing.T, line string) map[string]string {
	t.Helper()
	fields := strings.Split(strings.TrimSuffix(line, "\n"), " ")
	if len(fields) != len(clientListFields) {
		t.Fatalf("CLIENT line has %d fields, want %d: %q", len(fields), len(clientListFields), line)
	}
	m := map[string]string{}
	for i, f := range fields {
		k, v, _ := strings.Cut(f, "=")
		if k != clientListFields[i] {
			t.Fatalf("CLIENT field %d is %q, want %q: %q", i, k, clientListFields[i], line)
		}
		m[k] = v
	}
	return m
}

func TestE2E_Client(t *testing.T) {
	h := startHubProc(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		t.Run(protoName(proto), func(t *testing.T) {
			c := h.client(proto)
			id, err := c.ClientID(ctx).Result()
			if err != nil || id <= 0 {
				t.Fatalf("CLIENT ID = %d, %v", id, err)
			}
			if _, err := c.ClientGetName(ctx).Result(); err != redis.Nil {
				t.Fatalf("CLIENT GETNAME before SETNAME: %v, want nil", err)
			}
			if err := c.Do(ctx, "CLIENT", "SETNAME", "worker-1").Err(); err != nil {
				t.Fatal(err)
			}
			if err := c.Do(ctx, "CLIENT", "SETNAME", "bad name").Err(); err == nil ||
				err.Error() != "ERR Client names cannot contain spaces, newlines or special characters." {
				t.Fatalf("CLIENT SETNAME with a space: %v", err)
			}
			info, err := c.ClientInfo(ctx).Result()
			if err != nil {
				t.Fatalf("CLIENT INFO: %v", err)
			}
			if info.ID != id || info.Name != "worker-1" || info.LAddr != h.resp || info.Resp != proto {
				t.Fatalf("CLIENT INFO = %+v", info)
			}
			line, err := c.Do(ctx, "CLIENT", "INFO").Text()
			if err != nil {
				t.Fatal(err)
			}
			m := checkClientLine(t, line)
			if m["cmd"] != "client|info" || m["flags"] != "N" || m["db"] != "0" {
				t.Fatalf("CLIENT INFO fields: %v", m)
			}
			list, err := c.ClientList(ctx).Result()
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, l := range strings.Split(strings.TrimSuffix(list, "\n"), "\n") {
				if checkClientLine(t, l)["id"] == strconv.FormatInt(id, 10) {
					found = true
				}
			}
			if !found {
				t.Fatalf("CLIENT LIST lacks client %d: %q", id, list)
			}
			one, err := c.Do(ctx, "CLIENT", "LIST", "ID", strconv.FormatInt(id, 10)).Text()
			if err != nil || strings.Count(one, "\n") != 1 || !strings.HasPrefix(one, "id="+strconv.FormatInt(id, 10)+" ") {
				t.Fatalf("CLIENT LIST ID: %q, %v", one, err)
			}
			if s, err := c.Do(ctx, "CLIENT", "LIST", "TYPE", "pubsub").Text(); err != nil || s != "" {
				t.Fatalf("CLIENT LIST TYPE pubsub = %q, %v", s, err)
			}
			for _, cmd := range [][]any{{"CLIENT", "NO-EVICT", "on"}, {"CLIENT", "NO-TOUCH", "on"}} {
				if err := c.Do(ctx, cmd...).Err(); err != nil {
					t.Fatalf("%v: %v", cmd, err)
				}
			}
			if f := checkClientLine(t, c.Do(ctx, "CLIENT", "INFO").String()[len("client info: "):])["flags"]; f != "eT" {
				t.Fatalf("flags after NO-EVICT and NO-TOUCH = %q", f)
			}
			errCases := map[string][]any{
				"ERR unknown subcommand 'foo'. Try CLIENT HELP.":             {"CLIENT", "foo"},
				"ERR wrong number of arguments for 'client|setname' command": {"CLIENT", "SETNAME"},
				"ERR wrong number of arguments for 'client' command":         {"CLIENT"},
				"ERR syntax error":                             {"CLIENT", "NO-EVICT", "maybe"},
				"ERR client-id should be greater than 0":       {"CLIENT", "KILL", "ID", "abc"},
				"ERR No such client":                           {"CLIENT", "KILL", "10.0.0.1:1"},
				"ERR Unknown client type 'foo'":                {"CLIENT", "LIST", "TYPE", "foo"},
				"ERR Invalid client ID":                        {"CLIENT", "LIST", "ID", "x"},
				"ERR No such user 'nobody'":                    {"CLIENT", "KILL", "USER", "nobody"},
				"ERR Command not allowed inside a transaction": nil,
			}
			for want, cmd := range errCases {
				if cmd == nil {
					continue
				}
				if err := c.Do(ctx, cmd...).Err(); err == nil || err.Error() != want {
					t.Errorf("%v: %v, want %q", cmd, err, want)
				}
			}
		})
	}
}

func TestE2E_ClientKill(t *testing.T) {
	h := startHubProc(t)
	ctx := context.Background()
	admin := h.client(2)
	victim := dialRaw(t, h.resp)
	victim.command("CLIENT", "ID")
	vid := victim.replyText()[1:]
	// KILL ID: the number killed, then the victim's connection closes.
	if n, err := admin.ClientKillByFilter(ctx, "ID", vid).Result(); err != nil || n != 1 {
		t.Fatalf("CLIENT KILL ID %s = %d, %v", vid, n, err)
	}
	victim.expectClosed(5 * time.Second)
	if n, err := admin.ClientKillByFilter(ctx, "ID", vid).Result(); err != nil || n != 0 {
		t.Fatalf("second CLIENT KILL ID = %d, %v", n, err)
	}
	// KILL addr (old form).
	v2 := dialRaw(t, h.resp)
	v2.command("PING")
	v2.replyText()
	if err := admin.ClientKill(ctx, v2.conn.LocalAddr().String()).Err(); err != nil {
		t.Fatalf("CLIENT KILL addr: %v", err)
	}
	v2.expectClosed(5 * time.Second)
	// KILL with filters: ADDR, and SKIPME (the caller survives by default).
	v3 := dialRaw(t, h.resp)
	v3.command("PING")
	v3.replyText()
	if n, err := admin.ClientKillByFilter(ctx, "ADDR", v3.conn.LocalAddr().String(), "TYPE", "normal").Result(); err != nil || n != 1 {
		t.Fatalf("CLIENT KILL ADDR TYPE = %d, %v", n, err)
	}
	v3.expectClosed(5 * time.Second)
	self := dialRaw(t, h.resp)
	self.command("CLIENT", "ID")
	sid := self.replyText()[1:]
	self.command("CLIENT", "KILL", "ID", sid)
	if got := self.replyText(); got != ":0" {
		t.Fatalf("CLIENT KILL ID self (SKIPME yes) = %s", got)
	}
	self.command("CLIENT", "KILL", "ID", sid, "SKIPME", "no")
	if got := self.replyText(); got != ":1" {
		t.Fatalf("CLIENT KILL ID self SKIPME no = %s", got)
	}
	self.expectClosed(5 * time.Second)
	if err := admin.Ping(ctx).Err(); err != nil {
		t.Fatalf("admin after kills: %v", err)
	}
}

// TestE2E_ClientReply checks CLIENT REPLY OFF, SKIP and ON on the wire.
func TestE2E_ClientReply(t *testing.T) {
	h := startHubProc(t)
	r := dialRaw(t, h.resp)
	r.command("CLIENT", "REPLY", "OFF")
	r.command("SET", "a", "1")
	r.command("CLIENT", "REPLY", "SKIP") // no reply while OFF either
	r.command("CLIENT", "REPLY", "ON")
	r.command("GET", "a")
	if got := r.replyText(); got != "+OK" {
		t.Fatalf("first reply after OFF ... ON = %q, want +OK (of CLIENT REPLY ON)", got)
	}
	if got := r.replyText(); got != "$1" {
		t.Fatalf("GET after ON = %q", got)
	}
	r.command("CLIENT", "REPLY", "SKIP")
	r.command("SET", "b", "2")
	r.command("GET", "b")
	if got := r.replyText(); got != "$2" {
		t.Fatalf("reply after SKIP, SET = %q, want GET's $2", got)
	}
}

func TestE2E_Command(t *testing.T) {
	h := startHubProc(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		t.Run(protoName(proto), func(t *testing.T) {
			c := h.client(proto)
			infos, err := c.Command(ctx).Result()
			if err != nil {
				t.Fatalf("COMMAND (go-redis parse): %v", err)
			}
			n, err := c.Do(ctx, "COMMAND", "COUNT").Int()
			if err != nil || n != len(infos) {
				t.Fatalf("COMMAND COUNT = %d, %v; COMMAND lists %d", n, err, len(infos))
			}
			list, err := c.CommandList(ctx, nil).Result()
			if err != nil || len(list) != n {
				t.Fatalf("COMMAND LIST: %d names, %v", len(list), err)
			}
			for _, name := range []string{"get", "set", "client", "config", "info", "multi", "exec", "crdt.explain", "ping"} {
				if infos[name] == nil {
					t.Errorf("COMMAND lacks %s", name)
				}
			}
			get := infos["get"]
			if get.Arity != 2 || get.FirstKeyPos != 1 || get.LastKeyPos != 1 || !get.ReadOnly {
				t.Errorf("COMMAND INFO get = %+v", get)
			}
			if set := infos["set"]; set.Arity != -3 || len(set.ACLFlags) == 0 {
				t.Errorf("COMMAND INFO set = %+v", set)
			}
			one, err := c.Do(ctx, "COMMAND", "INFO", "get", "nosuchcommand").Slice()
			if err != nil || len(one) != 2 || one[1] != nil {
				t.Fatalf("COMMAND INFO get nosuchcommand = %v, %v", one, err)
			}
			docs, err := c.Do(ctx, "COMMAND", "DOCS", "get").Result()
			if err != nil || !strings.Contains(fmt.Sprint(docs), "Get the value of a key") {
				t.Fatalf("COMMAND DOCS get = %v, %v", docs, err)
			}
			keys, err := c.CommandGetKeys(ctx, "zunionstore", "dst", "2", "a", "b", "WEIGHTS", "1", "2").Result()
			if err != nil || strings.Join(keys, ",") != "dst,a,b" {
				t.Fatalf("COMMAND GETKEYS zunionstore = %v, %v", keys, err)
			}
			kf, err := c.CommandGetKeysAndFlags(ctx, "lmove", "a", "b", "left", "right").Result()
			if err != nil || len(kf) != 2 || kf[0].Key != "a" || kf[1].Key != "b" {
				t.Fatalf("COMMAND GETKEYSANDFLAGS lmove = %v, %v", kf, err)
			}
			hll, err := c.CommandList(ctx, &redis.FilterBy{ACLCat: "hyperloglog"}).Result()
			if err != nil || strings.Join(hll, ",") != "pfadd,pfcount,pfmerge" {
				t.Fatalf("COMMAND LIST FILTERBY ACLCAT hyperloglog = %v, %v", hll, err)
			}
			for want, cmd := range map[string][]any{
				"ERR Invalid command specified":                         {"COMMAND", "GETKEYS", "nosuch", "a"},
				"ERR Invalid number of arguments specified for command": {"COMMAND", "GETKEYS", "set", "a"},
				"ERR The command has no key arguments":                  {"COMMAND", "GETKEYS", "ping", "x"},
				"ERR Invalid arguments specified for command":           {"COMMAND", "GETKEYS", "zunionstore", "d", "x", "a"},
				"ERR unknown subcommand 'foo'. Try COMMAND HELP.":       {"COMMAND", "foo"},
			} {
				if err := c.Do(ctx, cmd...).Err(); err == nil || err.Error() != want {
					t.Errorf("%v: %v, want %q", cmd, err, want)
				}
			}
		})
	}
}

func TestE2E_Config(t *testing.T) {
	h := startHubProc(t, "--maxclients", "500", "--timeout", "0")
	ctx := context.Background()
	c := h.client(3)
	got, err := c.ConfigGet(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"maxclients": "500", "timeout": "0", "appendfsync": "everysec", "databases": "1",
		"maxmemory": "0", "save": "", "notify-keyspace-events": "", "proto-max-bulk-len": "536870912",
		"client-query-buffer-limit": "1073741824", "port": h.port(), "maxmemory-policy": "noeviction",
		"client-output-buffer-limit": "normal 268435456 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("CONFIG GET %s = %q, want %q", k, got[k], v)
		}
	}
	if m, err := c.ConfigGet(ctx, "max*").Result(); err != nil || len(m) != 3 || m["maxclients"] != "500" {
		t.Fatalf("CONFIG GET max* = %v, %v", m, err)
	}
	if m, err := c.Do(ctx, "CONFIG", "GET", "timeout", "databases", "nosuch").Result(); err != nil || len(fmt.Sprint(m)) == 0 {
		t.Fatalf("CONFIG GET with several patterns: %v, %v", m, err)
	}
	if err := c.ConfigSet(ctx, "maxclients", "123").Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, "CONFIG", "SET", "timeout", "30", "proto-max-bulk-len", "2mb").Err(); err != nil {
		t.Fatal(err)
	}
	m, _ := c.ConfigGet(ctx, "*").Result()
	if m["maxclients"] != "123" || m["timeout"] != "30" || m["proto-max-bulk-len"] != "2097152" {
		t.Fatalf("after CONFIG SET: %v", m)
	}
	if err := c.ConfigSet(ctx, "client-output-buffer-limit", "normal 1mb 512kb 10").Err(); err != nil {
		t.Fatal(err)
	}
	if v, _ := c.ConfigGet(ctx, "client-output-buffer-limit").Result(); !strings.HasPrefix(v["client-output-buffer-limit"], "normal 1048576 524288 10 slave") {
		t.Fatalf("client-output-buffer-limit = %q", v["client-output-buffer-limit"])
	}
	for want, cmd := range map[string][]any{
		"ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'":                                                                               {"CONFIG", "SET", "nosuch", "1"},
		"ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer":                                      {"CONFIG", "SET", "timeout", "abc"},
		"ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and 2147483647 inclusive":                              {"CONFIG", "SET", "timeout", "-1"},
		"ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive":                           {"CONFIG", "SET", "maxclients", "0"},
		"ERR CONFIG SET failed (possibly related to argument 'timeout') - duplicate parameter":                                                              {"CONFIG", "SET", "timeout", "1", "timeout", "2"},
		"ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config":                                                     {"CONFIG", "SET", "databases", "2"},
		"ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration.": {"CONFIG", "SET", "client-output-buffer-limit", "foo 1 2 3"},
		"ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive":    {"CONFIG", "SET", "proto-max-bulk-len", "100"},
		"ERR wrong number of arguments for 'config|set' command":                                                                                            {"CONFIG", "SET", "timeout"},
		"ERR syntax error": {"CONFIG", "SET", "a", "b", "c"},
		"ERR unknown subcommand 'foo'. Try CONFIG HELP.": {"CONFIG", "foo"},
	} {
		if err := c.Do(ctx, cmd...).Err(); err == nil || err.Error() != want {
			t.Errorf("%v: %v, want %q", cmd, err, want)
		}
	}
	// A refused CONFIG SET changes nothing, even the valid pairs before it.
	_ = c.Do(ctx, "CONFIG", "SET", "maxclients", "77", "timeout", "x").Err()
	if v, _ := c.ConfigGet(ctx, "maxclients").Result(); v["maxclients"] != "123" {
		t.Fatalf("maxclients after a refused CONFIG SET = %q", v["maxclients"])
	}
	if err := c.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if v := h.info("total_commands_processed"); v == "" || mustInt(t, v) > 5 {
		t.Fatalf("total_commands_processed after RESETSTAT = %q", v)
	}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("not an integer: %q", s)
	}
	return v
}

func TestE2E_Info(t *testing.T) {
	h := startHubProc(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		t.Run(protoName(proto), func(t *testing.T) {
			c := h.client(proto)
			if err := c.Set(ctx, "a"+protoName(proto), "1", 0).Err(); err != nil {
				t.Fatal(err)
			}
			if err := c.Set(ctx, "b"+protoName(proto), "1", time.Hour).Err(); err != nil {
				t.Fatal(err)
			}
			all, err := c.InfoMap(ctx).Result()
			if err != nil {
				t.Fatalf("INFO (go-redis InfoMap): %v", err)
			}
			for _, s := range []string{"Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU",
				"Keyspace", "Crdt"} {
				if all[s] == nil {
					t.Errorf("INFO lacks section %s (has %v)", s, keysOf(all))
				}
			}
			if all["Server"]["redis_version"] != "7.0.15" || all["Server"]["tcp_port"] != h.port() {
				t.Errorf("INFO server: %v", all["Server"])
			}
			if all["Replication"]["role"] != "master" || all["Replication"]["connected_slaves"] != "0" {
				t.Errorf("INFO replication: %v", all["Replication"])
			}
			if mustInt(t, all["Memory"]["used_memory"]) <= 0 || mustInt(t, all["Clients"]["connected_clients"]) < 1 {
				t.Errorf("INFO memory/clients: %v %v", all["Memory"], all["Clients"])
			}
			if !regexp.MustCompile(`^keys=\d+,expires=\d+,avg_ttl=\d+$`).MatchString(all["Keyspace"]["db0"]) {
				t.Errorf("INFO keyspace db0 = %q", all["Keyspace"]["db0"])
			}
			for _, f := range []string{"crdt_replica_id", "crdt_hub_name", "crdt_clock", "crdt_deltas_merged",
				"crdt_deltas_refused", "crdt_tombstone_keys", "crdt_peers_connected"} {
				if _, ok := all["Crdt"][f]; !ok {
					t.Errorf("INFO crdt lacks %s: %v", f, all["Crdt"])
				}
			}
			if _, ok := all["Persistence"]["loading"]; !ok {
				t.Errorf("INFO persistence: %v", all["Persistence"])
			}
			one, err := c.InfoMap(ctx, "keyspace").Result()
			if err != nil || len(one) != 1 || one["Keyspace"] == nil {
				t.Fatalf("INFO keyspace = %v, %v", one, err)
			}
			two, err := c.InfoMap(ctx, "server", "CLIENTS").Result()
			if err != nil || len(two) != 2 {
				t.Fatalf("INFO server clients = %v, %v", keysOf(two), err)
			}
			every, err := c.InfoMap(ctx, "everything").Result()
			if err != nil || every["Commandstats"]["cmdstat_set"] == "" {
				t.Fatalf("INFO everything: commandstats %v, %v", every["Commandstats"], err)
			}
			if s, err := c.Info(ctx, "nosuchsection").Result(); err != nil || s != "" {
				t.Fatalf("INFO nosuchsection = %q, %v", s, err)
			}
		})
	}
	if v := h.info("db0"); !strings.HasPrefix(v, "keys=4,expires=2,") {
		t.Fatalf("db0 = %q, want 4 keys with 2 expires", v)
	}
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestE2E_ServerCommands(t *testing.T) {
	h := startHubProc(t)
	ctx := context.Background()
	c := h.client(3)
	for i := range 5 {
		if err := c.Set(ctx, fmt.Sprint("k", i), i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := c.DBSize(ctx).Result(); err != nil || n != 5 {
		t.Fatalf("DBSIZE = %d, %v", n, err)
	}
	now, err := c.Time(ctx).Result()
	if err != nil || now.Sub(time.Now()).Abs() > 5*time.Second {
		t.Fatalf("TIME = %v, %v", now, err)
	}
	before, err := c.LastSave(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Save(ctx).Err(); err != nil {
		t.Fatalf("SAVE: %v", err)
	}
	after, err := c.LastSave(ctx).Result()
	if err != nil || after < before {
		t.Fatalf("LASTSAVE after SAVE = %d (before %d), %v", after, before, err)
	}
	if err := c.BgSave(ctx).Err(); err != nil && !strings.Contains(err.Error(), "in progress") {
		t.Fatalf("BGSAVE: %v", err)
	}
	if err := c.Do(ctx, "MONITOR").Err(); err == nil {
		t.Fatal("MONITOR answered without an error")
	}
	// SHUTDOWN is refused inside MULTI, as in Redis.
	r := dialRaw(t, h.resp)
	r.command("MULTI")
	r.command("SHUTDOWN")
	r.command("EXEC")
	for _, want := range []string{"+OK", "-ERR Command not allowed inside a transaction",
		"-EXECABORT Transaction discarded because of previous errors."} {
		if got := r.replyText(); got != want {
			t.Fatalf("MULTI SHUTDOWN EXEC: %q, want %q", got, want)
		}
	}
	if err := c.Do(ctx, "SHUTDOWN", "ABORT").Err(); err == nil || err.Error() != "ERR No shutdown in progress." {
		t.Fatalf("SHUTDOWN ABORT: %v", err)
	}
	// SHUTDOWN stops the hub gracefully: no reply, exit status 0. (No
	// retries: go-redis retries a command whose connection closed.)
	once := redis.NewClient(&redis.Options{Addr: h.resp, MaxRetries: -1})
	defer once.Close()
	if err := once.Shutdown(ctx).Err(); err != nil {
		t.Fatalf("SHUTDOWN: %v", err)
	}
	if err := h.waitExit(15 * time.Second); err != nil {
		t.Fatalf("hub exit after SHUTDOWN: %v", err)
	}
	if !strings.Contains(h.logs.String(), "user requested shutdown") {
		t.Fatalf("no shutdown log line:\n%s", h.logs.String())
	}
}

func TestE2E_HTTP(t *testing.T) {
	h := startHubProc(t)
	ctx := context.Background()
	c := h.client(2)
	for i := range 3 {
		if err := c.Set(ctx, fmt.Sprint("m", i), "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	get := func(path string) (int, string) {
		res, err := http.Get("http://" + h.http + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz = %d %q", code, body)
	}
	code, body := get("/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	metrics := parseMetrics(t, body)
	for name, want := range map[string]float64{
		`lattice_commands_processed_total{cmd="set"}`: 3,
		"lattice_keys":                 3,
		"lattice_deltas_merged_total":  0,
		"lattice_deltas_refused_total": 0,
		"lattice_connected_clients":    1,
	} {
		if v, ok := metrics[name]; !ok || v != want {
			t.Errorf("metric %s = %v (present %v), want %v", name, v, ok, want)
		}
	}
	for _, name := range []string{"lattice_uptime_seconds", "lattice_memory_used_bytes", "lattice_memory_rss_bytes",
		"lattice_net_input_bytes_total"} {
		if metrics[name] <= 0 {
			t.Errorf("metric %s = %v, want > 0", name, metrics[name])
		}
	}
	if code, _ := get("/nosuch"); code != 404 {
		t.Errorf("/nosuch = %d", code)
	}
}

// parseMetrics checks the Prometheus text format line by line and returns
// the samples by name{labels}.
func parseMetrics(t *testing.T, body string) map[string]float64 {
	t.Helper()
	sample := regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$`)
	typed := map[string]bool{}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# HELP "):
		case strings.HasPrefix(line, "# TYPE "):
			f := strings.Fields(line)
			if len(f) != 4 || typed[f[2]] {
				t.Fatalf("bad or repeated TYPE line %q", line)
			}
			typed[f[2]] = true
		default:
			m := sample.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("bad metrics line %q", line)
			}
			name, _, _ := strings.Cut(m[1], "{")
			if !typed[name] {
				t.Fatalf("sample before its TYPE: %q", line)
			}
			v, err := strconv.ParseFloat(m[2], 64)
			if err != nil {
				t.Fatalf("bad value in %q", line)
			}
			out[m[1]] = v
		}
	}
	return out
}

func TestE2E_Help(t *testing.T) {
	out, err := exec.Command(hubBin, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("hub --help: %v\n%s", err, out)
	}
	for _, flag := range []string{"id", "listen", "http", "dir", "peer", "appendfsync", "requirepass", "config",
		"addr-file", "log-level", "timeout", "maxclients", "proto-max-bulk-len", "client-query-buffer-limit",
		"client-output-buffer-limit"} {
		if !strings.Contains(string(out), "-"+flag+" ") && !strings.Contains(string(out), "-"+flag+"\n") {
			t.Errorf("--help does not document --%s", flag)
		}
	}
	if out, err := exec.Command(hubBin, "--nosuchflag").CombinedOutput(); err == nil {
		t.Errorf("hub --nosuchflag succeeded:\n%s", out)
	}
}

func TestE2E_ConfigFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "hub.conf")
	conf := "# a hub config\n\nrequirepass \"from file\"\nmaxclients 42\n--timeout 7\nproto-max-bulk-len 4mb\nlog-level debug\n"
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	h := startHubProc(t, "--config", file, "--timeout", "9")
	h.pass = "from file"
	ctx := context.Background()
	c := h.client(2)
	m, err := c.ConfigGet(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if m["maxclients"] != "42" || m["timeout"] != "9" || m["proto-max-bulk-len"] != "4194304" || m["loglevel"] != "debug" {
		t.Fatalf("settings from the file (flags override): %v", m)
	}
	if !strings.HasSuffix(h.info("config_file"), "hub.conf") {
		t.Fatalf("INFO config_file = %q", h.info("config_file"))
	}
	bad := filepath.Join(dir, "bad.conf")
	if err := os.WriteFile(bad, []byte("listen 127.0.0.1:0\nnosuchkey 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(hubBin, "--config", bad, "--dir", filepath.Join(dir, "d")).CombinedOutput()
	var ee *exec.ExitError
	if !errorsAs(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), `bad.conf:2: unknown key "nosuchkey"`) {
		t.Fatalf("bad config file: %v\n%s", err, out)
	}
}

func errorsAs(err error, target **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	if ok {
		*target = e
	}
	return ok
}

// TestE2E_PortZero checks that the hub logs the addresses it bound and
// writes them to --addr-file.
func TestE2E_PortZero(t *testing.T) {
	h := startHubProc(t)
	if strings.HasSuffix(h.resp, ":0") || strings.HasSuffix(h.http, ":0") || h.resp == h.http {
		t.Fatalf("addresses %s %s", h.resp, h.http)
	}
	eventually(t, 5*time.Second, "the start log line", func() bool {
		l := h.logs.String()
		return strings.Contains(l, "resp="+h.resp) && strings.Contains(l, "http="+h.http)
	})
}
