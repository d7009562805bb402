package meshe2e

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"lattice/hub/meshtest"
)

var (
	meshLong = flag.Bool("mesh.long", false, "TestMesh_Partition: run the chaos for 60 s (as when CI=true)")
	meshSeed = flag.Uint64("mesh.seed", 0, "TestMesh_Partition and TestMesh_Rejoin*: seed of the chaos schedule "+
		"and the workload (0: a random seed, logged)")
)

// chaosDuration is how long the links are cut and restored: a minute in CI
// (RELIABILITY.md T7, PR smoke), a quarter of that for a quick local run.
// Under -race the hubs are several times slower, so the long run is kept
// for -mesh.long alone (the native run in CI already gives the minute).
func chaosDuration() time.Duration {
	if *meshLong || (os.Getenv("CI") == "true" && !raceEnabled) {
		return 60 * time.Second
	}
	return 15 * time.Second
}

// seed returns the run's seed and logs it, so a failing schedule can be
// replayed (the timing of real processes cannot).
func seed(t *testing.T) uint64 {
	t.Helper()
	s := *meshSeed
	if s == 0 {
		s = rand.Uint64()
	}
	t.Logf("seed=%d (rerun: go test ./hub/meshe2e -run '^%s$' -mesh.seed=%d)", s, t.Name(), s)
	return s
}

// TestMesh_Partition is RELIABILITY.md T7 on real processes: three hubs,
// one writer per hub, and links cut and restored at random (halves, one
// hub isolated, a bridge, one-way cuts, a one-way ring). Every hub must
// stay writable through it (AP), and once the links heal all hubs must
// hold the same state (digest and reads) and account for every
// acknowledged write by the rules of SEMANTICS.md: counters exact
// (PN-counter), set adds present unless removed after being observed
// (observed-remove, add wins), hash fields and list elements kept, LWW
// strings equal to some writer's latest value.
func TestMesh_Partition(t *testing.T) {
	s := seed(t)
	// A small backlog, so that some heals resume by partial sync and others
	// need a full sync: both paths run under the chaos.
	c := startMesh(t, []string{"a", "b", "c"}, "--repl-backlog-size", "256kb")
	ks := keyspace("p")
	ws := make([]*writer, 3)
	for i := range ws {
		ws[i] = newWriter(ks, i, i, s)
	}
	l := startLoad(t)
	for i, w := range ws {
		l.start(w, c.Client(i))
	}

	dur := chaosDuration()
	rng := rand.New(rand.NewPCG(s, 0x70617274))
	counts := map[string]int{}
	start := time.Now()
	for time.Since(start) < dur {
		p := randomPattern(rng, 3)
		p.apply(c)
		counts[p.kind]++
		// The pattern holds for 1-3 s: shorter than the reconnect backoff's
		// cap (5 s), so some links come back into a new pattern mid-retry.
		hold := min(time.Duration(1000+rng.IntN(2000))*time.Millisecond, dur-time.Since(start))
		select {
		case <-time.After(hold): // the chaos schedule, not a wait for convergence
		case <-t.Context().Done():
		}
	}
	l.stop()
	chaos := time.Since(start)

	var bytes int64
	for i := range 3 {
		for j := range 3 {
			if i != j {
				bytes += c.Link(i, j).Bytes()
			}
		}
	}
	t.Logf("chaos for %v: patterns %v", chaos.Round(time.Millisecond), counts)
	var total int
	for i, w := range ws {
		n, acked := w.counts()
		total += n
		t.Logf("hub %s: %d writes (%d acknowledged): %s", c.Hubs[i].Name, n, acked, w.mix())
		for _, err := range w.firstErrors(5) {
			t.Errorf("hub %s refused a write during the chaos: %v", c.Hubs[i].Name, err)
		}
	}
	t.Logf("mesh traffic during the chaos: %d bytes through the proxies, %.0f bytes per write", bytes,
		float64(bytes)/float64(max(total, 1)))

	c.Heal()
	took := converge(t, c)
	t.Logf("heal -> convergence: %v", took)
	logSyncs(t, c)
	r := checkWorkload(t, c, ks, ws)
	t.Logf("checked %d keys on %d hubs: %s", r.keys, 3, r)
}

// logSyncs logs each hub's resync counters.
func logSyncs(t *testing.T, c *meshtest.Cluster) {
	t.Helper()
	for i := range c.Hubs {
		if !c.Running(i) {
			continue
		}
		l := linkSyncs(t, c, i)
		t.Logf("hub %s: pulled by partial sync %d, by full sync %d; live inbound links served by partial %d, full %d; "+
			"duplicates filtered %d", c.Hubs[i].Name, l.pullPartial, l.pullFull, l.servePartial, l.serveFull,
			infoInt(t, c, i, "crdt_duplicates_filtered"))
	}
}

// syncs counts a hub's resyncs by direction: crdt_full_syncs adds up both,
// and a hub that serves a snapshot has not itself been resynchronised.
type syncs struct{ pullPartial, pullFull, servePartial, serveFull int64 }

// linkSyncs sums the per-link partial_syncs and full_syncs of hub i's INFO
// crdt section (crdt_peer<n> lines pull, crdt_served<n> lines serve).
// Links that have closed no longer show.
func linkSyncs(t *testing.T, c *meshtest.Cluster, i int) syncs {
	t.Helper()
	info, err := c.Client(i).Info(context.Background(), "crdt").Result()
	if err != nil {
		t.Fatalf("hub %d INFO crdt: %v", i, err)
	}
	var s syncs
	for _, line := range strings.Split(info, "\r\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok || !strings.HasPrefix(name, "crdt_peer") && !strings.HasPrefix(name, "crdt_served") {
			continue
		}
		if strings.HasPrefix(name, "crdt_peers_") {
			continue
		}
		f := map[string]string{}
		for _, kv := range strings.Split(v, ",") {
			k, v, _ := strings.Cut(kv, "=")
			f[k] = v
		}
		p, _ := strconv.ParseInt(f["partial_syncs"], 10, 64)
		full, _ := strconv.ParseInt(f["full_syncs"], 10, 64)
		if f["dir"] == "pull" {
			s.pullPartial += p
			s.pullFull += full
		} else {
			s.servePartial += p
			s.serveFull += full
		}
	}
	return s
}

// pattern is one state of the links: cut[i][j] means hub i does not
// receive hub j's stream (meshtest's Cut(i, j)).
type pattern struct {
	kind string
	cut  [][]bool
}

// randomPattern picks a link pattern for n hubs (n = 3 gives every kind).
func randomPattern(rng *rand.Rand, n int) pattern {
	p := pattern{cut: make([][]bool, n)}
	for i := range p.cut {
		p.cut[i] = make([]bool, n)
	}
	both := func(i, j int) { p.cut[i][j], p.cut[j][i] = true, true }
	i := rng.IntN(n)
	j, k := (i+1)%n, (i+2)%n
	switch r := rng.IntN(100); {
	case r < 15:
		p.kind = "all-up"
	case r < 40: // halves: {i} | {j, k}
		p.kind = "isolate"
		both(i, j)
		both(i, k)
	case r < 50: // every hub alone
		p.kind = "split"
		both(i, j)
		both(i, k)
		both(j, k)
	case r < 65: // j and k reach each other only through i (forwarding)
		p.kind = "bridge"
		both(j, k)
	case r < 90: // i stops receiving j's stream, and maybe k's too
		p.kind = "one-way"
		p.cut[i][j] = true
		if rng.IntN(2) == 0 {
			p.cut[i][k] = true
		}
	default: // each hub receives one peer's stream: deltas go round
		p.kind = "ring"
		for h := range n {
			p.cut[h][(h+1)%n] = true
		}
	}
	return p
}

func (p pattern) apply(c *meshtest.Cluster) {
	for i := range p.cut {
		for j, cut := range p.cut[i] {
			switch {
			case i == j:
			case cut:
				c.Cut(i, j)
			default:
				c.Link(i, j).Restore()
			}
		}
	}
}

// keyspace names the keys of one workload (a prefix keeps runs apart).
type keyspace string

// Shared keys per type: few enough that writers on different hubs hit
// the same keys concurrently all the time.
const (
	nCounters = 4
	nSets     = 4
	nHashes   = 4
	nLists    = 3
	nStrings  = 4
)

func (k keyspace) counter(i int) string { return fmt.Sprintf("%s:ctr:%d", k, i) }
func (k keyspace) tick(w int) string    { return fmt.Sprintf("%s:tick:w%d", k, w) }
func (k keyspace) set(i int) string     { return fmt.Sprintf("%s:set:%d", k, i) }
func (k keyspace) hash(i int) string    { return fmt.Sprintf("%s:hash:%d", k, i) }
func (k keyspace) list(i int) string    { return fmt.Sprintf("%s:list:%d", k, i) }
func (k keyspace) str(i int) string     { return fmt.Sprintf("%s:str:%d", k, i) }

// keyRead is one key of a workload, with the reader of its type.
type keyRead struct {
	key, typ string
	read     func(cl *redis.Client, key string) ([]string, error)
}

// keys lists every key the writers ws write in k.
func (k keyspace) keys(ws []*writer) []keyRead {
	var out []keyRead
	for i := range nCounters {
		out = append(out, keyRead{k.counter(i), "counter", readString})
	}
	for _, w := range ws {
		out = append(out, keyRead{k.tick(w.id), "counter", readString})
	}
	for i := range nSets {
		out = append(out, keyRead{k.set(i), "set", readSet})
	}
	for i := range nHashes {
		out = append(out, keyRead{k.hash(i), "hash", readHash})
	}
	for i := range nLists {
		out = append(out, keyRead{k.list(i), "list", readList})
	}
	for i := range nStrings {
		out = append(out, keyRead{k.str(i), "string", readString})
	}
	return out
}

// opKind is a write of the workload.
type opKind uint8

const (
	opIncr  opKind = iota // INCRBY of a shared counter (PN-counter)
	opTick                // INCR of the writer's own counter (what it acked, others lack)
	opSAdd                // SADD of a member never added before (a new OR-set tag)
	opSRem                // SREM of a member the writer observed on its hub
	opReAdd               // SADD of a member the writer itself removed (a new tag)
	opHSet                // HSET of a field never set before
	opPush                // RPUSH of a value never pushed before
	opSet                 // SET of an LWW register
	nOpKinds
)

var opNames = [nOpKinds]string{"incr", "tick", "sadd", "srem", "readd", "hset", "rpush", "set"}

// op is one write as its client saw it: sent and done bound when the hub
// applied it; ok is false when the outcome is unknown (an error: the hub
// may or may not have applied it).
type op struct {
	kind       opKind
	key, arg   string
	n          int64
	sent, done time.Time
	ok         bool
	writer     int
}

// load runs writers, each on its own goroutine.
type load struct {
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	done   map[*writer]chan struct{}
}

// startLoad returns a load that stops, at the latest, before the mesh of
// the test stops (cleanups run last-in first-out).
func startLoad(t *testing.T) *load {
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{ctx: ctx, cancel: cancel, done: map[*writer]chan struct{}{}}
	t.Cleanup(l.stop)
	return l
}

// start runs w on cl; a writer runs on one goroutine at a time.
func (l *load) start(w *writer, cl *redis.Client) {
	l.wait(w)
	done := make(chan struct{})
	l.mu.Lock()
	l.done[w] = done
	l.mu.Unlock()
	go func() {
		defer close(done)
		w.run(l.ctx, cl)
	}()
}

// wait waits for w's goroutine to return (after an error while down, or
// stop).
func (l *load) wait(w *writer) {
	l.mu.Lock()
	done := l.done[w]
	l.mu.Unlock()
	if done != nil {
		<-done
	}
}

// stop stops every writer and waits for them.
func (l *load) stop() {
	l.cancel()
	l.mu.Lock()
	dones := slices.Collect(maps.Values(l.done))
	l.mu.Unlock()
	for _, d := range dones {
		<-d
	}
}

// writer is one client writing to one hub, one command at a time, and
// keeping the history the checker needs. Its fields belong to the
// goroutine running run; read them after it has returned.
type writer struct {
	ks   keyspace
	id   int // unique in a run; in every member, field and value it writes
	hub  int
	rng  *rand.Rand
	pace time.Duration
	seq  int
	ops  []op
	errs []error

	own   []ownMember    // members this writer added, for SREM and re-adds
	ownIx map[string]int // member -> index in own

	// down is set while the writer's hub is being killed: an error then
	// ends run instead of counting as a refused write.
	down atomic.Bool
	// acked and ticks count acknowledged writes and INCRs of the writer's
	// own counter, for the test to follow the load while run runs.
	acked, ticks atomic.Int64
}

type ownMember struct {
	key, member string
	removed     bool // the writer removed it itself (so it may re-add it)
}

// newWriter returns writer id of hub; its choices follow seed. It writes
// about 200 commands a second: enough traffic for a small backlog to
// overflow in seconds, little enough for a loaded 2-core machine.
func newWriter(ks keyspace, id, hub int, seed uint64) *writer {
	return &writer{ks: ks, id: id, hub: hub, rng: rand.New(rand.NewPCG(seed, uint64(id)+1)),
		pace: 5 * time.Millisecond, ownIx: map[string]int{}}
}

// run writes to cl until ctx ends, or until an error while down is set.
func (w *writer) run(ctx context.Context, cl *redis.Client) {
	tick := time.NewTicker(w.pace)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C: // pacing the load
		}
		if err := w.step(cl); err != nil {
			if w.down.Load() {
				return
			}
			w.errs = append(w.errs, err)
		}
	}
}

// step makes one write (two commands when it first observes what it
// removes). Its commands are never cancelled, so that an answer is
// never lost to the test's own cancellation.
func (w *writer) step(cl *redis.Client) error {
	ctx := context.Background()
	w.seq++
	name := fmt.Sprintf("w%d.%d", w.id, w.seq)
	r := w.rng.IntN(100)
	switch {
	case r < 20:
		n := int64(w.rng.IntN(21) - 5)
		key := w.ks.counter(w.rng.IntN(nCounters))
		return w.do(opIncr, key, "", n, func() redis.Cmder { return cl.IncrBy(ctx, key, n) })
	case r < 28:
		key := w.ks.tick(w.id)
		return w.do(opTick, key, "", 1, func() redis.Cmder { return cl.Incr(ctx, key) })
	case r < 32 && len(w.own) > 0:
		// Remove a member this writer added, after observing it here.
		m := &w.own[w.rng.IntN(len(w.own))]
		if m.removed {
			// Re-add it: this hub holds none of its tags now (the
			// writer's own SREM removed every tag it had, and only this
			// writer adds it), so the SADD makes a new one.
			if err := w.do(opReAdd, m.key, m.member, 0, func() redis.Cmder { return cl.SAdd(ctx, m.key, m.member) }); err != nil {
				return err
			}
			m.removed = false
			return nil
		}
		in, err := cl.SIsMember(ctx, m.key, m.member).Result()
		if err != nil || !in {
			return err
		}
		if err := w.do(opSRem, m.key, m.member, 0, func() redis.Cmder { return cl.SRem(ctx, m.key, m.member) }); err != nil {
			return err
		}
		m.removed = true
		return nil
	case r < 40:
		// Remove any member observed here, most often another writer's.
		key := w.ks.set(w.rng.IntN(nSets))
		m, err := cl.SRandMember(ctx, key).Result()
		if err == redis.Nil {
			return nil
		}
		if err != nil {
			return err
		}
		if err := w.do(opSRem, key, m, 0, func() redis.Cmder { return cl.SRem(ctx, key, m) }); err != nil {
			return err
		}
		if i, ok := w.ownIx[m]; ok {
			w.own[i].removed = true
		}
		return nil
	case r < 58:
		key := w.ks.set(w.rng.IntN(nSets))
		if err := w.do(opSAdd, key, name, 0, func() redis.Cmder { return cl.SAdd(ctx, key, name) }); err != nil {
			return err
		}
		w.ownIx[name] = len(w.own)
		w.own = append(w.own, ownMember{key: key, member: name})
		return nil
	case r < 73:
		key := w.ks.hash(w.rng.IntN(nHashes))
		return w.do(opHSet, key, name, 0, func() redis.Cmder { return cl.HSet(ctx, key, name, "v"+name) })
	case r < 88:
		key := w.ks.list(w.rng.IntN(nLists))
		return w.do(opPush, key, name, 0, func() redis.Cmder { return cl.RPush(ctx, key, name) })
	default:
		key := w.ks.str(w.rng.IntN(nStrings))
		return w.do(opSet, key, name, 0, func() redis.Cmder { return cl.Set(ctx, key, name, 0) })
	}
}

// do runs a write and records it with the times that bound when its hub
// applied it.
func (w *writer) do(kind opKind, key, arg string, n int64, run func() redis.Cmder) error {
	sent := time.Now()
	err := run().Err()
	done := time.Now()
	w.ops = append(w.ops, op{kind: kind, key: key, arg: arg, n: n, sent: sent, done: done, ok: err == nil, writer: w.id})
	if err != nil {
		return fmt.Errorf("%s %s %s: %w", opNames[kind], key, arg, err)
	}
	w.acked.Add(1)
	if kind == opTick {
		w.ticks.Add(1)
	}
	return nil
}

// counts returns how many writes were sent and acknowledged.
func (w *writer) counts() (sent, acked int) {
	for _, o := range w.ops {
		if o.ok {
			acked++
		}
	}
	return len(w.ops), acked
}

// mix describes the writes by kind.
func (w *writer) mix() string {
	var n [nOpKinds]int
	for _, o := range w.ops {
		n[o.kind]++
	}
	var b strings.Builder
	for k, c := range n {
		if k > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s=%d", opNames[k], c)
	}
	return b.String()
}

func (w *writer) firstErrors(n int) []error {
	if len(w.errs) > n {
		return append(slices.Clone(w.errs[:n]), fmt.Errorf("... and %d more", len(w.errs)-n))
	}
	return w.errs
}

// report sums up what checkWorkload found.
type report struct {
	keys      int // keys read on every hub
	acked     int // acknowledged writes, every one accounted for
	unknown   int // writes whose outcome the client did not learn
	present   int // set members present, as their history requires
	absent    int // set members removed after being observed, absent
	ambiguous int // re-added members also removed elsewhere, maybe concurrently
}

func (r report) String() string {
	return fmt.Sprintf("%d acknowledged writes accounted for, %d of unknown outcome; set members: %d present, "+
		"%d removed, %d re-added while removed elsewhere (either way)", r.acked, r.unknown, r.present, r.absent, r.ambiguous)
}

// checkWorkload reads every key of ks on every running hub once they have
// converged: the replies must be equal on every hub and agree with what
// the writers' histories require (SEMANTICS.md A2-A5, A7).
func checkWorkload(t *testing.T, c *meshtest.Cluster, ks keyspace, ws []*writer) report {
	t.Helper()
	ctx := context.Background()
	digest, _, err := c.WaitConverged(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var r report
	byKey := map[string][]op{} // each writer's ops stay in its order
	for _, w := range ws {
		for _, o := range w.ops {
			byKey[o.key] = append(byKey[o.key], o)
			if o.ok {
				r.acked++
			} else {
				r.unknown++
			}
		}
	}
	var hubs []int
	for i := range c.Hubs {
		if c.Running(i) {
			hubs = append(hubs, i)
		}
	}
	// read reads key on every hub, fails unless they all answer alike, and
	// returns the answer.
	read := func(key string, get func(*redis.Client, string) ([]string, error)) []string {
		t.Helper()
		r.keys++
		var first []string
		for n, i := range hubs {
			v, err := get(c.Client(i), key)
			if err != nil {
				t.Fatalf("hub %s: read %s: %v", c.Hubs[i].Name, key, err)
			}
			if n == 0 {
				first = v
			} else if !slices.Equal(v, first) {
				t.Errorf("%s differs: hub %s has %s, hub %s has %s", key, c.Hubs[hubs[0]].Name, brief(first),
					c.Hubs[i].Name, brief(v))
			}
		}
		return first
	}

	for _, k := range ks.keys(ws) {
		got, ops := read(k.key, k.read), byKey[k.key]
		switch k.typ {
		case "counter":
			checkCounter(t, k.key, got, ops)
		case "set":
			checkSet(t, k.key, got, ops, &r)
		case "hash":
			checkHash(t, k.key, got, ops)
		case "list":
			checkList(t, k.key, got, ops)
		default:
			checkString(t, k.key, got, ops)
		}
	}
	for _, i := range hubs {
		if d, err := c.Digest(ctx, i); err != nil || d != digest {
			t.Errorf("hub %s: digest %s (%v) after the reads, want %s", c.Hubs[i].Name, d, err, digest)
		}
	}
	return r
}

// brief shortens a reply for a failure message.
func brief(v []string) string {
	if len(v) > 8 {
		return fmt.Sprintf("%d items %v...", len(v), v[:8])
	}
	return fmt.Sprint(v)
}

func readString(cl *redis.Client, key string) ([]string, error) {
	v, err := cl.Get(context.Background(), key).Result()
	if err == redis.Nil {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return []string{v}, nil
}

// readSet reads the members sorted, by SSCAN (never one huge reply).
func readSet(cl *redis.Client, key string) ([]string, error) {
	var out []string
	var cursor uint64
	for {
		ms, next, err := cl.SScan(context.Background(), key, cursor, "", 500).Result()
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
		if cursor = next; cursor == 0 {
			break
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// readHash reads "field=value" pairs sorted, by HSCAN.
func readHash(cl *redis.Client, key string) ([]string, error) {
	var out []string
	var cursor uint64
	for {
		kv, next, err := cl.HScan(context.Background(), key, cursor, "", 500).Result()
		if err != nil {
			return nil, err
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, kv[i]+"="+kv[i+1])
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// readList reads the elements in order, 1000 at a time.
func readList(cl *redis.Client, key string) ([]string, error) {
	const chunk = 1000
	var out []string
	for start := int64(0); ; start += chunk {
		vs, err := cl.LRange(context.Background(), key, start, start+chunk-1).Result()
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
		if len(vs) < chunk {
			return out, nil
		}
	}
}

// checkCounter: concurrent increments add up (A3), so the value is the sum
// of the acknowledged increments plus some of those of unknown outcome.
func checkCounter(t *testing.T, key string, got []string, ops []op) {
	t.Helper()
	var sum int64
	var unknown []int64
	for _, o := range ops {
		if o.ok {
			sum += o.n
		} else {
			unknown = append(unknown, o.n)
		}
	}
	v := int64(0)
	if len(got) > 0 {
		var err error
		if v, err = strconv.ParseInt(got[0], 10, 64); err != nil {
			t.Errorf("%s = %q, not a number", key, got[0])
			return
		}
	}
	if len(unknown) > 16 {
		unknown = unknown[:16] // a broken run; the sum check below fails anyway
	}
	for mask := range 1 << len(unknown) {
		s := sum
		for b, n := range unknown {
			if mask&(1<<b) != 0 {
				s += n
			}
		}
		if v == s {
			return
		}
	}
	t.Errorf("%s = %d, want %d (the acknowledged increments) plus some of %v (unknown outcome)", key, v, sum, unknown)
}

// checkSet: observed-remove, add wins (A4). Each member is added by one
// writer (its owner) on its own hub, and re-added only after the owner
// removed it there, so every add is a new tag and the owner's hub holds
// all the tags there are. Hence a member is
//   - absent if the owner's last write to it is a remove (its hub held
//     every tag);
//   - absent if it was added once and removed anywhere (a remove follows
//     an observation, of the only tag);
//   - present if its last add was made after every remove elsewhere was
//     acknowledged (no remove can have observed that tag);
//   - either, if a remove elsewhere may have been concurrent with a re-add
//     (then it depends on which tags the remover had seen).
func checkSet(t *testing.T, key string, got []string, ops []op, r *report) {
	t.Helper()
	type hist struct {
		owner   int
		own     []op // the owner's adds and removes, in order
		foreign []op // removes by other writers
		unknown bool
	}
	hs := map[string]*hist{}
	for _, o := range ops {
		if o.kind == opSAdd {
			hs[o.arg] = &hist{owner: o.writer}
		}
	}
	for _, o := range ops {
		h := hs[o.arg]
		if h == nil {
			t.Errorf("%s: %s of %s, a member never added", key, opNames[o.kind], o.arg)
			continue
		}
		h.unknown = h.unknown || !o.ok
		if o.writer == h.owner {
			h.own = append(h.own, o)
		} else {
			h.foreign = append(h.foreign, o)
		}
	}
	in := map[string]bool{}
	for _, m := range got {
		in[m] = true
		if hs[m] == nil {
			t.Errorf("%s holds %s, which no writer added", key, m)
		}
	}
	var missing, resurrected []string
	for m, h := range hs {
		if h.unknown {
			continue
		}
		last := h.own[len(h.own)-1]
		adds := 0
		for _, o := range h.own {
			if o.kind != opSRem {
				adds++
			}
		}
		want, either := true, false
		switch {
		case last.kind == opSRem:
			want = false
		case adds == 1:
			want = len(h.foreign) == 0
		default:
			for _, f := range h.foreign {
				if !f.done.Before(last.sent) {
					either = true
					break
				}
			}
		}
		switch {
		case either:
			r.ambiguous++
		case want && !in[m]:
			missing = append(missing, m)
		case !want && in[m]:
			resurrected = append(resurrected, m)
		case want:
			r.present++
		default:
			r.absent++
		}
	}
	if len(missing) > 0 {
		t.Errorf("%s lost %d acknowledged members: %s", key, len(missing), brief(missing))
	}
	if len(resurrected) > 0 {
		t.Errorf("%s holds %d members removed after being observed: %s", key, len(resurrected), brief(resurrected))
	}
}

// checkHash: every field was set once, by one writer (A5): each
// acknowledged one is there with its value, and nothing else.
func checkHash(t *testing.T, key string, got []string, ops []op) {
	t.Helper()
	fields := map[string]string{}
	for _, kv := range got {
		f, v, _ := strings.Cut(kv, "=")
		fields[f] = v
	}
	var missing []string
	for _, o := range ops {
		v, ok := fields[o.arg]
		switch {
		case ok && v != "v"+o.arg:
			t.Errorf("%s field %s = %q, want %q", key, o.arg, v, "v"+o.arg)
		case !ok && o.ok:
			missing = append(missing, o.arg)
		}
		delete(fields, o.arg)
	}
	if len(missing) > 0 {
		t.Errorf("%s lost %d acknowledged fields: %s", key, len(missing), brief(missing))
	}
	if len(fields) > 0 {
		t.Errorf("%s holds %d fields no writer set: %v", key, len(fields), fields)
	}
}

// checkList: every push is a distinct element (A7) and there are no pops,
// so each acknowledged value is there exactly once, nothing else is, and
// one writer's values keep the order it pushed them in (each RPUSH went
// after the element its hub had last, which is after its previous push).
func checkList(t *testing.T, key string, got []string, ops []op) {
	t.Helper()
	pos := map[string]int{}
	for i, v := range got {
		if _, dup := pos[v]; dup {
			t.Errorf("%s holds %s twice", key, v)
		}
		pos[v] = i
	}
	var missing []string
	last := map[int]int{} // writer -> position of its previous value
	for _, o := range ops {
		i, ok := pos[o.arg]
		if !ok {
			if o.ok {
				missing = append(missing, o.arg)
			}
			continue
		}
		delete(pos, o.arg)
		if p, seen := last[o.writer]; seen && i < p {
			t.Errorf("%s: %s at %d comes before the same writer's earlier push at %d", key, o.arg, i, p)
		}
		last[o.writer] = i
	}
	if len(missing) > 0 {
		t.Errorf("%s lost %d acknowledged elements: %s", key, len(missing), brief(missing))
	}
	if len(pos) > 0 {
		t.Errorf("%s holds %d elements no writer pushed", key, len(pos))
	}
}

// checkString: the registers are LWW (A2), and a writer's later SET on its
// hub supersedes its earlier ones (it had seen them), so the value is the
// latest acknowledged value of some writer, or a later one of unknown
// outcome.
func checkString(t *testing.T, key string, got []string, ops []op) {
	t.Helper()
	ok := map[string]bool{}
	cands := map[int][]string{} // writer -> its latest acknowledged value and those after it
	for _, o := range ops {
		if o.ok {
			cands[o.writer] = nil
		}
		cands[o.writer] = append(cands[o.writer], o.arg)
	}
	for _, vs := range cands {
		for _, v := range vs {
			ok[v] = true
		}
	}
	switch {
	case len(got) == 0 && len(ops) > 0 && slices.ContainsFunc(ops, func(o op) bool { return o.ok }):
		t.Errorf("%s is missing, after acknowledged SETs", key)
	case len(got) > 0 && !ok[got[0]]:
		t.Errorf("%s = %q, not the latest value of any writer (candidates %v)", key, got[0], cands)
	}
}
