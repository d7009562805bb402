package compat

import (
	"bytes"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"lattice/shared/engine"
	"lattice/shared/resp"
)

var (
	flagSeed  = flag.Int64("compat.seed", -1, "run only this seed (TestCompat, TestCompatSelf)")
	flagSeeds = flag.Int("compat.seeds", 30, "number of seeds TestCompat runs")
	flagOps   = flag.Int("compat.ops", 1500, "commands per seed")
	flagCheck = flag.Int("compat.check", 25, "compare the whole keyspaces every this many commands (1: after each)")
)

// maxReports bounds the detailed reports per bucket (one command, one pair
// of reply signatures); the summary counts every mismatch.
const maxReports = 3

// TestCompat sends seeded random command streams to redis-server and to an
// engine.Replica and compares the RESP2 replies byte for byte, normalising
// only the intentional differences (compare_test.go's modes). The whole
// keyspaces are compared every -compat.check commands too. After a
// difference that left the keyspaces apart, the replica is rebuilt from
// redis-server's keyspace, so that one bug does not hide the next.
func TestCompat(t *testing.T) {
	names := engineCommands(t)
	ref := &redisSide{conn: dialRedis(t, startRedis(t))}
	checkVersion(t, ref.conn)
	sut := &engineSide{}
	compatRun(t, ref, sut, names, seeds(*flagSeeds))
}

// TestCompatSelf checks the test itself: two redis-servers must agree on
// every generated command, the hash and set ones included, once the
// normalisations are applied. A failure here is a bug in the generators or
// in a normalisation, not in the engine.
func TestCompatSelf(t *testing.T) {
	ref := &redisSide{conn: dialRedis(t, startRedis(t))}
	sut := &redisSide{conn: dialRedis(t, startRedis(t)), name: "redis-server #2"}
	names := slices.Sorted(maps.Keys(generators))
	compatRun(t, ref, sut, names, seeds(max(*flagSeeds/6, 1)))
}

func seeds(n int) []uint64 {
	if *flagSeed >= 0 {
		return []uint64{uint64(*flagSeed)}
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i + 1)
	}
	return out
}

func compatRun(t *testing.T, ref, sut side, names []string, seeds []uint64) {
	rep := &report{t: t, sut: sut.label(), perCmd: map[string]int{}, first: map[string]string{}}
	for _, seed := range seeds {
		r := newRun(t, seed, ref, sut, names, rep)
		r.play(*flagOps)
	}
	rep.summary()
}

// engineCommands lists the engine's commands and fails for any without a
// generator, so that a new command cannot escape the comparison.
func engineCommands(t *testing.T) []string {
	var names, missing []string
	for _, c := range engine.Commands() {
		if crdtOnly[c.Name] {
			continue
		}
		if _, ok := generators[c.Name]; !ok {
			t.Errorf("engine command %q has no generator in commands_test.go: add one", c.Name)
			continue
		}
		names = append(names, c.Name)
	}
	for _, name := range slices.Sorted(maps.Keys(generators)) {
		if !slices.Contains(names, name) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Logf("generators for commands the engine does not have (not compared): %s", strings.Join(missing, " "))
	}
	if len(names) == 0 {
		t.Fatal("the engine has no commands")
	}
	return names
}

func checkVersion(t *testing.T, rc *redisConn) {
	raw, err := rc.do(byteArgs("INFO", "server"))
	if err != nil {
		t.Fatalf("INFO: %v", err)
	}
	_, after, ok := bytes.Cut(raw, []byte("redis_version:"))
	if !ok || after[0] < '7' || after[1] != '.' {
		t.Fatalf("the compat tests need redis-server 7.x; INFO says %.40q", after)
	}
	t.Logf("redis-server %s", after[:bytes.IndexByte(after, '\r')])
}

func byteArgs(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

// run is one seed's command stream.
type run struct {
	t        *testing.T
	seed     uint64
	ref, sut side
	g        *gen
	names    []string // weighted: a name appears once per unit of weight
	keyPos   map[string]engine.CommandInfo
	history  []string // commands since the last flush or rebuild
	checked  int      // len(history) at the last keyspace check that passed
	rep      *report
	index    int
	script   string // set by TestCompatScripts
}

func newRun(t *testing.T, seed uint64, ref, sut side, names []string, rep *report) *run {
	r := &run{t: t, seed: seed, ref: ref, sut: sut, g: newGen(seed), rep: rep, keyPos: map[string]engine.CommandInfo{}}
	for _, n := range names {
		w := weights[n]
		if w == 0 {
			w = 10
		}
		for range w {
			r.names = append(r.names, n)
		}
	}
	for _, c := range engine.Commands() {
		r.keyPos[c.Name] = c
	}
	r.mustReset(ref)
	r.mustReset(sut)
	return r
}

func (r *run) mustReset(s side) {
	if err := s.reset(); err != nil {
		r.t.Fatalf("seed %d: reset %s: %v", r.seed, s.label(), err)
	}
}

// next draws the next command: mostly a generated one, sometimes an
// unknown command or a wrong arity, in a random case.
func (r *run) next() []string {
	if r.g.chance(0.01) {
		return r.g.unknownCommand()
	}
	name := pick(r.g, r.names...)
	cmd := append([]string{r.g.mixCase(name)}, generators[name](r.g)...)
	if r.g.chance(0.03) {
		cmd = r.g.wrongArity(cmd)
	}
	return cmd
}

func (r *run) play(ops int) {
	for r.index = range ops {
		cmd := r.next()
		r.step(cmd)
		r.history = append(r.history, fmt.Sprintf("#%d %s", r.index, quoteCmd(cmd)))
		if name := strings.ToLower(cmd[0]); name == "flushall" || name == "flushdb" {
			r.history, r.checked = r.history[:0], 0
		}
		if (r.index+1)%max(*flagCheck, 1) == 0 {
			r.checkState()
		}
	}
	r.index = ops
	r.checkState()
}

// checkState compares the whole keyspaces, to catch a write that answered
// right but stored wrong; on a difference it reports the commands since
// the last check and rebuilds the system under test.
func (r *run) checkState() {
	diff := r.stateDiff()
	if diff == "" {
		r.checked = len(r.history)
		return
	}
	var since []string
	if r.checked <= len(r.history) {
		since = r.history[r.checked:]
	}
	r.rep.add(r, "(keyspace check)", nil, nil, nil, fmt.Sprintf(
		"keyspaces differ after cmd#%d (%s rebuilt from redis-server):\n%s\ncommands since the last check:\n  %s",
		r.index, r.sut.label(), diff, strings.Join(since, "\n  ")))
	r.rebuild()
}

// step runs one command on both sides and compares the replies.
func (r *run) step(cmd []string) {
	name := strings.ToLower(cmd[0])
	var pre snapshot
	switch {
	case modeOf(name) == modeRandom:
		pre = r.snapshot(name, cmd)
	case name == "dbsize":
		r.reap()
	}
	want := r.raw(r.ref, cmd)
	got := r.raw(r.sut, cmd)
	if bytes.Equal(want, got) {
		return
	}
	if note := r.compare(name, cmd, want, got, pre); note != "" {
		r.mismatch(cmd, want, got, note)
	}
}

// mismatch reports a difference and, if the keyspaces now differ, rebuilds
// the system under test from redis-server's keyspace.
func (r *run) mismatch(cmd []string, want, got []byte, note string) {
	if diff := r.stateDiff(); diff != "" {
		note += fmt.Sprintf("\nkeyspaces now differ (%s rebuilt from redis-server):\n%s", r.sut.label(), diff)
		r.rebuild()
	}
	name := strings.ToLower(cmd[0])
	if _, ok := generators[name]; !ok {
		name = "(unknown command)"
	}
	r.rep.add(r, name+": "+signature(want)+" vs "+signature(got), cmd, want, got, note)
}

// signature classifies a reply for the summary: an error by its text up
// to the first quote (which starts the variable part), anything else by
// its type.
func signature(raw []byte) string {
	if len(raw) > 0 && raw[0] == '-' {
		line, _, _ := bytes.Cut(raw[1:], []byte("\r\n"))
		line, _, _ = bytes.Cut(line, []byte("'"))
		return fmt.Sprintf("%q", line)
	}
	if len(raw) == 0 {
		return "(nothing)"
	}
	return string(raw[:1])
}

// raw runs a command on one side and returns its RESP2 reply.
func (r *run) raw(s side, cmd []string) []byte {
	out, err := s.do(byteArgs(cmd...))
	if err != nil {
		r.t.Fatalf("seed %d: %s %s: %v", r.seed, s.label(), quoteCmd(cmd), err)
	}
	return out
}

// value runs a command on one side and returns its parsed reply.
func (r *run) value(s side, cmd ...string) resp.Value { return parseReply(r.t, r.raw(s, cmd)) }

func parseReply(t *testing.T, raw []byte) resp.Value {
	v, n, err := resp.ReadReply(raw)
	if err != nil || n != len(raw) {
		t.Fatalf("unreadable reply %q: %v", raw, err)
	}
	return v
}

// keysOf returns the key arguments of a command, from the engine's key
// positions, to pick the history a reproducer needs.
func (r *run) keysOf(cmd []string) []string {
	info, ok := r.keyPos[strings.ToLower(cmd[0])]
	if !ok || info.FirstKey <= 0 {
		return nil
	}
	last := info.LastKey
	if last < 0 {
		last = len(cmd) + last
	}
	var keys []string
	for i := info.FirstKey; i <= last && i < len(cmd); i += max(info.Step, 1) {
		keys = append(keys, cmd[i])
	}
	return keys
}

// relevantHistory returns the earlier commands of this run that name any
// of the keys (the last 25), or the last 10 commands for keyless ones.
func (r *run) relevantHistory(cmd []string) []string {
	if len(cmd) == 0 {
		return nil
	}
	keys := r.keysOf(cmd)
	var out []string
	for _, h := range r.history {
		if len(keys) == 0 || slices.ContainsFunc(keys, func(k string) bool { return strings.Contains(h, fmt.Sprintf("%q", k)) }) {
			out = append(out, h)
		}
	}
	limit := 25
	if len(keys) == 0 {
		limit = 10
	}
	return out[max(0, len(out)-limit):]
}

func quoteCmd(cmd []string) string {
	q := make([]string, len(cmd))
	for i, a := range cmd {
		q[i] = fmt.Sprintf("%q", a)
		if i == 0 && a != "" && !strings.ContainsAny(a, " \"\\\r\n\x00") {
			q[i] = a
		}
	}
	return strings.Join(q, " ")
}

// report collects mismatches across seeds, in buckets of one command and
// one pair of reply signatures, so that the summary separates bugs.
type report struct {
	t      *testing.T
	sut    string
	total  int
	perCmd map[string]int
	first  map[string]string
}

func (rep *report) add(r *run, name string, cmd []string, want, got []byte, note string) {
	rep.total++
	rep.perCmd[name]++
	if _, ok := rep.first[name]; !ok {
		rep.first[name] = fmt.Sprintf("seed %d #%d", r.seed, r.index)
		if r.script != "" {
			rep.first[name] = fmt.Sprintf("script %q #%d", r.script, r.index)
		}
	}
	if rep.perCmd[name] > maxReports {
		return
	}
	var b strings.Builder
	where := fmt.Sprintf("seed=%d cmd#%d", r.seed, r.index)
	if r.script != "" {
		where = fmt.Sprintf("script %q cmd#%d", r.script, r.index)
	}
	fmt.Fprintf(&b, "%s: %s\n", where, quoteCmd(cmd))
	if cmd != nil {
		fmt.Fprintf(&b, "  redis-server: %q\n  %s: %q\n", want, rep.sut, got)
	}
	fmt.Fprintf(&b, "  %s\n", strings.ReplaceAll(note, "\n", "\n  "))
	if hist := r.relevantHistory(cmd); len(hist) > 0 {
		fmt.Fprintf(&b, "  earlier commands on these keys:\n    %s\n", strings.Join(hist, "\n    "))
	}
	if r.script != "" {
		fmt.Fprintf(&b, "  replay: go test ./hub/compat -run '%s$'", rep.t.Name())
		rep.t.Error(b.String())
		return
	}
	fmt.Fprintf(&b, "  replay: go test ./hub/compat -run '%s$' -compat.seed=%d", rep.t.Name(), r.seed)
	if *flagOps != 1500 {
		fmt.Fprintf(&b, " -compat.ops=%d", *flagOps)
	}
	if *flagCheck != 25 {
		fmt.Fprintf(&b, " -compat.check=%d", *flagCheck)
	}
	rep.t.Error(b.String())
}

func (rep *report) summary() {
	if rep.total == 0 {
		return
	}
	var lines []string
	for _, name := range slices.Sorted(maps.Keys(rep.perCmd)) {
		lines = append(lines, fmt.Sprintf("  %5d  %s  (first: %s)", rep.perCmd[name], name, rep.first[name]))
	}
	rep.t.Errorf("%d mismatches by command:\n%s", rep.total, strings.Join(lines, "\n"))
}
