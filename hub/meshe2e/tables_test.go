package meshe2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"lattice/hub/meshtest"
)

// TestTables runs every testdata/tables/*.txt script: the example tables
// of ../shared/reference/redis-active-active.md sections 1 to 9, on real hub
// processes, through a Redis client. The in-process scenario runner of
// shared/engine (scenario_test.go) plays the same tables on replicas with
// scripted clocks and a scripted network; here the network is real, so a
// table's "concurrent" writes are made while the hubs are partitioned by
// the link proxies, and its "sync" points are heals that wait until every
// hub answers the same CRDT.DIGEST. The expected replies are the engine
// scripts' ones (the reference's, or SEMANTICS.md's where we decided).
// Each step is followed by its expected output, "-> ..." lines (none when
// the step prints nothing). Steps:
//
//	hubs a b [c]          a fresh cluster for the lines up to the next `hubs`;
//	                      replica ids 1, 2, 3 in this order, as in the
//	                      engine scripts, so ties go the same way
//	partition a | b c     cut every link between the groups, both ways
//	cut a <- b            a stops receiving from b (one way)
//	heal                  restore every link and wait (60 s at most) until
//	                      the hubs converge: a table's sync point
//	tick                  wait until every hub's clock has moved on by 2 ms,
//	                      so that a later write gets a later HLC timestamp
//	tick 400ms            the same for a longer time (for TTLs)
//	a: SET k v            run a command on a; prints the reply
//	a b: GET k            the same on each; one line if all replies agree,
//	                      else one "-> name: reply" line per hub
//	together a: C1 ; b: C2
//	                      send the commands at once, at the start of a
//	                      millisecond, so that they get the same HLC
//	                      timestamp; CRDT.EXPLAIN of each command's key
//	                      checks it, and if not the block runs again on a
//	                      fresh cluster (at most togetherTries times)
//	await a b: CMD        repeat CMD until every hub gives the expected
//	                      reply (60 s at most): for expiry, which real hubs
//	                      do at a real instant
//	# comment
//
// Replies print on one line as redis-cli prints RESP2, except that HGETALL
// and set replies are sorted, because Redis gives them no order (as the
// engine runner prints them).
func TestTables(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "tables", "*.txt"))
	if len(files) == 0 {
		t.Fatal("no table scripts")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			runTables(t, file)
		})
	}
}

// togetherTries bounds the fresh starts of a block whose `together`
// commands did not land in one millisecond.
const togetherTries = 50

// errRetry asks for the block to run again on a fresh cluster.
var errRetry = errors.New("commands not simultaneous")

// tableLine is one step of a script with its expected output.
type tableLine struct {
	no   int // 1-based line number
	step string
	want []string
}

func runTables(t *testing.T, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	isOut := func(i int) bool { return strings.HasPrefix(strings.TrimSpace(lines[i]), "->") }
	var blocks [][]tableLine
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if isOut(i) {
			t.Errorf("%s:%d: expected output without a step", file, i+1)
			continue
		}
		if line == "" || line[0] == '#' {
			continue
		}
		st := tableLine{no: i + 1, step: line}
		for ; i+1 < len(lines) && isOut(i+1); i++ {
			st.want = append(st.want, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(lines[i+1]), "->")))
		}
		if strings.HasPrefix(line, "hubs ") {
			blocks = append(blocks, nil)
		} else if len(blocks) == 0 {
			t.Fatalf("%s:%d: the script must start with `hubs`", file, i+1)
		}
		blocks[len(blocks)-1] = append(blocks[len(blocks)-1], st)
	}
	for _, b := range blocks {
		for try := 1; ; try++ {
			w := &hubWorld{t: t, file: file}
			failures, err := w.run(b)
			w.close(len(failures) > 0 || (err != nil && !errors.Is(err, errRetry)))
			if errors.Is(err, errRetry) && try < togetherTries {
				t.Logf("%v; starting the block again (try %d)", err, try+1)
				continue
			}
			for _, f := range failures {
				t.Error(f)
			}
			if err != nil { // the block stopped there; the next one starts afresh
				t.Error(err)
			}
			break
		}
	}
}

// hubWorld is the cluster of one block.
type hubWorld struct {
	t     *testing.T
	file  string
	c     *meshtest.Cluster
	names []string
	dir   string
}

// run plays one block; it returns the mismatches between the expected and
// the actual output, and an error that ends the block.
func (w *hubWorld) run(block []tableLine) (failures []string, err error) {
	for _, st := range block {
		where := fmt.Sprintf("%s:%d", w.file, st.no)
		got, err := w.step(st)
		if err != nil {
			return failures, fmt.Errorf("%s: %s: %w", where, st.step, err)
		}
		if !slices.Equal(got, st.want) {
			failures = append(failures, fmt.Sprintf("%s: %s\n  want: %s\n  got:  %s", where, st.step,
				strings.Join(st.want, "\n        "), strings.Join(got, "\n        ")))
		}
	}
	return failures, nil
}

func (w *hubWorld) index(name string) (int, bool) {
	i := slices.Index(w.names, name)
	return i, i >= 0
}

// hubsOf parses "a b c" into hub indexes.
func (w *hubWorld) hubsOf(s string) ([]int, bool) {
	var out []int
	for _, n := range strings.Fields(s) {
		i, ok := w.index(n)
		if !ok {
			return nil, false
		}
		out = append(out, i)
	}
	return out, len(out) > 0
}

func (w *hubWorld) step(st tableLine) ([]string, error) {
	line := st.step
	f := strings.Fields(line)
	switch {
	case f[0] == "hubs" && len(f) >= 2:
		return nil, w.start(f[1:])
	case f[0] == "heal" && len(f) == 1:
		w.c.Heal()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		_, _, err := w.c.WaitConverged(ctx)
		return nil, err
	case f[0] == "partition":
		var groups [][]int
		named := map[int]bool{}
		for _, g := range strings.Split(strings.TrimPrefix(line, "partition"), "|") {
			hs, ok := w.hubsOf(g)
			if !ok {
				return nil, fmt.Errorf("bad partition")
			}
			for _, h := range hs {
				named[h] = true
			}
			groups = append(groups, hs)
		}
		for i := range w.names {
			if !named[i] { // a hub the partition does not name is alone
				groups = append(groups, []int{i})
			}
		}
		w.c.Partition(groups...)
		return nil, nil
	case f[0] == "cut" && len(f) == 4 && f[2] == "<-":
		i, ok1 := w.index(f[1])
		j, ok2 := w.index(f[3])
		if !ok1 || !ok2 || i == j {
			return nil, fmt.Errorf("bad cut")
		}
		w.c.Cut(i, j)
		return nil, nil
	case f[0] == "tick" && len(f) == 1:
		return nil, w.tick(2 * time.Millisecond)
	case f[0] == "tick" && len(f) == 2:
		d, err := time.ParseDuration(f[1])
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("bad tick")
		}
		return nil, w.tick(d)
	case f[0] == "together":
		return w.together(strings.TrimPrefix(line, "together"))
	case f[0] == "await":
		hubs, cmd, ok := w.target(strings.TrimPrefix(line, "await"))
		if !ok || len(st.want) != 1 {
			return nil, fmt.Errorf("bad await (one expected reply)")
		}
		return w.await(hubs, cmd, st.want[0])
	}
	if hubs, cmd, ok := w.target(line); ok {
		return w.command(hubs, cmd)
	}
	return nil, fmt.Errorf("bad step")
}

// target splits "a b: CMD args" into hubs and arguments.
func (w *hubWorld) target(s string) ([]int, []string, bool) {
	who, cmd, ok := strings.Cut(s, ":")
	if !ok {
		return nil, nil, false
	}
	hubs, ok := w.hubsOf(who)
	if !ok {
		return nil, nil, false
	}
	args, err := splitTableArgs(cmd)
	if err != nil || len(args) == 0 {
		return nil, nil, false
	}
	return hubs, args, true
}

// start starts the block's cluster. Each hub gets the replica id of its
// position (…0001 for the first), written as the identity file the hub
// reads at start, so that exact ties, which go to the smaller id, and the
// order of concurrent list inserts are those of the engine scripts rather
// than those of random uuids.
func (w *hubWorld) start(names []string) error {
	d, err := os.MkdirTemp("", "lt")
	if err != nil {
		return err
	}
	w.dir, w.names = d, names
	for i, n := range names {
		if err := os.MkdirAll(filepath.Join(d, n), 0o755); err != nil {
			return err
		}
		id := fmt.Sprintf("%s\n00000000-0000-0000-0000-%012x\n", n, i+1)
		if err := os.WriteFile(filepath.Join(d, n, "identity"), []byte(id), 0o644); err != nil {
			return err
		}
	}
	w.c, err = meshtest.Start(meshtest.Config{Bin: hubBin, Dir: d, Names: names, Race: raceEnabled})
	return err
}

// close stops the hubs; their logs are shown if the block failed, and a
// data race in any of them fails the test.
func (w *hubWorld) close(failed bool) {
	if w.c != nil {
		w.c.Close()
		for i, n := range w.names {
			logs := w.c.Logs(i)
			if strings.Contains(logs, "WARNING: DATA RACE") {
				w.t.Errorf("hub %s reported a data race", n)
			}
			if failed || strings.Contains(logs, "WARNING: DATA RACE") {
				w.t.Logf("hub %s log:\n%s", n, logs)
			}
		}
	}
	if w.dir != "" {
		os.RemoveAll(w.dir)
	}
}

// do runs one command on hub i and formats its reply; only a failure to
// talk to the hub is an error.
func (w *hubWorld) do(i int, args []string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a := make([]any, len(args))
	for k, s := range args {
		a[k] = s
	}
	v, err := w.c.Client(i).Do(ctx, a...).Result()
	var rerr redis.Error
	switch {
	case errors.Is(err, redis.Nil):
		return "(nil)", nil
	case errors.As(err, &rerr):
		return "(error) " + rerr.Error(), nil
	case err != nil:
		return "", fmt.Errorf("hub %s: %w", w.names[i], err)
	}
	return formatHubReply(strings.ToLower(args[0]), v), nil
}

// command runs a command on each named hub in turn.
func (w *hubWorld) command(hubs []int, args []string) ([]string, error) {
	replies := make([]string, len(hubs))
	for k, i := range hubs {
		r, err := w.do(i, args)
		if err != nil {
			return nil, err
		}
		replies[k] = r
	}
	return w.merge(hubs, replies), nil
}

// merge prints one line if all hubs agree, else one line per hub.
func (w *hubWorld) merge(hubs []int, replies []string) []string {
	if len(slices.Compact(slices.Clone(replies))) == 1 {
		return replies[:1]
	}
	out := make([]string, len(hubs))
	for k, i := range hubs {
		out[k] = w.names[i] + ": " + replies[k]
	}
	return out
}

// hubTime is hub i's TIME, in microseconds.
func (w *hubWorld) hubTime(i int) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tm, err := w.c.Client(i).Time(ctx).Result()
	return tm.UnixMicro(), err
}

// tick waits until every hub's clock reads d more than it did: a write
// after a tick is stamped later than every write before it (the hubs share
// the machine's clock, and an HLC never runs behind it). This is a step of
// the time model, not a wait for replication.
func (w *hubWorld) tick(d time.Duration) error {
	t0 := make([]int64, len(w.names))
	for i := range w.names {
		var err error
		if t0[i], err = w.hubTime(i); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(d + 10*time.Second)
	for i := range w.names {
		for {
			now, err := w.hubTime(i)
			if err != nil {
				return err
			}
			if now >= t0[i]+d.Microseconds() {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("hub %s's clock did not move", w.names[i])
			}
			time.Sleep(min(d/4, 10*time.Millisecond)) // polling the hub's clock, with a deadline
		}
	}
	return nil
}

// together sends one command to each hub at once, at the start of a
// millisecond of the machine's clock, and checks with CRDT.EXPLAIN that
// the writes got one HLC timestamp (the hubs must be partitioned, so that
// each holds only its own write). A table that needs an exact tie cannot
// get one otherwise on real clocks; when the writes straddle a millisecond
// the block starts again.
func (w *hubWorld) together(s string) ([]string, error) {
	var hubs []int
	var cmds [][]string
	for _, part := range strings.Split(s, ";") {
		h, cmd, ok := w.target(part)
		if !ok || len(h) != 1 || len(cmd) < 2 {
			return nil, fmt.Errorf("bad together (one hub and a keyed command per part)")
		}
		hubs, cmds = append(hubs, h[0]), append(cmds, cmd)
	}
	for k, i := range hubs { // warm the connections and the hubs' read path
		for range 3 {
			if _, err := w.do(i, []string{"EXISTS", cmds[k][1]}); err != nil {
				return nil, err
			}
		}
	}
	replies := make([]string, len(hubs))
	errs := make([]error, len(hubs))
	var wg sync.WaitGroup
	var ready sync.WaitGroup
	fire := make(chan struct{})
	for k := range hubs {
		ready.Add(1)
		wg.Go(func() {
			ready.Done()
			<-fire
			replies[k], errs[k] = w.do(hubs[k], cmds[k])
		})
	}
	ready.Wait()
	for time.Now().Nanosecond()%int(time.Millisecond) > 100*int(time.Microsecond) {
		// spin to the start of a millisecond (at most 1 ms)
	}
	close(fire)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var first []string
	for k, i := range hubs {
		ts, err := w.explainTS(i, cmds[k][1])
		if err != nil {
			return nil, err
		}
		if len(ts) == 0 {
			return nil, fmt.Errorf("hub %s: CRDT.EXPLAIN %s shows no timestamp", w.names[i], cmds[k][1])
		}
		if k == 0 {
			first = ts
		} else if !slices.Equal(ts, first) {
			return nil, fmt.Errorf("%w: timestamps %v on %s, %v on %s", errRetry, first, w.names[hubs[0]], ts, w.names[i])
		}
	}
	w.t.Logf("%s: together: one timestamp %v", w.file, first)
	return w.merge(hubs, replies), nil
}

// explainTS lists the HLC timestamps ("wall.logical") that hub i's
// CRDT.EXPLAIN shows for key.
func (w *hubWorld) explainTS(i int, key string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	v, err := w.c.Client(i).Do(ctx, "CRDT.EXPLAIN", key).Result()
	if err != nil {
		return nil, fmt.Errorf("hub %s CRDT.EXPLAIN %s: %w", w.names[i], key, err)
	}
	var ts []string
	var walk func(v any)
	walk = func(v any) {
		a, ok := v.([]any)
		if !ok {
			return
		}
		for k := range a {
			if s, ok := a[k].(string); ok && s == "ts" && k+1 < len(a) && k%2 == 0 {
				if t, ok := a[k+1].(string); ok {
					ts = append(ts, t)
				}
			}
			walk(a[k])
		}
	}
	walk(v)
	slices.Sort(ts)
	return ts, nil
}

// await repeats a command on each hub until it gives the expected reply,
// for at most 60 s; it prints the last replies.
func (w *hubWorld) await(hubs []int, args []string, want string) ([]string, error) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, err := w.command(hubs, args)
		if err != nil || slices.Equal(got, []string{want}) || time.Now().After(deadline) {
			return got, err
		}
		time.Sleep(10 * time.Millisecond) // polling for an expiry, with a deadline
	}
}

// splitTableArgs splits a command on blanks; a "double quoted" argument takes
// Go escapes.
func splitTableArgs(s string) ([]string, error) {
	var args []string
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
		args = append(args, arg)
	}
	return args, nil
}

// Replies whose elements come in no order: printed sorted, pairs by field.
var (
	sortedSetReplies  = map[string]bool{"smembers": true, "sinter": true, "sunion": true, "sdiff": true}
	sortedPairReplies = map[string]bool{"hgetall": true}
)

// formatHubReply prints a reply as redis-cli prints RESP2. go-redis does
// not say whether a string was a status or a bulk reply, so the status
// replies the tables meet are named: TYPE's word, OK and QUEUED print bare
// (no table stores "OK" as a value), every other string is quoted.
func formatHubReply(cmd string, v any) string {
	switch v := v.(type) {
	case nil:
		return "(nil)"
	case error:
		return "(error) " + v.Error()
	case int64:
		return "(integer) " + strconv.FormatInt(v, 10)
	case string:
		if cmd == "type" || v == "OK" || v == "QUEUED" {
			return v
		}
		return quoteBulk(v)
	case []any:
		if len(v) == 0 {
			return "(empty array)"
		}
		var items [][]string
		for i := 0; i < len(v); i++ {
			item := []string{formatHubElem(v[i])}
			if sortedPairReplies[cmd] && i+1 < len(v) {
				i++
				item = append(item, formatHubElem(v[i]))
			}
			items = append(items, item)
		}
		if sortedSetReplies[cmd] || sortedPairReplies[cmd] {
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
	return fmt.Sprintf("(unexpected %T) %v", v, v)
}

func formatHubElem(v any) string {
	if a, ok := v.([]any); ok {
		return "[" + formatHubReply("", a) + "]"
	}
	return formatHubReply("", v)
}

// quoteBulk quotes a bulk string as redis-cli does (sds.c sdscatrepr).
func quoteBulk(s string) string {
	esc := map[byte]string{'\\': `\\`, '"': `\"`, '\n': `\n`, '\r': `\r`, '\t': `\t`, '\a': `\a`, '\b': `\b`}
	var sb strings.Builder
	sb.WriteByte('"')
	for _, c := range []byte(s) {
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
