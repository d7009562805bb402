package engine

import (
	"errors"
	goflag "flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lattice/shared/causal"
	"lattice/shared/hlc"
)

// -update rewrites the expected output of the golden scripts in place:
// inspect the diff, commit only if you understand it (raft
// interaction_test.go). Defined here only if no other test file has.
func init() {
	if goflag.Lookup("update") == nil {
		goflag.Bool("update", false, "rewrite testdata/scenarios/*.txt with the actual output")
	}
}

func updating() bool {
	b, _ := goflag.Lookup("update").Value.(goflag.Getter).Get().(bool)
	return b
}

// scenarioEpoch is the global time at which every cluster starts, so
// EXPIRETIME and friends print the same numbers on every run.
const scenarioEpoch = int64(1_700_000_000) * int64(time.Second)

// TestScenarios runs every testdata/scenarios/*.txt golden script (STYLE
// R11.4): a cluster of replicas with scripted clocks and a scripted
// network. Each step is followed by its expected output, "-> ..." lines
// (none when the step prints nothing). Steps:
//
//	replicas a b c        a fresh cluster; ids 1, 2, 3 in this order, time reset
//	clock a +3600s        a's clock runs this far ahead of global time (- behind)
//	tick 50s              advance global time
//	a: SET k v            run a command on a at its clock; prints the reply
//	a b: GET k            the same on each; one line if all replies agree,
//	                      else one "-> name: reply" line per replica
//	a: MULTI ... a: EXEC  queue commands, then run them with Replica.Exec
//	sync [a b ...]        deliver, both ways, every delta each has produced and
//	                      the other has not merged, until quiescent; prints
//	                      refusals. A full sync also checks convergence.
//	deliver a -> b        the same, one way
//	pending a -> b        the keys of each delta not yet merged: "[k1 k2] [k3]"
//	partition a | b c     sync only within a group; heal ends it
//	expire a              run a.Expire; prints the keys of its delta
//	# comment
//
// Deltas travel encoded, as on the wire. Replies print on one line as
// redis-cli prints RESP2, except that map and set replies are sorted,
// because Redis gives them no order.
func TestScenarios(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "scenarios", "*.txt"))
	if len(files) == 0 {
		t.Fatal("no scenario scripts")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			t.Parallel()
			runScript(t, file)
		})
	}
}

func runScript(t *testing.T, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	isOut := func(i int) bool { return strings.HasPrefix(strings.TrimSpace(lines[i]), "->") }
	var out []string
	var w *cluster
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if isOut(i) {
			t.Errorf("%s:%d: expected output without a step", file, i+1)
			continue
		}
		out = append(out, lines[i])
		if line == "" || line[0] == '#' {
			continue
		}
		where := fmt.Sprintf("%s:%d", file, i+1)
		var want []string
		for ; i+1 < len(lines) && isOut(i+1); i++ {
			want = append(want, strings.TrimSpace(lines[i+1]))
		}
		if strings.HasPrefix(line, "replicas ") {
			w = newCluster(t, strings.Fields(line)[1:])
		} else if w == nil {
			t.Fatalf("%s: the script must start with `replicas`", where)
		}
		w.where = where
		got := w.step(line)
		for j := range got {
			got[j] = "-> " + got[j]
		}
		out = append(out, got...)
		if !slices.Equal(got, want) && !updating() {
			t.Errorf("%s: %s\n  want: %s\n  got:  %s", where, line,
				strings.Join(want, "\n        "), strings.Join(got, "\n        "))
		}
	}
	if updating() {
		if err := os.WriteFile(file, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// cluster is the world of one script: replicas, a global clock with
// per-replica skew, and the network, which keeps every delta encoded until
// each other replica has merged it.
type cluster struct {
	t       *testing.T
	where   string // file:line of the current step
	names   []string
	reps    map[string]*Replica
	skew    map[string]time.Duration
	now     int64                 // global time, Unix ns
	wire    [][]byte              // every delta produced, encoded
	keys    [][]string            // the keys each delta names
	pending map[[2]string][]int   // from, to -> deltas to has not merged
	group   map[string]int        // partition group; nil when healed
	multi   map[string][][][]byte // commands queued after MULTI
	aborted map[string]bool       // a queued command was refused
}

func newCluster(t *testing.T, names []string) *cluster {
	w := &cluster{t: t, names: names, reps: map[string]*Replica{}, skew: map[string]time.Duration{},
		now: scenarioEpoch, pending: map[[2]string][]int{}, multi: map[string][][][]byte{}, aborted: map[string]bool{}}
	for i, n := range names {
		r, err := New(causal.ReplicaID{15: byte(i + 1)}, DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		w.reps[n] = r
	}
	return w
}

func (w *cluster) fail(format string, args ...any) []string {
	w.t.Errorf("%s: %s", w.where, fmt.Sprintf(format, args...))
	return nil
}

// at returns the physical time of replica n: global time plus its skew.
func (w *cluster) at(n string) int64 { return w.now + int64(w.skew[n]) }

func (w *cluster) known(names ...string) bool {
	for _, n := range names {
		if w.reps[n] == nil {
			return false
		}
	}
	return len(names) > 0
}

func (w *cluster) step(line string) []string {
	if i := strings.Index(line, ":"); i > 0 && w.known(strings.Fields(line[:i])...) {
		return w.command(strings.Fields(line[:i]), line[i+1:])
	}
	f := strings.Fields(line)
	var d time.Duration
	var err error
	if len(f) > 1 {
		d, err = time.ParseDuration(f[len(f)-1])
	}
	switch {
	case f[0] == "replicas":
		return nil
	case f[0] == "tick" && len(f) == 2 && err == nil && d >= 0:
		w.now += int64(d)
		return nil
	case f[0] == "clock" && len(f) == 3 && err == nil && w.known(f[1]):
		w.skew[f[1]] = d
		return nil
	case f[0] == "sync" && (len(f) == 1 || w.known(f[1:]...)):
		return w.sync(f[1:])
	case f[0] == "pending" && len(f) == 4 && f[2] == "->" && w.known(f[1], f[3]):
		return []string{w.describe(w.pending[[2]string{f[1], f[3]}])}
	case f[0] == "deliver" && len(f) == 4 && f[2] == "->" && w.known(f[1], f[3]):
		if w.cut(f[1], f[3]) {
			return w.fail("%s and %s are partitioned", f[1], f[3])
		}
		_, out := w.deliver(f[1], f[3])
		return out
	case f[0] == "partition" && w.known(slices.DeleteFunc(slices.Clone(f[1:]), func(s string) bool { return s == "|" })...):
		w.group = map[string]int{}
		g := 1
		for _, n := range f[1:] {
			if n == "|" {
				g++
			} else {
				w.group[n] = g
			}
		}
		return nil
	case f[0] == "heal" && len(f) == 1:
		w.group = nil
		return nil
	case f[0] == "expire" && len(f) == 2 && w.known(f[1]):
		return []string{w.describe(w.emit(f[1], w.reps[f[1]].Expire(w.at(f[1]))))}
	}
	return w.fail("bad step %q", line)
}

// cut reports whether a partition separates a and b; a replica the
// partition does not name is alone.
func (w *cluster) cut(a, b string) bool {
	return w.group != nil && (w.group[a] == 0 || w.group[a] != w.group[b])
}

// emit encodes a delta of replica from and queues it for every other
// replica; it returns the delta's index, or nothing for a nil delta.
func (w *cluster) emit(from string, d *Delta) []int {
	if d == nil {
		return nil
	}
	b, err := EncodeDelta(d)
	if err != nil {
		w.fail("encode delta of %s: %v", from, err)
		return nil
	}
	w.wire, w.keys = append(w.wire, b), append(w.keys, sortedKeys(d.Keys))
	for _, to := range w.names {
		if to != from {
			p := [2]string{from, to}
			w.pending[p] = append(w.pending[p], len(w.wire)-1)
		}
	}
	return []int{len(w.wire) - 1}
}

// describe names the keys of each delta: "[k1 k2] [k3]", or "(none)".
func (w *cluster) describe(idx []int) string {
	if len(idx) == 0 {
		return "(none)"
	}
	parts := make([]string, len(idx))
	for i, x := range idx {
		parts[i] = "[" + strings.Join(w.keys[x], " ") + "]"
	}
	return strings.Join(parts, " ")
}

// deliver merges every pending delta of from into to, each decoded afresh
// as a receiver would. A refused delta stays pending (the sender retries
// later) and is reported.
func (w *cluster) deliver(from, to string) (merged int, out []string) {
	p := [2]string{from, to}
	var keep []int
	for _, x := range w.pending[p] {
		d, err := DecodeDelta(w.wire[x])
		if err == nil {
			err = w.reps[to].Merge(w.at(to), d)
		}
		var oe *hlc.OffsetError
		switch {
		case err == nil:
			merged++
			continue
		case errors.As(err, &oe):
			out = append(out, fmt.Sprintf("refused %s -> %s: remote clock %dms ahead (max %v)",
				from, to, oe.Remote.Wall-oe.Physical, oe.Max))
		default:
			out = append(out, fmt.Sprintf("refused %s -> %s: %v", from, to, err))
		}
		keep = append(keep, x)
	}
	w.pending[p] = keep
	return merged, out
}

// sync delivers between every pair of the named replicas (all when none are
// named) that no partition separates, until nothing more is merged. After a
// sync of all replicas with no partition and nothing refused, every replica
// must hold the same state, byte for byte (SEMANTICS.md A1).
func (w *cluster) sync(names []string) []string {
	if len(names) == 0 {
		names = w.names
	}
	var out []string
	for progress := true; progress; {
		progress, out = false, nil
		for _, a := range names {
			for _, b := range names {
				if a != b && !w.cut(a, b) {
					n, o := w.deliver(a, b)
					progress, out = progress || n > 0, append(out, o...)
				}
			}
		}
	}
	if len(names) < len(w.names) || w.group != nil || len(out) > 0 {
		return out
	}
	var first []byte
	for _, n := range w.names {
		snap := *w.reps[n].Snapshot()
		snap.TS = hlc.Timestamp{} // each clock has its own reading
		b, err := EncodeDelta(&snap)
		if err != nil {
			return w.fail("encode snapshot of %s: %v", n, err)
		}
		if first == nil {
			first = b
		} else if string(b) != string(first) {
			w.fail("after a full sync, %s and %s hold different states", w.names[0], n)
		}
	}
	return out
}

// command runs one command on each named replica, at its own clock.
func (w *cluster) command(names []string, text string) []string {
	args, err := splitArgs(text)
	if err != nil || len(args) == 0 {
		return w.fail("bad command %q: %v", text, err)
	}
	replies := make([]string, len(names))
	for i, n := range names {
		replies[i] = formatReply(w.run(n, args))
	}
	if len(slices.Compact(slices.Clone(replies))) == 1 {
		return replies[:1]
	}
	for i, n := range names {
		replies[i] = n + ": " + replies[i]
	}
	return replies
}

// run runs a command on replica n and ships its delta. MULTI, EXEC and
// DISCARD are the host's job, so the runner plays the host: it queues
// commands and runs the queue with Replica.Exec.
func (w *cluster) run(n string, args [][]byte) Reply {
	r, now := w.reps[n], w.at(n)
	q, inMulti := w.multi[n]
	switch name := strings.ToLower(string(args[0])); {
	case name == "multi" && inMulti:
		return errNestedMulti
	case name == "multi":
		w.multi[n], w.aborted[n] = [][][]byte{}, false
		return ok
	case (name == "exec" || name == "discard") && !inMulti:
		return map[string]Reply{"exec": errExecNoMulti, "discard": errDiscardNoMul}[name]
	case name == "discard":
		delete(w.multi, n)
		return ok
	case name == "exec":
		delete(w.multi, n)
		if w.aborted[n] {
			return errReply("EXECABORT Transaction discarded because of previous errors.")
		}
		replies, d, err := r.Exec(now, q)
		if err != nil {
			w.fail("exec on %s: %v", n, err)
		}
		w.emit(n, d)
		return array(replies)
	case inMulti:
		if e, valid := r.Check(args); !valid {
			w.aborted[n] = true
			return e
		}
		w.multi[n] = append(q, args)
		return queued
	}
	reply, d, err := r.Do(now, args)
	if err != nil {
		w.fail("do on %s: %v", n, err)
	}
	w.emit(n, d)
	return reply
}

// splitArgs splits a command on blanks; a "double quoted" argument takes
// Go escapes.
func splitArgs(s string) ([][]byte, error) {
	var args [][]byte
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		arg, _, _ := strings.Cut(strings.ReplaceAll(s, "\t", " "), " ")
		if s[0] == '"' {
			var err error
			if arg, err = strconv.QuotedPrefix(s); err != nil {
				return nil, err
			}
		}
		s = s[len(arg):]
		if arg[0] == '"' {
			arg, _ = strconv.Unquote(arg)
		}
		args = append(args, []byte(arg))
	}
	return args, nil
}

// formatReply prints a reply on one line as redis-cli prints RESP2; map
// and set replies are sorted (maps by field), nested arrays are bracketed.
func formatReply(r Reply) string {
	switch r.Kind {
	case KindSimple:
		return string(r.Str)
	case KindError:
		return "(error) " + string(r.Str)
	case KindInt:
		return "(integer) " + strconv.FormatInt(r.Int, 10)
	case KindBulk, KindDouble:
		return quote(r.Str)
	case KindNull, KindNullArray:
		return "(nil)"
	}
	if len(r.Elems) == 0 {
		return "(empty array)"
	}
	var items [][]string
	for i := 0; i < len(r.Elems); i++ {
		item := []string{formatElem(r.Elems[i])}
		if r.Kind == KindMap && i+1 < len(r.Elems) {
			i++
			item = append(item, formatElem(r.Elems[i]))
		}
		items = append(items, item)
	}
	if r.Kind != KindArray && r.Kind != KindPairs {
		slices.SortStableFunc(items, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	}
	var sb strings.Builder
	for i, s := range slices.Concat(items...) {
		if i > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%d) %s", i+1, s)
	}
	return sb.String()
}

func formatElem(r Reply) string {
	if r.Kind == KindArray || r.Kind == KindMap || r.Kind == KindSet || r.Kind == KindPairs {
		return "[" + formatReply(r) + "]"
	}
	return formatReply(r)
}

// quote quotes a bulk string as redis-cli does (sds.c sdscatrepr).
func quote(b []byte) string {
	esc := map[byte]string{'\\': `\\`, '"': `\"`, '\n': `\n`, '\r': `\r`, '\t': `\t`, '\a': `\a`, '\b': `\b`}
	var sb strings.Builder
	sb.WriteByte('"')
	for _, c := range b {
		if e, ok := esc[c]; ok {
			sb.WriteString(e)
		} else if c >= 0x20 && c < 0x7f {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, `\x%02x`, c)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}
