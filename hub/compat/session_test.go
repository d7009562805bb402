package compat

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"lattice/hub/node"
	"lattice/shared/causal"
	"lattice/shared/engine"
)

// txScripts are transaction scenarios on two connections: client 1
// watches and runs transactions, client 2 writes. A step is
//
//	"N CMD|arg|arg"             one command on connection N
//	"N CMD|arg ; CMD|arg ; ..." commands sent in one write (a pipeline)
//	"wait KEY"                  until KEY has expired on the side
//
// A command written "?CMD" is run but its reply not compared (HELLO's
// reply holds the connection id). Scripts marked hub use the hub's
// connection commands (PING, ECHO, CLIENT, HELLO, RESET) and run only
// against the hub; the others run against the engine too.
var txScripts = []struct {
	name  string
	hub   bool
	steps []string
}{
	{name: "errors outside multi", steps: []string{
		"1 EXEC", "1 DISCARD", "1 UNWATCH", "1 UNWATCH|x", "1 WATCH", "1 MULTI|x", "1 DISCARD|x",
		"1 EXEC|x", "1 exec", "1 Discard",
	}},
	{name: "nested multi and watch inside multi", steps: []string{
		"1 MULTI", "1 MULTI", "1 WATCH|x", "1 SET|a|1", "1 EXEC", "1 GET|a",
	}},
	{name: "queue errors abort", steps: []string{
		"1 MULTI", "1 FOO|bar", "1 SET|a|1", "1 EXEC", "1 GET|a",
		"1 MULTI", "1 GET", "1 EXEC",
		"1 MULTI", "1 MULTI|x", "1 EXEC",
		"1 MULTI", "1 WATCH", "1 EXEC",
		"1 MULTI", "1 UNWATCH", "1 UNWATCH|x", "1 DISCARD|x", "1 EXEC", "1 EXEC",
		"1 MULTI", "1 EXEC|x", "1 EXEC",
		"1 MULTI", "1 SET|a|1", "1 set|a", "1 DISCARD", "1 GET|a",
	}},
	{name: "exec runs the queue", steps: []string{
		"1 MULTI", "1 EXEC",
		"1 SET|s|x", "1 multi", "1 INCR|s", "1 set|s|5", "1 INCR|s", "1 UNWATCH", "1 HSET|h|f|1|g|2",
		"1 HGETALL|h", "1 SADD|t|a|b", "1 SCARD|t", "1 DEL|h|t", "1 EXISTS|h|t", "1 Exec",
		"1 MULTI", "1 SET|s|1", "1 DISCARD", "1 GET|s",
		"1 MULTI", "1 SET|v|1", "2 GET|v", "1 EXEC", "2 GET|v",
	}},
	{name: "watch sees writes of the other client", steps: []string{
		"1 WATCH|k", "2 SET|k|1", "1 MULTI", "1 GET|k", "1 EXEC",
		"1 WATCH|k", "1 MULTI", "1 GET|k", "1 EXEC",
		"1 WATCH|k", "2 INCR|k", "1 MULTI", "1 EXEC",
		"1 WATCH|k", "2 EXPIRE|k|100", "1 MULTI", "1 EXEC",
		"1 WATCH|k", "2 APPEND|k|x", "1 MULTI", "1 EXEC",
		"1 WATCH|k", "2 DEL|k", "1 MULTI", "1 EXEC",
		"1 WATCH|h", "2 HSET|h|f|1", "1 MULTI", "1 EXEC",
		"1 WATCH|h", "2 HSET|h|g|1", "1 MULTI", "1 EXEC",
		"1 WATCH|h", "2 HDEL|h|f", "1 MULTI", "1 EXEC",
		"1 WATCH|s", "2 SADD|s|a", "1 MULTI", "1 EXEC",
		"1 WATCH|s", "2 SREM|s|a", "1 MULTI", "1 EXEC",
		"1 WATCH|a|b|c", "2 SET|c|1", "1 MULTI", "1 SET|a|1", "1 EXEC", "1 GET|a",
		"1 WATCH|r", "2 SET|src|1", "2 RENAME|src|r", "1 MULTI", "1 EXEC",
		"1 WATCH|k", "2 SET|k|1", "2 FLUSHALL", "1 MULTI", "1 EXEC",
	}},
	{name: "watch ignores what does not change the key", steps: []string{
		"2 SET|k|1", "2 SADD|s|a",
		"1 WATCH|k", "2 SET|other|1", "2 GET|k", "2 EXISTS|k", "2 TTL|k", "1 MULTI", "1 SET|k|2", "1 EXEC",
		"1 WATCH|nokey", "2 DEL|nokey", "2 GET|nokey", "2 EXPIRE|nokey|10", "1 MULTI", "1 EXEC",
		"1 WATCH|s", "2 SREM|s|nope", "2 SMEMBERS|s", "1 MULTI", "1 EXEC",
		"1 WATCH|k", "2 SETNX|k|x", "2 EXPIRE|k|10|XX", "1 MULTI", "1 EXEC",
		"1 WATCH|nokey", "2 FLUSHALL", "1 MULTI", "1 EXEC",
	}},
	{name: "own writes and clearing the watches", steps: []string{
		"1 WATCH|k", "1 SET|k|1", "1 MULTI", "1 EXEC",
		"1 WATCH|k", "1 EXEC", "2 SET|k|2", "1 MULTI", "1 EXEC",
		"1 WATCH|k", "1 UNWATCH", "2 SET|k|3", "1 MULTI", "1 EXEC",
		"1 WATCH|k", "1 MULTI", "1 DISCARD", "2 SET|k|4", "1 MULTI", "1 EXEC",
		"1 WATCH|k", "1 EXEC|x", "2 SET|k|5", "1 MULTI", "1 EXEC",
		"1 WATCH|k", "1 MULTI", "1 EXEC", "2 SET|k|6", "1 MULTI", "1 EXEC",
		"1 WATCH|k", "2 SET|k|7", "1 MULTI", "1 FOO", "1 EXEC",
		"1 WATCH|k|k", "1 WATCH|j", "2 SET|j|1", "1 MULTI", "1 EXEC",
		"1 WATCH|k", "2 SET|k|8", "1 UNWATCH", "1 MULTI", "1 EXEC",
	}},
	{name: "watch and expiry", steps: []string{
		// expired at WATCH (an absolute time in the past): untouched, read,
		// then written by the other client
		"1 SET|e|v|PXAT|1", "1 WATCH|e", "1 MULTI", "1 EXEC",
		"1 SET|e|v|PXAT|1", "1 WATCH|e", "2 GET|e", "2 EXISTS|e", "1 MULTI", "1 EXEC",
		"1 SET|e|v|PXAT|1", "1 WATCH|e", "2 SET|e|w", "1 MULTI", "1 EXEC",
		// visible at WATCH, expired at EXEC (300 ms: WATCH must come first
		// even on a loaded machine)
		"1 SET|x|v|PX|300", "1 WATCH|x", "wait x", "1 MULTI", "1 EXEC",
		"1 SET|y|v|PX|300", "1 WATCH|y", "wait y", "2 GET|y", "1 MULTI", "1 EXEC",
	}},
	{name: "pipelined transactions", steps: []string{
		"1 MULTI ; SET|a|1 ; INCR|a ; GET|a ; EXEC ; GET|a",
		"1 WATCH|a ; MULTI ; INCR|a ; EXEC",
		"1 WATCH|a", "2 SET|a|9", "1 MULTI ; INCR|a ; EXEC ; GET|a",
		"1 MULTI ; NOPE ; SET|b|1 ; EXEC ; EXISTS|b",
		"1 MULTI ; MULTI ; EXEC ; EXEC",
	}},
	{name: "connection commands in transactions", hub: true, steps: []string{
		"1 MULTI", "1 PING", "1 PING|a|b", "1 ECHO|hi", "1 SELECT|0", "1 CLIENT|SETNAME|n", "1 CLIENT|GETNAME",
		"1 SET|a|1", "1 EXEC",
		"1 MULTI", "1 ECHO", "1 EXEC",
		"1 MULTI", "1 CLIENT|FOO", "1 CLIENT|SETNAME", "1 CLIENT", "1 EXEC",
		"1 MULTI", "1 SELECT", "1 EXEC",
		"1 MULTI ; PING ; ECHO|x ; EXEC ; PING",
		"1 PING ; MULTI ; PING ; DISCARD ; PING ; ECHO|y",
		"1 WATCH|k", "1 MULTI", "1 SET|a|2", "1 RESET", "2 SET|k|1", "1 MULTI", "1 EXEC", "1 GET|a",
		"1 MULTI", "1 RESET|x", "1 EXEC",
	}},
	{name: "resp3", hub: true, steps: []string{
		"1 ?HELLO|3",
		"1 WATCH|k", "2 SET|k|1", "1 MULTI", "1 HSET|h|f|v", "1 EXEC",
		"1 MULTI", "1 HSET|h|f|v", "1 HGETALL|h", "1 SMEMBERS|none", "1 EXEC",
		"1 MULTI", "1 EXEC",
		"1 MULTI", "1 EXEC|x",
	}},
}

// TestCompatSessions runs txScripts on redis-server and on the engine
// (two engine.Sessions on one replica) and on an in-process hub (two TCP
// connections), and compares every reply byte for byte.
func TestCompatSessions(t *testing.T) {
	sock := startRedis(t)
	hubAddr := startHubNode(t)
	for _, sc := range txScripts {
		t.Run(sc.name, func(t *testing.T) {
			ref := newTxRedis(t, "redis-server", "unix", sock)
			suts := []txSide{newTxRedis(t, "hub", "tcp", hubAddr)}
			if !sc.hub {
				suts = append(suts, newTxEngine(t))
			}
			for i, step := range sc.steps {
				want := runStep(t, ref, step)
				for _, sut := range suts {
					got := runStep(t, sut, step)
					for j := range want {
						if j >= len(got) || !bytes.Equal(want[j], got[j]) && want[j] != nil {
							t.Errorf("step %d %q, reply %d: redis-server %q, %s %q", i, step, j, want[j], sut.label(), at(got, j))
						}
					}
				}
			}
		})
	}
}

func at(rs [][]byte, i int) []byte {
	if i < len(rs) {
		return rs[i]
	}
	return nil
}

// txSide runs the steps of a script on one system.
type txSide interface {
	label() string
	// send runs commands on connection conn (1 or 2) in one write and
	// returns their raw replies.
	send(conn int, cmds [][][]byte) ([][]byte, error)
}

type txStep struct {
	conn   int
	cmds   [][][]byte
	ignore []bool
	wait   string
}

func parseStep(t *testing.T, step string) txStep {
	if key, ok := strings.CutPrefix(step, "wait "); ok {
		return txStep{wait: key}
	}
	who, rest, _ := strings.Cut(step, " ")
	s := txStep{conn: int(who[0] - '0')}
	if s.conn != 1 && s.conn != 2 {
		t.Fatalf("bad step %q", step)
	}
	for _, c := range strings.Split(rest, " ; ") {
		c, skip := strings.CutPrefix(c, "?")
		s.cmds = append(s.cmds, byteArgs(strings.Split(c, "|")...))
		s.ignore = append(s.ignore, skip)
	}
	return s
}

// runStep runs one step on a side; replies not to compare come back nil.
func runStep(t *testing.T, side txSide, step string) [][]byte {
	t.Helper()
	s := parseStep(t, step)
	if s.wait != "" {
		waitExpired(t, side, s.wait)
		return nil
	}
	out, err := side.send(s.conn, s.cmds)
	if err != nil {
		t.Fatalf("%s: %s: %v", side.label(), step, err)
	}
	for i := range out {
		if s.ignore[i] {
			out[i] = nil
		}
	}
	return out
}

// waitExpired polls until key has expired on the side (client 2 asks, so
// client 1's transaction state is untouched): the expiry scenarios need
// real time to pass on redis-server.
func waitExpired(t *testing.T, side txSide, key string) {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		out, err := side.send(2, [][][]byte{byteArgs("PTTL", key)})
		if err != nil {
			t.Fatal(err)
		}
		if string(out[0]) == ":-2\r\n" {
			return
		}
	}
	t.Fatalf("%s: %s did not expire", side.label(), key)
}

// txRedis is two connections to a RESP server: redis-server or the hub.
type txRedis struct {
	name  string
	conns [2]*redisConn
}

func newTxRedis(t *testing.T, name, network, addr string) *txRedis {
	s := &txRedis{name: name}
	for i := range s.conns {
		c, err := net.DialTimeout(network, addr, 5*time.Second)
		if err != nil {
			t.Fatalf("dial %s: %v", name, err)
		}
		t.Cleanup(func() { c.Close() })
		s.conns[i] = &redisConn{c: c}
	}
	if _, err := s.send(2, [][][]byte{byteArgs("FLUSHALL")}); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *txRedis) label() string { return s.name }

func (s *txRedis) send(conn int, cmds [][][]byte) ([][]byte, error) {
	rc := s.conns[conn-1]
	if err := rc.c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return nil, err
	}
	var req []byte
	for _, args := range cmds {
		req = append(req, encodeCommand(args)...)
	}
	if _, err := rc.c.Write(req); err != nil {
		return nil, err
	}
	out := make([][]byte, len(cmds))
	for i := range out {
		raw, err := rc.read()
		if err != nil {
			return nil, err
		}
		out[i] = raw
	}
	return out, nil
}

// txEngine is two sessions on one in-process replica, at the host's time.
type txEngine struct {
	r    *engine.Replica
	sess [2]engine.Session
}

func newTxEngine(t *testing.T) *txEngine {
	r, err := engine.New(causal.ReplicaID{15: 1}, engine.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return &txEngine{r: r}
}

func (e *txEngine) label() string { return "engine" }

func (e *txEngine) send(conn int, cmds [][][]byte) ([][]byte, error) {
	out := make([][]byte, len(cmds))
	for i, args := range cmds {
		rep, _ := e.r.Run(&e.sess[conn-1], time.Now().UnixNano(), args)
		out[i] = engine.AppendReply(nil, rep, 2)
	}
	return out, nil
}

// startHubNode runs a hub in this process on loopback ports chosen by the
// system and returns its RESP address.
func startHubNode(t *testing.T) string {
	t.Helper()
	cfg := node.DefaultConfig()
	cfg.ID, cfg.Listen, cfg.HTTP, cfg.Dir, cfg.AppendFsync = "compat", "127.0.0.1:0", "127.0.0.1:0", t.TempDir(), "everysec"
	n, err := node.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	select {
	case <-n.Ready():
		return n.RESPAddr().String()
	case err := <-done:
		if err == nil {
			err = errors.New("stopped")
		}
		t.Fatalf("hub: %v", err)
	}
	return ""
}
