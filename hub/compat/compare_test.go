package compat

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"lattice/shared/resp"
)

// mode says how two replies that are not byte-identical may still agree.
// Every mode but modeExact is an intentional difference, listed in the
// README's "Intentional differences from redis-server" table.
type mode int

const (
	modeExact     mode = iota
	modeUnordered      // an array whose order Redis does not define (hash-table order)
	modePairs          // HGETALL: field-value pairs in hash-table order
	modeScan           // cursor iteration: compare the union of a whole scan
	modeTTL            // remaining time read at slightly different instants
	modeRandom         // a random choice: check shape and membership
)

func modeOf(name string) mode {
	switch name {
	case "keys", "smembers", "sunion", "sinter", "sdiff", "hkeys", "hvals":
		return modeUnordered
	case "hgetall":
		return modePairs
	case "scan", "hscan", "sscan", "zscan":
		return modeScan
	case "ttl", "pttl", "expiretime", "pexpiretime":
		return modeTTL
	case "spop", "srandmember", "hrandfield", "zrandmember", "randomkey":
		return modeRandom
	}
	return modeExact
}

// ttlTolerance is how far apart the two sides' TTL readings may be: the
// expiry and the reading happen a few microseconds apart on each side, and
// on a loaded machine a scheduling pause can stretch that. Whole seconds
// may differ by one when the two instants straddle a rounding boundary.
func ttlTolerance(name string) int64 {
	if name == "pttl" || name == "pexpiretime" {
		return 1000
	}
	return 1
}

// compare decides whether two different replies agree under the command's
// mode; it returns "" when they do, or what is wrong.
func (r *run) compare(name string, cmd []string, want, got []byte, pre snapshot) string {
	m := modeOf(name)
	if m == modeExact {
		return "replies differ"
	}
	wv, gv := parseReply(r.t, want), parseReply(r.t, got)
	if wv.Type == resp.TypeError || gv.Type == resp.TypeError {
		return "replies differ"
	}
	switch m {
	case modeUnordered, modePairs:
		n := 1
		if m == modePairs {
			n = 2
		}
		a, aok := elems(wv, n)
		b, bok := elems(gv, n)
		if !aok || !bok {
			return "replies differ (not both arrays)"
		}
		return sameMultiset(a, b)
	case modeTTL:
		if wv.Type != resp.TypeInt || gv.Type != resp.TypeInt || wv.Int < 0 || gv.Int < 0 {
			return "replies differ"
		}
		if d := wv.Int - gv.Int; d > ttlTolerance(name) || -d > ttlTolerance(name) {
			return fmt.Sprintf("TTLs differ by %d (tolerance %d)", d, ttlTolerance(name))
		}
		return ""
	case modeScan:
		return r.compareScan(name, cmd, wv, gv)
	}
	return r.compareRandom(name, cmd, wv, gv, pre)
}

// elems renders an array's elements as strings, grouped by n (2 for
// field-value pairs); ok is false for a reply that is not such an array.
func elems(v resp.Value, n int) (out []string, ok bool) {
	if v.Type != resp.TypeArray || v.Null || len(v.Elems)%n != 0 {
		return nil, false
	}
	for i := 0; i < len(v.Elems); i += n {
		var parts []string
		for _, e := range v.Elems[i : i+n] {
			parts = append(parts, describe(e))
		}
		out = append(out, strings.Join(parts, " => "))
	}
	return out, true
}

func sameMultiset(a, b []string) string {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	if slices.Equal(a, b) {
		return ""
	}
	return fmt.Sprintf("different elements:\n  only redis-server's: %q\n  only the other's:    %q", minus(a, b), minus(b, a))
}

// minus returns the elements of a that b does not have (as multisets).
func minus(a, b []string) []string {
	var out []string
	count := map[string]int{}
	for _, s := range b {
		count[s]++
	}
	for _, s := range a {
		if count[s] > 0 {
			count[s]--
			continue
		}
		out = append(out, s)
	}
	return out
}

func describe(v resp.Value) string {
	switch {
	case v.Null:
		return "(nil)"
	case v.Type == resp.TypeInt:
		return ":" + strconv.FormatInt(v.Int, 10)
	case v.Type == resp.TypeArray:
		parts := make([]string, len(v.Elems))
		for i, e := range v.Elems {
			parts[i] = describe(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return string(v.Type) + strconv.Quote(string(v.Str))
}

// compareScan iterates both sides' scans to their end, each with its own
// cursors, and compares what they returned. Cursors are implementation
// specific, so a non-zero starting cursor is only checked for shape.
func (r *run) compareScan(name string, cmd []string, wv, gv resp.Value) string {
	if !scanShape(wv) || !scanShape(gv) {
		return "replies differ (not [cursor, array])"
	}
	at := 1
	if name != "scan" {
		at = 2
	}
	if at >= len(cmd) || cmd[at] != "0" {
		return ""
	}
	group := 1
	if name == "hscan" || name == "zscan" {
		group = 2
	}
	want, err := r.scanAll(r.ref, cmd, at, group, wv)
	if err != "" {
		return r.ref.label() + ": " + err
	}
	got, err := r.scanAll(r.sut, cmd, at, group, gv)
	if err != "" {
		return r.sut.label() + ": " + err
	}
	return sameSet(want, got)
}

func scanShape(v resp.Value) bool {
	return v.Type == resp.TypeArray && len(v.Elems) == 2 && v.Elems[0].Type == resp.TypeBulk &&
		v.Elems[1].Type == resp.TypeArray && !v.Elems[1].Null
}

// scanAll continues a scan whose first reply is v until the cursor is 0.
func (r *run) scanAll(s side, cmd []string, at, group int, v resp.Value) ([]string, string) {
	out := []string{}
	for range 100_000 {
		batch, ok := elems(v.Elems[1], group)
		if !ok {
			return nil, fmt.Sprintf("odd batch %s", describe(v))
		}
		out = append(out, batch...)
		cursor := string(v.Elems[0].Str)
		if cursor == "0" {
			return out, ""
		}
		next := slices.Clone(cmd)
		next[at] = cursor
		if v = r.value(s, next...); !scanShape(v) {
			return nil, fmt.Sprintf("%s answered %s", quoteCmd(next), describe(v))
		}
	}
	return nil, "scan did not end after 100000 calls"
}

// sameSet compares as sets: a scan may return an element twice.
func sameSet(a, b []string) string {
	return sameMultiset(slices.Compact(slices.Sorted(slices.Values(a))), slices.Compact(slices.Sorted(slices.Values(b))))
}

// snapshot is what redis-server held before a random command: the members
// of the set, the fields of the hash, or the keys.
type snapshot struct {
	members map[string]string // member or field (or key) -> value ("" for sets and keys)
}

func (r *run) snapshot(name string, cmd []string) snapshot {
	s := snapshot{members: map[string]string{}}
	switch {
	case name == "randomkey":
		for _, k := range r.value(r.ref, "KEYS", "*").Elems {
			s.members[string(k.Str)] = ""
		}
	case len(cmd) < 2:
	case name == "zrandmember":
		r.snapshotZSet(&s, cmd[1])
	case name == "hrandfield" && string(r.value(r.ref, "TYPE", cmd[1]).Str) == "hash":
		kv := r.value(r.ref, "HGETALL", cmd[1]).Elems
		for i := 0; i+1 < len(kv); i += 2 {
			s.members[string(kv[i].Str)] = string(kv[i+1].Str)
		}
	case name != "hrandfield" && string(r.value(r.ref, "TYPE", cmd[1]).Str) == "set":
		for _, m := range r.value(r.ref, "SMEMBERS", cmd[1]).Elems {
			s.members[string(m.Str)] = ""
		}
	}
	return s
}

// compareRandom checks that both random answers are possible answers: the
// right shape and size, drawn from what was there. After SPOP it makes the
// replica pop what redis-server popped, so the runs stay comparable.
func (r *run) compareRandom(name string, cmd []string, wv, gv resp.Value, pre snapshot) string {
	withCount := len(cmd) >= 3 && name != "randomkey"
	if !withCount {
		if wv.Type != resp.TypeBulk || gv.Type != resp.TypeBulk || wv.Null != gv.Null {
			return "replies differ"
		}
		for _, v := range []resp.Value{wv, gv} {
			if _, ok := pre.members[string(v.Str)]; !v.Null && !ok {
				return fmt.Sprintf("%q was not there", v.Str)
			}
		}
		if name == "spop" {
			r.resyncPop(cmd[1], []string{string(wv.Str)}, []string{string(gv.Str)})
		}
		return ""
	}
	count, err := strconv.ParseInt(cmd[2], 10, 64)
	withValues := (name == "hrandfield" || name == "zrandmember") && len(cmd) >= 4
	if err != nil {
		return "replies differ (count is not an integer, yet one side accepted it)"
	}
	want, msg := pre.check(wv, count, withValues, name == "spop")
	if msg != "" {
		return r.ref.label() + ": " + msg
	}
	got, msg := pre.check(gv, count, withValues, name == "spop")
	if msg != "" {
		return r.sut.label() + ": " + msg
	}
	if name == "spop" {
		r.resyncPop(cmd[1], want, got)
	}
	return ""
}

// check validates a counted random reply and returns the chosen members.
func (s snapshot) check(v resp.Value, count int64, withValues, pop bool) ([]string, string) {
	step := 1
	if withValues {
		step = 2
	}
	if v.Type != resp.TypeArray || v.Null || len(v.Elems)%step != 0 {
		return nil, "not an array: " + describe(v)
	}
	n := int64(len(v.Elems) / step)
	size := int64(len(s.members))
	var chosen []string
	for i := 0; i < len(v.Elems); i += step {
		m := string(v.Elems[i].Str)
		val, ok := s.members[m]
		if !ok {
			return nil, fmt.Sprintf("%q was not there", m)
		}
		if withValues && string(v.Elems[i+1].Str) != val {
			return nil, fmt.Sprintf("%q has value %q, not %q", m, val, v.Elems[i+1].Str)
		}
		chosen = append(chosen, m)
	}
	distinct := len(slices.Compact(slices.Sorted(slices.Values(chosen))))
	switch {
	case count >= 0 && n != min(count, size):
		return nil, fmt.Sprintf("%d elements, want %d", n, min(count, size))
	case count >= 0 && distinct != len(chosen):
		return nil, "repeated elements"
	case count < 0 && !pop && size > 0 && n != -count:
		return nil, fmt.Sprintf("%d elements, want %d", n, -count)
	}
	return chosen, ""
}

// resyncPop makes the replica's set equal redis-server's after the two
// popped different members: it adds back what only the engine popped,
// then removes what only redis-server popped (in that order, so the set
// is never emptied and its TTL survives).
func (r *run) resyncPop(key string, redisPopped, enginePopped []string) {
	back := minus(enginePopped, redisPopped)
	gone := minus(redisPopped, enginePopped)
	if len(back) > 0 {
		r.value(r.sut, append([]string{"SADD", key}, back...)...)
	}
	if len(gone) > 0 {
		r.value(r.sut, append([]string{"SREM", key}, gone...)...)
	}
}

// dump describes a whole keyspace through one side's read commands.
func (r *run) dump(s side) map[string]string {
	do := func(cmd []string) resp.Value { return r.value(s, cmd...) }
	out := map[string]string{}
	for _, k := range do([]string{"KEYS", "*"}).Elems {
		key := string(k.Str)
		typ := string(do([]string{"TYPE", key}).Str)
		var val string
		switch typ {
		case "string":
			val = describe(do([]string{"GET", key}))
			if isHLLKey(key) {
				val = "hll " + describe(do([]string{"PFCOUNT", key}))
			}
		case "hash":
			val = sortedElems(do([]string{"HGETALL", key}), 2)
		case "set":
			val = sortedElems(do([]string{"SMEMBERS", key}), 1)
		default:
			val = dumpValue(do, key, typ)
		}
		exp := do([]string{"PEXPIRETIME", key})
		out[key] = fmt.Sprintf("%s %s\x00%d", typ, val, exp.Int)
	}
	out["(dbsize)"] = describe(do([]string{"DBSIZE"})) + "\x00-1"
	return out
}

// stateDiff compares the two keyspaces: keys, types, values and expiry
// times (within the PTTL tolerance). It returns "" when they agree.
func (r *run) stateDiff() string {
	r.reap()
	want, got := r.dump(r.ref), r.dump(r.sut)
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if !sameEntry(want[k], got[k]) {
			lines = append(lines, fmt.Sprintf("  %q: %s %s, %s %s", k, r.ref.label(), showEntry(want[k]), r.sut.label(), showEntry(got[k])))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			lines = append(lines, fmt.Sprintf("  %q: %s (none), %s %s", k, r.ref.label(), r.sut.label(), showEntry(got[k])))
		}
	}
	return strings.Join(lines, "\n")
}

func sortedElems(v resp.Value, n int) string {
	e, ok := elems(v, n)
	if !ok {
		return describe(v)
	}
	return strings.Join(slices.Sorted(slices.Values(e)), ", ")
}

func sameEntry(a, b string) bool {
	av, aexp, _ := strings.Cut(a, "\x00")
	bv, bexp, _ := strings.Cut(b, "\x00")
	if av != bv {
		return false
	}
	x, _ := strconv.ParseInt(aexp, 10, 64)
	y, _ := strconv.ParseInt(bexp, 10, 64)
	if x < 0 || y < 0 {
		return x == y
	}
	return x-y <= 1000 && y-x <= 1000
}

func showEntry(e string) string {
	if e == "" {
		return "(none)"
	}
	v, exp, _ := strings.Cut(e, "\x00")
	return v + " expiry " + exp
}

// reap has both sides reclaim expired keys that DBSIZE still counts.
func (r *run) reap() {
	for _, s := range []side{r.ref, r.sut} {
		if err := s.reap(); err != nil {
			r.t.Fatalf("seed %d: reap %s: %v", r.seed, s.label(), err)
		}
	}
}

// rebuild empties the system under test and writes redis-server's
// keyspace into it through its own commands.
func (r *run) rebuild() {
	r.mustReset(r.sut)
	r.history = r.history[:0]
	r.checked = 0
	for _, k := range r.value(r.ref, "KEYS", "*").Elems {
		key := string(k.Str)
		var cmd []string
		switch typ := string(r.value(r.ref, "TYPE", key).Str); typ {
		case "string":
			if isHLLKey(key) {
				r.dropHLL(key)
				continue
			}
			cmd = []string{"SET", key, string(r.value(r.ref, "GET", key).Str)}
		case "hash":
			cmd = append([]string{"HSET", key}, strs(r.value(r.ref, "HGETALL", key))...)
		case "set":
			cmd = append([]string{"SADD", key}, strs(r.value(r.ref, "SMEMBERS", key))...)
		case "zset", "list":
			cmd = r.rebuildCmd(key, typ)
		default:
			r.t.Fatalf("seed %d: rebuild: key %q has type %s", r.seed, key, typ)
		}
		r.mustRebuild(cmd)
		if exp := r.value(r.ref, "PEXPIRETIME", key); exp.Int > 0 {
			r.mustRebuild([]string{"PEXPIREAT", key, strconv.FormatInt(exp.Int, 10)})
		}
	}
}

func (r *run) mustRebuild(cmd []string) {
	if v := r.value(r.sut, cmd...); v.Type == resp.TypeError {
		r.t.Fatalf("seed %d: rebuilding %s: %s answered %s", r.seed, r.sut.label(), quoteCmd(cmd), describe(v))
	}
}

func strs(v resp.Value) []string {
	out := make([]string, len(v.Elems))
	for i, e := range v.Elems {
		out[i] = string(e.Str)
	}
	return out
}

var errNotScan = errors.New("compat: SCAN did not answer [cursor, array] or did not end")

// parseReplyRaw parses a reply already known to be whole.
func parseReplyRaw(raw []byte) resp.Value {
	v, _, _ := resp.ReadReply(raw)
	return v
}
