package node

import (
	"container/heap"
	"context"
	"math/big"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"lattice/shared/crdt"
	"lattice/shared/engine"
)

// Blocking commands (Redis blocked.c, t_list.c, t_zset.c): BLPOP, BRPOP,
// BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX and BZMPOP.
//
// The owner runs each as its non-blocking form through the engine (LMPOP,
// LMOVE, ZMPOP), so a pop is an ordinary CRDT write that replicates. When
// nothing was popped the job parks on its keys (FIFO per key); a write to
// one of those keys (a local command, or a delta merged from a peer) makes
// the key ready, and the clients parked on it are retried in order, each
// with the non-blocking form on that one key, until one finds nothing.
// Inside MULTI they never block: EXEC answers what the non-blocking form
// answers, or a null.
//
// A parked client's connection goroutine waits for the owner's answer; a
// watcher goroutine watches the socket meanwhile, so that a client that
// disconnects (or is killed) while blocked is dropped without popping, as
// Redis frees it.
//
// Differences from Redis 7.0:
//   - when one delta makes several keys ready at once (EXEC, a merged
//     delta), they are served in key-name order, not in the order the
//     transaction wrote them (a delta does not keep it);
//   - the replies of the commands a pipeline sent before a blocking
//     command go out with the blocking command's reply, not before it;
//   - a pop inside EXEC is a delta of its own, next to the transaction's.

// ownerCommands are the hub's commands that run on the owner goroutine
// (outside MULTI intercepted by runJob, inside MULTI queued and run by the
// session's Host): the blocking pops, and PUBLISH, which keeps its place
// among the pipeline's writes and their notifications. Redis's arities.
var ownerCommands = map[string]int{
	"blpop": -3, "brpop": -3, "brpoplpush": 4, "blmove": 6, "blmpop": -5,
	"bzpopmin": -3, "bzpopmax": -3, "bzmpop": -5, "publish": 3,
}

// hubCommandNames lists every command this part of the hub answers, for the
// command table (buildCommandNames): pub/sub and the owner commands.
func hubCommandNames() []string {
	names := make([]string, 0, len(ownerCommands)+len(pubsubCommands))
	for name := range ownerCommands {
		names = append(names, name)
	}
	for name := range pubsubCommands {
		names = append(names, name)
	}
	return names
}

// ownerCommand reports whether a command name is one of ownerCommands,
// without allocating for known commands.
func ownerCommand(arg []byte) (string, bool) {
	if len(arg) < 5 || len(arg) > 10 {
		return "", false
	}
	switch arg[0] | 0x20 {
	case 'b', 'p':
	default:
		return "", false
	}
	name, idx := lookupCommand(arg)
	if idx < 0 {
		return "", false
	}
	_, ok := ownerCommands[name]
	return name, ok
}

// hubCheck validates one of this part's commands for queueing inside MULTI
// (engine.Host.Check); known is false for other commands.
func hubCheck(name string, args [][]byte) (engine.Reply, bool) {
	if ar, ok := ownerCommands[name]; ok {
		if !arityOK(ar, len(args)) {
			return arityErr(name), true
		}
		return engine.Reply{}, true
	}
	if _, ok := pubsubCommands[name]; ok {
		return checkPubsub(name, args), true
	}
	return engine.Reply{}, false
}

// hubRun runs one of this part's commands inside EXEC, on the owner
// goroutine (engine.Host.Run); ok is false for other commands. Blocking
// commands do not block there.
func (n *Node) hubRun(c *client, args [][]byte) (engine.Reply, bool) {
	name, _ := lookupCommand(args[0])
	if _, ok := ownerCommands[name]; ok {
		b := n.ev.blk.cur
		if b == nil { // not inside a job: cannot happen, but stay safe
			b = n.newBatch()
			defer n.finish(b)
		} else {
			// Set what it raises aside, for notifyExec to place.
			start := len(b.msgs)
			defer func() {
				b.txGroups = append(b.txGroups, slices.Clone(b.msgs[start:]))
				b.msgs = b.msgs[:start]
			}()
		}
		if name == "publish" {
			return n.publishCmd(b, args), true
		}
		spec, rej := parseBlocking(name, args)
		if rej.Kind == engine.KindError {
			return rej, true
		}
		if r, ok := n.popNow(b, spec.now, spec); ok {
			return r, true
		}
		return spec.none, true
	}
	if _, ok := pubsubCommands[name]; !ok {
		return engine.Reply{}, false
	}
	if r := checkPubsub(name, args); r.IsError() {
		return r, true
	}
	if name == "pubsub" {
		return n.pubsubInfo(args), true
	}
	// Inside EXEC a (un)subscribe answers one array in EXEC's reply: the
	// first confirmation (Redis writes one per channel into the array,
	// breaking its count).
	var first engine.Reply
	n.subscription(c, name, args[1:], func(kind string, ch []byte, count int) {
		if first.Kind != engine.KindArray {
			first = confirmationReply(kind, ch, count)
		}
	}, func() {})
	return first, true
}

// runOwnerCommand runs an owner command outside MULTI for job j at its
// next command. It returns true when the job parked.
func (n *Node) runOwnerCommand(b *batch, j *job, name string, args [][]byte) bool {
	i := j.next
	if ar := ownerCommands[name]; !arityOK(ar, len(args)) {
		j.replies[i] = arityErr(name)
		j.next++
		return false
	}
	if name == "publish" {
		j.replies[i] = n.publishCmd(b, args)
		j.next++
		return false
	}
	spec, rej := parseBlocking(name, args)
	if rej.Kind == engine.KindError {
		j.replies[i] = rej
		j.next++
		return false
	}
	if r, ok := n.popNow(b, spec.now, spec); ok {
		j.replies[i] = r
		j.next++
		return false
	}
	n.park(b, j, spec)
	return true
}

// publishCmd is PUBLISH channel message: it counts the receivers now (on
// this hub: the peers' are not known) and publishes once the batch is
// committed, after the notifications of the writes before it, here and,
// best-effort, on the peer hubs (mesh.Publish).
func (n *Node) publishCmd(b *batch, args [][]byte) engine.Reply {
	got := n.countReceivers(args[1])
	b.msgs = append(b.msgs, message{channel: args[1], payload: args[2], mesh: true})
	return integer(got)
}

// blockSpec is a parsed blocking command.
type blockSpec struct {
	name    string
	keys    [][]byte // the keys it waits for (BLMOVE: the source)
	timeout int64    // milliseconds; 0: forever
	now     [][]byte // the non-blocking form, run when the command arrives
	// wake returns the non-blocking form on one ready key.
	wake func(key []byte) [][]byte
	// shape turns the non-blocking form's reply into the command's.
	shape func(engine.Reply) engine.Reply
	none  engine.Reply // the reply when nothing is popped inside MULTI
	move  bool         // BLMOVE, BRPOPLPUSH: a WRONGTYPE on wake may be the destination's
}

var nullArray = engine.Reply{Kind: engine.KindNullArray}

func argv(parts ...string) [][]byte {
	out := make([][]byte, len(parts))
	for i, p := range parts {
		out[i] = []byte(p)
	}
	return out
}

// parseBlocking checks a blocking command's arguments in Redis's order
// (syntax before timeout, as each command does) and builds its spec; rej
// is an error reply when they are wrong. The arity was checked.
func parseBlocking(name string, args [][]byte) (spec *blockSpec, rej engine.Reply) {
	switch name {
	case "blpop", "brpop", "bzpopmin", "bzpopmax":
		t, rej := parseTimeout(args[len(args)-1])
		if rej.IsError() {
			return nil, rej
		}
		keys := args[1 : len(args)-1]
		base, where := "lmpop", "left"
		switch name {
		case "brpop":
			where = "right"
		case "bzpopmin":
			base, where = "zmpop", "min"
		case "bzpopmax":
			base, where = "zmpop", "max"
		}
		now := append(argv(base, strconv.Itoa(len(keys))), keys...)
		now = append(now, []byte(where))
		shape := flattenOne
		if base == "zmpop" {
			shape = flattenPair
		}
		return &blockSpec{name: name, keys: keys, timeout: t, now: now, shape: shape, none: nullArray,
			wake: func(key []byte) [][]byte { return [][]byte{[]byte(base), []byte("1"), key, []byte(where)} }}, rej
	case "blmove", "brpoplpush":
		from, to := "right", "left"
		if name == "blmove" {
			var ok bool
			if from, ok = listWhere(args[3]); !ok {
				return nil, errR("ERR syntax error")
			}
			if to, ok = listWhere(args[4]); !ok {
				return nil, errR("ERR syntax error")
			}
		}
		t, rej := parseTimeout(args[len(args)-1])
		if rej.IsError() {
			return nil, rej
		}
		src, dst := args[1], args[2]
		now := [][]byte{[]byte("lmove"), src, dst, []byte(from), []byte(to)}
		return &blockSpec{name: name, keys: [][]byte{src}, timeout: t, now: now, move: true,
			none: engine.Reply{Kind: engine.KindNull},
			wake: func([]byte) [][]byte { return now }}, rej
	case "blmpop", "bzmpop":
		numkeys, ok := crdt.ParseInt(args[2])
		if !ok || numkeys < 1 {
			return nil, errR("ERR numkeys should be greater than 0")
		}
		if numkeys > int64(len(args)-4) {
			return nil, errR("ERR syntax error")
		}
		where := 3 + int(numkeys)
		w := strings.ToLower(string(args[where]))
		base := "lmpop"
		if name == "bzmpop" {
			base = "zmpop"
			if w != "min" && w != "max" {
				return nil, errR("ERR syntax error")
			}
		} else if _, ok := listWhere(args[where]); !ok {
			return nil, errR("ERR syntax error")
		}
		count := int64(-1)
		for j := where + 1; j < len(args); j++ {
			if count != -1 || !strings.EqualFold(string(args[j]), "count") || j+1 == len(args) {
				return nil, errR("ERR syntax error")
			}
			j++
			if count, ok = crdt.ParseInt(args[j]); !ok || count < 1 {
				return nil, errR("ERR count should be greater than 0")
			}
		}
		count = max(count, 1)
		t, rej := parseTimeout(args[1])
		if rej.IsError() {
			return nil, rej
		}
		keys := args[3:where]
		cnt := strconv.FormatInt(count, 10)
		now := append(argv(base, strconv.Itoa(len(keys))), keys...)
		now = append(now, argv(w, "count", cnt)...)
		return &blockSpec{name: name, keys: keys, timeout: t, now: now, none: nullArray,
			wake: func(key []byte) [][]byte {
				return [][]byte{[]byte(base), []byte("1"), key, []byte(w), []byte("count"), []byte(cnt)}
			}}, rej
	}
	return nil, errR("ERR internal error")
}

func listWhere(b []byte) (string, bool) {
	switch strings.ToLower(string(b)) {
	case "left":
		return "left", true
	case "right":
		return "right", true
	}
	return "", false
}

// flattenOne turns LMPOP's [key, [value]] into BLPOP's [key, value].
func flattenOne(r engine.Reply) engine.Reply {
	if r.Kind != engine.KindArray || len(r.Elems) != 2 || len(r.Elems[1].Elems) != 1 {
		return r
	}
	return engine.Reply{Kind: engine.KindArray, Elems: []engine.Reply{r.Elems[0], r.Elems[1].Elems[0]}}
}

// flattenPair turns ZMPOP's [key, [[member, score]]] into BZPOPMIN's
// [key, member, score].
func flattenPair(r engine.Reply) engine.Reply {
	if r.Kind != engine.KindArray || len(r.Elems) != 2 || len(r.Elems[1].Elems) != 1 || len(r.Elems[1].Elems[0].Elems) != 2 {
		return r
	}
	p := r.Elems[1].Elems[0]
	return engine.Reply{Kind: engine.KindArray, Elems: []engine.Reply{r.Elems[0], p.Elems[0], p.Elems[1]}}
}

// parseTimeout reads a blocking command's timeout in seconds as Redis 7.0
// does on x86-64 (getTimeoutFromObjectOrReply): strtold into an 80-bit
// long double (decimal, hex, inf; a 64-bit mantissa, rounded to nearest,
// which big.Float reproduces), times 1000, rounded up to milliseconds; 0
// blocks forever (so does -0.001, which rounds up to -0), a negative count
// is refused, and what does not fit 64 bits (inf, 1e400) turns negative,
// as the C conversion does.
func parseTimeout(b []byte) (int64, engine.Reply) {
	notFloat := errR("ERR timeout is not a float or out of range")
	s := string(b)
	if s == "" || len(s) >= 5*1024 || strings.ContainsAny(s, "_\x00") || isSpace(s[0]) {
		return 0, notFloat
	}
	f, ok := parseLongDouble(s)
	if !ok {
		return 0, notFloat
	}
	ms := new(big.Float).SetPrec(64).SetMode(big.ToNearestEven).Mul(f, big.NewFloat(1000))
	if ms.IsInf() {
		return 0, errR("ERR timeout is negative")
	}
	i, acc := ms.Int(nil) // toward zero
	if acc == big.Below { // a positive fraction: round up
		i.Add(i, big.NewInt(1))
	}
	if !i.IsInt64() || i.Sign() < 0 {
		return 0, errR("ERR timeout is negative")
	}
	return i.Int64(), engine.Reply{}
}

// parseLongDouble parses s as glibc's strtold does on x86-64, refusing what
// Redis's string2ld refuses (trailing bytes, NaN, overflow, underflow to
// zero).
func parseLongDouble(s string) (*big.Float, bool) {
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 {
		return nil, false
	}
	neg := strings.HasPrefix(s, "-")
	switch strings.ToLower(body) {
	case "inf", "infinity":
		return new(big.Float).SetInf(neg), true
	}
	if hexNoExponent(body) {
		s += "p0"
	}
	f, _, err := big.ParseFloat(s, 0, 64, big.ToNearestEven)
	if err != nil || f.IsInf() {
		return nil, false
	}
	// The long double's range: overflow is HUGE_VAL, an underflow below
	// the smallest denormal is 0, both with ERANGE, which Redis refuses.
	if exp := f.MantExp(nil); f.Sign() != 0 && (exp > 16384 || exp < -16444) {
		return nil, false
	}
	return f, true
}

func isSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

// hexNoExponent reports a hex float without its 'p' exponent ("0x10"),
// which strtold reads and big.ParseFloat needs.
func hexNoExponent(s string) bool {
	return len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && !strings.ContainsAny(s, "pP")
}

// popNow runs a non-blocking form for the batch: ok is false when nothing
// was popped (null), else r is the command's reply (an error included).
func (n *Node) popNow(b *batch, args [][]byte, spec *blockSpec) (r engine.Reply, ok bool) {
	r = n.runInternal(b, args)
	switch r.Kind {
	case engine.KindNull, engine.KindNullArray:
		return r, false
	case engine.KindError:
		return r, true
	}
	if spec.shape != nil {
		r = spec.shape(r)
	}
	return r, true
}

// runInternal runs an engine command the hub issues itself (the pops of
// the blocking commands), with its delta and notifications in the batch.
func (n *Node) runInternal(b *batch, args [][]byte) engine.Reply {
	var pre *evPre
	if n.notifying() {
		pre = n.notifyPre(b.now, args)
	}
	r, d, _ := n.replica.Do(b.now, args)
	n.noteWrite(b, d)
	if n.notifying() {
		n.notifyCommand(b, args, r, d, false, pre, nil)
	}
	return r
}

// blockState is the owner's record of parked jobs.
type blockState struct {
	byKey    map[string][]*job // FIFO per key
	byClient map[int64]*job    // parked jobs by client id (CLIENT UNBLOCK)
	ready    []string          // keys written since the last serveReady, in order
	readySet map[string]bool
	timeouts jobHeap
	timer    *time.Timer
	gone     chan *job // watchers report clients that disconnected
	stop     <-chan struct{}
	cur      *batch   // the batch being run (hubRun inside EXEC adds to it)
	free     []*batch // finished batches, for reuse
	parked   int
}

// init prepares the state; own calls it before its loop.
func (s *blockState) init(stop <-chan struct{}) {
	s.byKey = map[string][]*job{}
	s.readySet = map[string]bool{}
	s.timer = time.NewTimer(time.Hour)
	s.timer.Stop()
	s.gone = make(chan *job, 64)
	s.stop = stop
}

// markReady records the keys of d that clients wait for.
func (s *blockState) markReady(d *engine.Delta) {
	if s.parked == 0 || d == nil {
		return
	}
	if len(d.Keys) == 1 {
		for k := range d.Keys {
			s.markKey(k)
		}
		return
	}
	keys := make([]string, 0, len(d.Keys))
	for k := range d.Keys {
		if len(s.byKey[k]) > 0 {
			keys = append(keys, k)
		}
	}
	// A delta does not keep the order of its writes: serve its keys in
	// name order, so that every replica serves them alike.
	slices.Sort(keys)
	for _, k := range keys {
		s.markKey(k)
	}
}

func (s *blockState) markKey(k string) {
	if len(s.byKey[k]) == 0 || s.readySet[k] {
		return
	}
	s.readySet[k] = true
	s.ready = append(s.ready, k)
}

// park parks job j in its blocking command spec.
func (n *Node) park(b *batch, j *job, spec *blockSpec) {
	s := &n.ev.blk
	j.spec, j.parked = spec, true
	j.hidx = -1
	j.deadline = 0
	if spec.timeout > 0 {
		ms := int64(time.Millisecond)
		at := (b.now+ms-1)/ms + spec.timeout // never before the time asked
		if at > 0 {                          // an overflow never times out, as in Redis
			j.deadline = at
			heap.Push(&s.timeouts, j)
			s.arm()
		}
	}
	seen := map[string]bool{}
	for _, k := range spec.keys {
		key := string(k)
		if seen[key] {
			continue
		}
		seen[key] = true
		s.byKey[key] = append(s.byKey[key], j)
	}
	s.parked++
	b.parked = append(b.parked, j)
	if j.c == nil {
		j.c = clientOf(j.req.sess)
	}
	if j.c != nil {
		if s.byClient == nil {
			s.byClient = map[int64]*job{}
		}
		s.byClient[j.c.id] = j
		j.c.blocked.Store(true)
		if j.w == nil {
			j.w = n.watch(j)
		} else {
			j.w.rewatch()
		}
	}
}

// unpark takes a parked job out of every queue.
func (n *Node) unpark(j *job) {
	s := &n.ev.blk
	if !j.parked {
		return
	}
	j.parked = false
	s.parked--
	for _, k := range j.spec.keys {
		key := string(k)
		q := s.byKey[key]
		for i, x := range q {
			if x == j {
				q = append(q[:i], q[i+1:]...)
				break
			}
		}
		if len(q) == 0 {
			delete(s.byKey, key)
		} else {
			s.byKey[key] = q
		}
	}
	if j.hidx >= 0 {
		heap.Remove(&s.timeouts, j.hidx)
		s.arm()
	}
	if j.c != nil {
		delete(s.byClient, j.c.id)
		j.c.blocked.Store(false)
	}
	if j.w != nil {
		j.w.stop()
	}
}

// unblockClient is CLIENT UNBLOCK id [TIMEOUT|ERROR]: it answers the
// client's blocking command as a timeout (a null array) or with Redis's
// UNBLOCKED error, and reports whether the client was blocked. Safe on any
// goroutine; it runs on the owner.
func (n *Node) unblockClient(ctx context.Context, id int64, withError bool) bool {
	found := false
	ok := n.onOwner(ctx, func() {
		j := n.ev.blk.byClient[id]
		if j == nil {
			return
		}
		found = true
		n.unpark(j)
		r := nullArray
		if withError {
			r = errR("UNBLOCKED client unblocked via CLIENT UNBLOCK")
		}
		j.replies[j.next] = r
		j.next++
		b := n.newBatch()
		b.resume = append(b.resume, j)
		n.serveReady(b)
		n.finish(b)
	})
	return ok && found
}

// serveReady serves the clients parked on the ready keys, key by key in
// the order they became ready, each key's clients in the order they
// blocked, then lets the served jobs go on with their pipelines; their
// writes may make more keys ready (a BLMOVE's push), which are served in
// turn.
func (n *Node) serveReady(b *batch) {
	s := &n.ev.blk
	if b.serving {
		return
	}
	b.serving = true
	defer func() { b.serving = false }()
	for {
		if len(s.ready) > 0 {
			key := s.ready[0]
			s.ready = s.ready[1:]
			delete(s.readySet, key)
			for _, j := range append([]*job(nil), s.byKey[key]...) {
				if !j.parked {
					continue
				}
				r, res := n.tryWake(b, j, []byte(key))
				if res == wakeGone {
					break // the key is missing: nobody else can be served
				}
				if res == wakeStay {
					continue // another type: clients of that type may be
				}
				n.unpark(j)
				j.replies[j.next] = r
				j.next++
				b.resume = append(b.resume, j)
			}
			continue
		}
		if len(b.resume) > 0 {
			j := b.resume[0]
			b.resume = b.resume[1:]
			n.runJob(b, j)
			continue
		}
		return
	}
}

// wake results: served, left blocked (the key holds another type), or
// left blocked with the key missing.
const (
	wakeServed = iota
	wakeStay
	wakeGone
)

// tryWake retries a parked job's command on one ready key.
func (n *Node) tryWake(b *batch, j *job, key []byte) (engine.Reply, int) {
	spec := j.spec
	r, ok := n.popNow(b, spec.wake(key), spec)
	if !ok {
		return r, wakeGone
	}
	if r.IsError() {
		// The key is not a list (or sorted set) now: the client stays
		// blocked, as Redis leaves it. For BLMOVE the error may be the
		// destination's: Redis then answers it.
		if !spec.move || !strings.HasPrefix(string(r.Str), "WRONGTYPE") {
			return r, wakeStay
		}
		if t := n.runInternal(b, argv("type", string(spec.keys[0]))); string(t.Str) != "list" {
			return r, wakeStay
		}
	}
	return r, wakeServed
}

// blockTimeouts answers the parked jobs whose timeout passed with a null
// array, as Redis's timeout reply is, and lets them go on.
func (n *Node) blockTimeouts() {
	s := &n.ev.blk
	b := n.newBatch()
	nowMs := b.now / int64(time.Millisecond)
	for s.timeouts.Len() > 0 && s.timeouts[0].deadline <= nowMs {
		j := s.timeouts[0]
		n.unpark(j)
		j.replies[j.next] = nullArray
		j.next++
		b.resume = append(b.resume, j)
	}
	s.arm()
	n.serveReady(b)
	n.finish(b)
}

// blockGone drops a parked job whose client hung up: nothing is popped,
// nothing answered, and the client is closed, so that commands it sent
// behind the blocked one never run (Redis frees such a client).
func (n *Node) blockGone(j *job) {
	if !j.parked {
		return
	}
	n.unpark(j)
	j.c.kill()
	j.w.deliver(nil)
}

// arm sets the timer to the earliest timeout.
func (s *blockState) arm() {
	if s.timeouts.Len() == 0 {
		s.timer.Stop()
		return
	}
	d := time.Until(time.UnixMilli(s.timeouts[0].deadline))
	s.timer.Reset(max(d, 0))
}

// jobHeap orders parked jobs by deadline, then by when they blocked.
type jobHeap []*job

func (h jobHeap) Len() int           { return len(h) }
func (h jobHeap) Less(a, b int) bool { return h[a].deadline < h[b].deadline }
func (h jobHeap) Swap(a, b int) {
	h[a], h[b] = h[b], h[a]
	h[a].hidx, h[b].hidx = a, b
}
func (h *jobHeap) Push(x any) {
	j := x.(*job)
	j.hidx = len(*h)
	*h = append(*h, j)
}
func (h *jobHeap) Pop() any {
	old := *h
	j := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	j.hidx = -1
	return j
}

// watcher watches a parked client's socket for a disconnection and, once
// the owner is done with the job, hands the replies to the client's
// goroutine, after leaving the socket's read deadline as it found it. The
// owner never waits for it: it changes the state under mu and signals.
type watcher struct {
	n    *Node
	j    *job
	conn net.Conn
	sig  chan struct{}

	mu       sync.Mutex
	watching bool           // the job is parked: watch the socket
	done     bool           // the owner is done: deliver final
	final    []engine.Reply // the job's replies; empty when the client is gone
}

// watch starts the watcher of a job that parks for the first time.
func (n *Node) watch(j *job) *watcher {
	w := &watcher{n: n, j: j, conn: j.c.conn, sig: make(chan struct{}, 1), watching: true}
	go w.run()
	return w
}

func (w *watcher) run() {
	s := &w.n.ev.blk
	for {
		w.mu.Lock()
		watching, done, final := w.watching, w.done, w.final
		w.mu.Unlock()
		if done {
			_ = w.conn.SetReadDeadline(time.Time{})
			w.j.req.done <- final
			return
		}
		if watching && waitClosed(w.conn, w.stopped) {
			select {
			case s.gone <- w.j:
			case <-s.stop:
				return
			}
		}
		select {
		case <-w.sig:
		case <-s.stop:
			return
		}
	}
}

func (w *watcher) stopped() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.watching || w.done
}

func (w *watcher) signal() {
	select {
	case w.sig <- struct{}{}:
	default:
	}
}

// stop ends the watching (the job was served or timed out): the deadline
// in the past ends the wait for the socket.
func (w *watcher) stop() {
	w.mu.Lock()
	w.watching = false
	w.mu.Unlock()
	_ = w.conn.SetReadDeadline(time.Unix(1, 0))
	w.signal()
}

// rewatch watches again: the job parked again.
func (w *watcher) rewatch() {
	w.mu.Lock()
	w.watching = true
	w.mu.Unlock()
	w.signal()
}

// deliver hands the job's replies to its client goroutine (nil: the client
// is gone).
func (w *watcher) deliver(replies []engine.Reply) {
	if replies == nil {
		replies = []engine.Reply{}
	}
	w.mu.Lock()
	w.watching, w.done, w.final = false, true, replies
	w.mu.Unlock()
	w.signal()
}
