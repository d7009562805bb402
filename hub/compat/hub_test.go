package compat

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lattice/shared/resp"
)

var (
	flagHubSeeds  = flag.Int("compat.hubseeds", 8, "number of seeds TestCompatHub runs in RESP2")
	flagHub3Seeds = flag.Int("compat.hub3seeds", 3, "number of seeds TestCompatHub runs in RESP3")
)

// TestCompatHub runs TestCompat's command streams against an in-process
// hub over TCP instead of the in-process engine: the same generators, the
// same keyspace checks and the same intentional differences
// (compare_test.go), so the hub's connection layer, pipelines and reply
// writing are compared byte for byte with redis-server too.
//
// The RESP3 runs open both connections with HELLO 3 and compare the raw
// RESP3 replies; see resp3Side for how the intentional differences carry
// over.
func TestCompatHub(t *testing.T) {
	names := engineCommands(t)
	sock := startRedis(t)
	hub := startHubNode(t)
	ref := &redisSide{conn: dialRedis(t, sock)}
	checkVersion(t, ref.conn)
	t.Run("resp2", func(t *testing.T) {
		sut := &redisSide{conn: dialTCP(t, hub), name: "hub"}
		checkVersion(t, sut.conn)
		compatRun(t, ref, sut, names, seeds(*flagHubSeeds))
	})
	t.Run("resp3", func(t *testing.T) {
		log := &resp3Log{t: t}
		ref3 := newResp3Side(t, log, "redis-server", dialRedis(t, sock))
		sut3 := newResp3Side(t, log, "hub", dialTCP(t, hub))
		sut3.ref = ref3
		for _, seed := range resp3Seeds(*flagHub3Seeds) {
			log.seed = seed
			compatRun(t, ref3, sut3, names, []uint64{seed})
		}
	})
}

// resp3Seeds are other seeds than the RESP2 runs', so that the two
// protocols see different streams; -compat.seed picks one for both.
func resp3Seeds(n int) []uint64 {
	if *flagSeed >= 0 {
		return []uint64{uint64(*flagSeed)}
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(1000 + i)
	}
	return out
}

func dialTCP(t *testing.T, addr string) *redisConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial hub: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return &redisConn{c: c}
}

// resp3Side is a connection in RESP3 that shows the comparison RESP2: its
// do returns the reply rendered as RESP2 (resp3to2), so that compatRun's
// modes, keyspace dumps and rebuilds work unchanged. The RESP3 bytes are
// compared here: when the system under test runs the very command the
// reference ran just before (the compared command of a step), the raw
// RESP3 replies must be equal, or, where they differ, the difference must
// show in RESP2 too (where compatRun judges it) and the two replies must
// have the same RESP3 types. A difference that only RESP3 shows is
// reported here.
type resp3Side struct {
	redisSide
	log *resp3Log
	ref *resp3Side // set on the system under test
}

// resp3Log remembers the last command and raw reply of the reference.
type resp3Log struct {
	t        *testing.T
	seed     uint64
	lastArgs [][]byte
	lastRaw  []byte
	perCmd   map[string]int
}

func newResp3Side(t *testing.T, log *resp3Log, name string, rc *redisConn) *resp3Side {
	t.Helper()
	raw, err := rc.do(byteArgs("HELLO", "3"))
	if err != nil || len(raw) == 0 || raw[0] != '%' {
		t.Fatalf("%s: HELLO 3 answered %q, %v", name, raw, err)
	}
	return &resp3Side{redisSide: redisSide{conn: rc, name: name + " (RESP3)"}, log: log}
}

func (s *resp3Side) do(args [][]byte) ([]byte, error) {
	raw, err := s.conn.do(args)
	if err != nil {
		return nil, err
	}
	v, n, err := resp.ReadReply(raw)
	if err != nil || n != len(raw) {
		return nil, fmt.Errorf("unreadable RESP3 reply %q: %v", raw, err)
	}
	down := appendResp2(nil, resp3to2(args, v))
	if s.ref == nil {
		s.log.lastArgs, s.log.lastRaw = args, raw
		return down, nil
	}
	if s.log.lastArgs != nil && slices.EqualFunc(args, s.log.lastArgs, bytes.Equal) {
		s.compare3(args, s.log.lastRaw, raw)
	}
	s.log.lastArgs, s.log.lastRaw = nil, nil
	return down, nil
}

// compare3 checks one compared command's RESP3 replies; want is
// redis-server's.
func (s *resp3Side) compare3(args [][]byte, want, got []byte) {
	if bytes.Equal(want, got) {
		return
	}
	wv, _, _ := resp.ReadReply(want)
	gv, _, _ := resp.ReadReply(got)
	name := strings.ToLower(string(args[0]))
	var note string
	switch {
	case bytes.Equal(appendResp2(nil, resp3to2(args, wv)), appendResp2(nil, resp3to2(args, gv))):
		note = "the replies differ in RESP3 only"
	case modeOf(name) == modeExact:
		return // TestCompat's comparison reports it in RESP2
	case modeOf(name) == modeScan:
		if wv.Type != gv.Type || len(wv.Elems) != 2 || len(gv.Elems) != 2 || wv.Elems[1].Type != gv.Elems[1].Type {
			note = "the SCAN replies have different RESP3 types"
		}
	case shape3(wv) != shape3(gv):
		note = fmt.Sprintf("the replies have different RESP3 types: %s vs %s", shape3(wv), shape3(gv))
	}
	if note == "" {
		return
	}
	lg := s.log
	if lg.perCmd == nil {
		lg.perCmd = map[string]int{}
	}
	if lg.perCmd[name]++; lg.perCmd[name] > maxReports {
		return
	}
	strs := make([]string, len(args))
	for i, a := range args {
		strs[i] = string(a)
	}
	lg.t.Errorf("seed=%d RESP3: %s: %s\n  redis-server: %q\n  hub:          %q\n  replay: go test ./hub/compat -run 'TestCompatHub/resp3$' -compat.seed=%d",
		lg.seed, note, quoteCmd(strs), want, got, lg.seed)
}

// shape3 describes a reply's RESP3 types: an aggregate by its type and
// the distinct shapes of its elements (sorted, so order and count do not
// matter).
func shape3(v resp.Value) string {
	switch v.Type {
	case resp.TypeArray, resp.TypeSet, resp.TypeMap, resp.TypePush:
		var kids []string
		for _, e := range v.Elems {
			kids = append(kids, shape3(e))
		}
		kids = slices.Compact(slices.Sorted(slices.Values(kids)))
		return string(v.Type) + "(" + strings.Join(kids, ",") + ")"
	}
	return string(v.Type)
}

// resp3to2 turns a RESP3 reply into the reply RESP2 would have carried
// (Redis's RESP2 rendering of each RESP3 type): maps become flat arrays,
// sets and pushes arrays, null a null bulk string, doubles and big
// numbers bulk strings, booleans integers, verbatim strings bulk strings
// without their format, blob errors errors. The WITHSCORES and WITHVALUES
// replies (and ZPOPMIN/ZPOPMAX with a count), which RESP3 nests as pairs,
// are flattened as RESP2 sends them.
func resp3to2(args [][]byte, v resp.Value) resp.Value {
	v = down3(v)
	if v.Type != resp.TypeArray || len(v.Elems) == 0 || !pairsInRESP3(args) {
		return v
	}
	var flat []resp.Value
	for _, e := range v.Elems {
		if e.Type != resp.TypeArray || len(e.Elems) != 2 {
			return v
		}
		flat = append(flat, e.Elems...)
	}
	v.Elems = flat
	return v
}

func pairsInRESP3(args [][]byte) bool {
	name := strings.ToLower(string(args[0]))
	if name == "zpopmin" || name == "zpopmax" {
		return true
	}
	for _, a := range args[1:] {
		if s := strings.ToLower(string(a)); s == "withscores" || s == "withvalues" {
			return true
		}
	}
	return false
}

func down3(v resp.Value) resp.Value {
	v.Attrs = nil
	switch v.Type {
	case resp.TypeMap, resp.TypeSet, resp.TypePush, resp.TypeArray:
		elems := make([]resp.Value, len(v.Elems))
		for i, e := range v.Elems {
			elems[i] = down3(e)
		}
		return resp.Value{Type: resp.TypeArray, Null: v.Null, Elems: elems}
	case resp.TypeNull:
		return resp.Value{Type: resp.TypeBulk, Null: true}
	case resp.TypeDouble, resp.TypeBigNumber:
		return resp.Value{Type: resp.TypeBulk, Str: v.Str}
	case resp.TypeBool:
		return resp.Value{Type: resp.TypeInt, Int: v.Int}
	case resp.TypeVerbatim:
		s := v.Str
		if len(s) >= 4 && s[3] == ':' {
			s = s[4:]
		}
		return resp.Value{Type: resp.TypeBulk, Str: s}
	case resp.TypeBlobError:
		return resp.Value{Type: resp.TypeError, Str: v.Str}
	}
	return v
}

// appendResp2 writes a RESP2 value.
func appendResp2(dst []byte, v resp.Value) []byte {
	switch v.Type {
	case resp.TypeSimple:
		return resp.AppendSimple(dst, v.Str)
	case resp.TypeError:
		return resp.AppendError(dst, v.Str)
	case resp.TypeInt:
		return resp.AppendInt(dst, v.Int)
	case resp.TypeArray:
		if v.Null {
			return resp.AppendNullArray(dst, 2)
		}
		dst = resp.AppendArrayHeader(dst, len(v.Elems))
		for _, e := range v.Elems {
			dst = appendResp2(dst, e)
		}
		return dst
	}
	if v.Null {
		return resp.AppendNull(dst, 2)
	}
	return resp.AppendBulk(dst, v.Str)
}

// TestCompatHubPipe loads ~10k commands into the hub with redis-cli
// --pipe (the mass-insertion mode: the whole stream written at once, the
// replies counted at the end) and checks redis-cli's report and the
// resulting keyspace.
func TestCompatHubPipe(t *testing.T) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Fatal("redis-cli is not on PATH (it comes with redis-server: apt-get install redis-tools)")
	}
	addr := startHubNode(t)
	host, port, _ := net.SplitHostPort(addr)
	const (
		nSet   = 5000 // SET key:%05d
		nIncr  = 2000 // INCR counter
		nRPush = 1500 // RPUSH list
		nSAdd  = 1000 // SADD set, 500 distinct members
		nHSet  = 500  // HSET hash field:%d
	)
	var in []byte
	add := func(args ...string) { in = append(in, encodeCommand(byteArgs(args...))...) }
	for i := range nSet {
		add("SET", fmt.Sprintf("key:%05d", i), fmt.Sprintf("value-%d", i))
	}
	for range nIncr {
		add("INCR", "counter")
	}
	for i := range nRPush {
		add("RPUSH", "list", strconv.Itoa(i))
	}
	for i := range nSAdd {
		add("SADD", "set", strconv.Itoa(i%500))
	}
	for i := range nHSet {
		add("HSET", "hash", "field:"+strconv.Itoa(i), strconv.Itoa(i))
	}
	// An inline command and a failing one: --pipe counts the error.
	in = append(in, "SET inline yes\r\n"...)
	add("INCR", "key:00000")
	total := nSet + nIncr + nRPush + nSAdd + nHSet + 2

	cmd := exec.Command(cli, "-h", host, "-p", port, "--pipe", "--pipe-timeout", "30")
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.CombinedOutput()
	// redis-cli --pipe exits 1 when any reply was an error: here one is.
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
		t.Fatalf("redis-cli --pipe: %v\n%s", err, out)
	}
	want := fmt.Sprintf("errors: 1, replies: %d", total)
	if !strings.Contains(string(out), want) {
		t.Fatalf("redis-cli --pipe reported\n%s\nwant %q", out, want)
	}
	if !strings.Contains(string(out), "ERR value is not an integer or out of range") {
		t.Errorf("redis-cli --pipe did not print the INCR error:\n%s", out)
	}

	rc := dialTCP(t, addr)
	checks := []struct {
		cmd  []string
		want string
	}{
		{[]string{"DBSIZE"}, fmt.Sprintf(":%d\r\n", nSet+5)},
		{[]string{"GET", "key:04999"}, "$10\r\nvalue-4999\r\n"},
		{[]string{"GET", "counter"}, fmt.Sprintf("$4\r\n%d\r\n", nIncr)},
		{[]string{"LLEN", "list"}, fmt.Sprintf(":%d\r\n", nRPush)},
		{[]string{"LINDEX", "list", "-1"}, fmt.Sprintf("$4\r\n%d\r\n", nRPush-1)},
		{[]string{"SCARD", "set"}, ":500\r\n"},
		{[]string{"HLEN", "hash"}, fmt.Sprintf(":%d\r\n", nHSet)},
		{[]string{"GET", "inline"}, "$3\r\nyes\r\n"},
	}
	for _, c := range checks {
		got, err := rc.do(byteArgs(c.cmd...))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != c.want {
			t.Errorf("%s = %q, want %q", strings.Join(c.cmd, " "), got, c.want)
		}
	}
	if t.Failed() {
		t.Logf("redis-cli --pipe output:\n%s", out)
	}
}
