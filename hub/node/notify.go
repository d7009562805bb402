package node

import (
	"slices"
	"strconv"
	"strings"

	"lattice/shared/engine"
)

// Keyspace notifications (Redis notify.c): with notify-keyspace-events
// set, every write publishes __keyspace@0__:<key> <event> and/or
// __keyevent@0__:<event> <key>, with the event names and classes Redis
// 7.0 uses for the same command (eventTable), after the batch is durable.
//
//   - Local commands: per command, in the order Redis raises them (a
//     store's event on the destination, a pop then "del" when the
//     collection empties, LMOVE's push then pop, ...). Inside EXEC each
//     queued command raises its events, judged against the transaction's
//     whole delta and the state after it.
//   - The owner's expiry: "expired" (class x) per key.
//   - Deltas that do not come from a local command (merged from peer
//     hubs): one event per key they touch, in key order, named after the
//     command that wrote the key at its origin as Redis names its event
//     (notifyMerged): "del" (class g) when the key no longer exists,
//     "expired" for the owner's expiry, "merge" for keys of a full sync,
//     in the class of the key's type ($ for strings and HyperLogLogs, l, s,
//     h, z).
//
// Not raised: "expired" for keys that expire lazily on access (they are
// reported when the owner's active expiry deletes them, within 100ms),
// "evicted" (nothing is evicted), "keymiss" (class m) and stream and
// module events (no such types).

// Event classes: Redis's NOTIFY_* bits.
const (
	nfKeyspace = 1 << 0  // K
	nfKeyevent = 1 << 1  // E
	nfGeneric  = 1 << 2  // g
	nfString   = 1 << 3  // $
	nfList     = 1 << 4  // l
	nfSet      = 1 << 5  // s
	nfHash     = 1 << 6  // h
	nfZSet     = 1 << 7  // z
	nfExpired  = 1 << 8  // x
	nfEvicted  = 1 << 9  // e
	nfStream   = 1 << 10 // t
	nfKeyMiss  = 1 << 11 // m (not in A)
	nfModule   = 1 << 13 // d
	nfNew      = 1 << 14 // n (not in A)
	nfAll      = nfGeneric | nfString | nfList | nfSet | nfHash | nfZSet | nfExpired | nfEvicted | nfStream | nfModule
)

// parseNotifyFlags reads a notify-keyspace-events value as Redis's
// keyspaceEventsStringToFlags does.
func parseNotifyFlags(s string) (int64, bool) {
	var f int64
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'A':
			f |= nfAll
		case 'g':
			f |= nfGeneric
		case '$':
			f |= nfString
		case 'l':
			f |= nfList
		case 's':
			f |= nfSet
		case 'h':
			f |= nfHash
		case 'z':
			f |= nfZSet
		case 'x':
			f |= nfExpired
		case 'e':
			f |= nfEvicted
		case 'K':
			f |= nfKeyspace
		case 'E':
			f |= nfKeyevent
		case 't':
			f |= nfStream
		case 'm':
			f |= nfKeyMiss
		case 'd':
			f |= nfModule
		case 'n':
			f |= nfNew
		default:
			return 0, false
		}
	}
	return f, true
}

// formatNotifyFlags writes flags as Redis's keyspaceEventsFlagsToString
// does (CONFIG GET): "A" for all of A's classes, then K, E and m; n is
// shown only without A.
func formatNotifyFlags(f int64) string {
	var b strings.Builder
	if f&nfAll == nfAll {
		b.WriteByte('A')
	} else {
		for _, c := range []struct {
			bit int64
			ch  byte
		}{{nfGeneric, 'g'}, {nfString, '$'}, {nfList, 'l'}, {nfSet, 's'}, {nfHash, 'h'}, {nfZSet, 'z'},
			{nfExpired, 'x'}, {nfEvicted, 'e'}, {nfStream, 't'}, {nfModule, 'd'}, {nfNew, 'n'}} {
			if f&c.bit != 0 {
				b.WriteByte(c.ch)
			}
		}
	}
	if f&nfKeyspace != 0 {
		b.WriteByte('K')
	}
	if f&nfKeyevent != 0 {
		b.WriteByte('E')
	}
	if f&nfKeyMiss != 0 {
		b.WriteByte('m')
	}
	return b.String()
}

// notifyFlagsError is a bad notify-keyspace-events value; its text is
// Redis's reason.
type notifyFlagsError struct{}

func (notifyFlagsError) Error() string {
	return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
}

var errNotifyFlags error = notifyFlagsError{}

// setNotifyFlags sets notify-keyspace-events (CONFIG SET); the error is
// Redis's reason text.
func (n *Node) setNotifyFlags(s string) error {
	f, ok := parseNotifyFlags(s)
	if !ok {
		return errNotifyFlags
	}
	n.ev.notify.Store(f)
	return nil
}

// notifyFlags is notify-keyspace-events as CONFIG GET shows it.
func (n *Node) notifyFlags() string { return formatNotifyFlags(n.ev.notify.Load()) }

// notifying reports whether notifications are on and anyone listens.
func (n *Node) notifying() bool {
	f := n.ev.notify.Load()
	return f&(nfKeyspace|nfKeyevent) != 0 && f&^(nfKeyspace|nfKeyevent) != 0 && n.ev.ps.total.Load() > 0
}

// notifyKey queues one event for publication after the batch's commit.
func (n *Node) notifyKey(b *batch, class int64, event, key string) {
	f := n.ev.notify.Load()
	if f&class == 0 {
		return
	}
	if f&nfKeyspace != 0 {
		b.msgs = append(b.msgs, message{channel: []byte("__keyspace@0__:" + key), payload: []byte(event)})
	}
	if f&nfKeyevent != 0 {
		b.msgs = append(b.msgs, message{channel: []byte("__keyevent@0__:" + event), payload: []byte(key)})
	}
}

// evPre is what a command's notifications need to know from before it
// ran: which of its keys existed (class n), and SMOVE's destination
// membership.
type evPre struct {
	newKeys []string // keys that did not exist
	member  bool     // SMOVE: the member was already in the destination
}

// notifyPre reads, before a command runs, what its notifications need.
func (n *Node) notifyPre(now int64, args [][]byte) *evPre {
	if len(args) == 0 {
		return nil
	}
	name := strings.ToLower(string(args[0]))
	var pre *evPre
	if name == "smove" && len(args) == 4 {
		r, _, _ := n.replica.Do(now, argv("sismember", string(args[2]), string(args[3])))
		pre = &evPre{member: r.Kind == engine.KindInt && r.Int == 1}
	}
	if n.ev.notify.Load()&nfNew != 0 {
		for _, k := range writeKeys(name, args) {
			if pre != nil && slices.Contains(pre.newKeys, k) {
				continue
			}
			if n.keyType(now, k) == "none" {
				if pre == nil {
					pre = &evPre{}
				}
				pre.newKeys = append(pre.newKeys, k)
			}
		}
	}
	return pre
}

// writeKeys returns the keys a write command may create.
func writeKeys(name string, args [][]byte) []string {
	switch name {
	case "lmpop", "zmpop", "flushall", "flushdb":
		return nil
	}
	for _, ci := range engineCommands() {
		if ci.Name != name || !ci.Write || ci.FirstKey <= 0 {
			continue
		}
		last := ci.LastKey
		if last < 0 {
			last = len(args) + last
		}
		var keys []string
		for i := ci.FirstKey; i <= last && i < len(args); i += max(ci.Step, 1) {
			keys = append(keys, string(args[i]))
		}
		return keys
	}
	return nil
}

// keyType is TYPE key at time now, asked of the replica directly.
func (n *Node) keyType(now int64, key string) string {
	r, _, _ := n.replica.Do(now, [][]byte{[]byte("type"), []byte(key)})
	return string(r.Str)
}

// evCtx is one command's notification context.
type evCtx struct {
	n    *Node
	b    *batch
	args [][]byte
	rep  engine.Reply
	d    *engine.Delta
	pre  *evPre
	gone map[string]bool // existence answers, by key
}

func (e *evCtx) arg(i int) string {
	if i < len(e.args) {
		return string(e.args[i])
	}
	return ""
}

func (e *evCtx) emit(class int64, event, key string) {
	e.newKey(key)
	e.n.notifyKey(e.b, class, event, key)
}

// newKey raises "new" (class n) for a key the command created, before the
// key's first event, as Redis raises it when the key is added.
func (e *evCtx) newKey(key string) {
	if e.pre == nil {
		return
	}
	for i, k := range e.pre.newKeys {
		if k != key {
			continue
		}
		e.pre.newKeys = append(e.pre.newKeys[:i], e.pre.newKeys[i+1:]...)
		if !e.isGone(key) {
			e.n.notifyKey(e.b, nfNew, "new", key)
		}
		return
	}
}

// readded raises "new" for a destination that RENAME or COPY replaced:
// Redis deletes it and adds it again.
func (e *evCtx) readded(key string) {
	if e.pre != nil && slices.Contains(e.pre.newKeys, key) {
		e.newKey(key)
		return
	}
	if e.n.ev.notify.Load()&nfNew != 0 {
		e.n.notifyKey(e.b, nfNew, "new", key)
	}
}

// touched reports whether the command's delta holds key.
func (e *evCtx) touched(key string) bool {
	if e.d == nil {
		return false
	}
	_, ok := e.d.Keys[key]
	return ok
}

func (e *evCtx) isGone(key string) bool {
	if g, ok := e.gone[key]; ok {
		return g
	}
	g := e.n.keyType(e.b.now, key) == "none"
	if e.gone == nil {
		e.gone = map[string]bool{}
	}
	e.gone[key] = g
	return g
}

// delIfGone raises "del" when a collection emptied.
func (e *evCtx) delIfGone(key string) {
	if e.isGone(key) {
		e.emit(nfGeneric, "del", key)
	}
}

func (e *evCtx) intReply() int64 {
	if e.rep.Kind == engine.KindInt {
		return e.rep.Int
	}
	return 0
}

func (e *evCtx) ok() bool { return e.rep.Kind != engine.KindError }

func (e *evCtx) nonNull() bool {
	switch e.rep.Kind {
	case engine.KindError, engine.KindNull, engine.KindNullArray:
		return false
	case engine.KindArray, engine.KindSet, engine.KindMap, engine.KindPairs:
		return len(e.rep.Elems) > 0
	}
	return true
}

// notifyCommand raises the notifications of one command that ran on the
// replica (queue: what EXEC ran, when the command is EXEC).
func (n *Node) notifyCommand(b *batch, args [][]byte, rep engine.Reply, d *engine.Delta, inMulti bool, pre *evPre, queue [][][]byte) {
	if len(args) == 0 || rep.IsError() && d == nil {
		return
	}
	name := strings.ToLower(string(args[0]))
	if inMulti {
		if name == "exec" {
			n.notifyExec(b, queue, rep, d)
		}
		return
	}
	e := &evCtx{n: n, b: b, args: args, rep: rep, d: d, pre: pre}
	if h, ok := eventTable[name]; ok {
		h(e)
		return
	}
	if d != nil {
		n.notifyDeltaKeys(b, d, name)
	}
}

// notifyExec raises the notifications of a transaction's commands.
func (n *Node) notifyExec(b *batch, queue [][][]byte, rep engine.Reply, d *engine.Delta) {
	if rep.Kind != engine.KindArray || d == nil {
		return
	}
	if len(queue) != len(rep.Elems) {
		n.notifyDeltaKeys(b, d, "merge") // notifications were turned on mid-transaction
		return
	}
	gone := map[string]bool{}
	for i, args := range queue {
		name := strings.ToLower(string(args[0]))
		if _, ok := ownerCommands[name]; ok && len(b.txGroups) > 0 {
			b.msgs = append(b.msgs, b.txGroups[0]...) // what it raised as it ran
			b.txGroups = b.txGroups[1:]
			continue
		}
		h, ok := eventTable[name]
		if !ok {
			continue
		}
		h(&evCtx{n: n, b: b, args: args, rep: rep.Elems[i], d: d, gone: gone})
	}
}

// notifyMerged raises the notifications of a delta merged from a peer
// (SEMANTICS.md B10), one per key in key order, named after the command
// that wrote the key at its origin (engine.Key.Ev) as Redis names that
// command's event: "del" when the key is gone ("expired" for the owner's
// expiry), "merge" for a key of a full sync. A command that raises several
// events on one key in Redis raises its main one here.
func (n *Node) notifyMerged(b *batch, d *engine.Delta) {
	keys := make([]string, 0, len(d.Keys))
	for k := range d.Keys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		ev := d.Keys[k].Ev
		t := n.keyType(b.now, k)
		if t == "none" {
			if ev == "expired" {
				n.notifyKey(b, nfExpired, "expired", k)
			} else {
				n.notifyKey(b, nfGeneric, "del", k)
			}
			continue
		}
		class := typeClass[t]
		switch ev {
		case "", "expired":
			ev = "merge"
		case "expire", "pexpire", "expireat", "pexpireat", "persist", "copy", "rename", "renamenx", "restore":
			class = nfGeneric
			ev = mergedEvents[ev]
		default:
			if e, ok := mergedEvents[ev]; ok {
				ev = e
			}
		}
		n.notifyKey(b, class, ev, k)
	}
}

// mergedEvents maps a command to the event Redis raises for it where the
// two names differ; other commands raise their own name.
var mergedEvents = map[string]string{
	"setex": "set", "psetex": "set", "setnx": "set", "getset": "set", "mset": "set", "msetnx": "set",
	"getex": "expire", "getdel": "del",
	"incr": "incrby", "decr": "decrby", "hmset": "hset", "hsetnx": "hset",
	"lpushx": "lpush", "rpushx": "rpush", "blpop": "lpop", "brpop": "rpop", "lmpop": "lpop", "blmpop": "lpop",
	"rpoplpush": "rpush", "lmove": "lpush", "blmove": "lpush", "brpoplpush": "rpush",
	"smove": "sadd", "zincrby": "zincr", "bzpopmin": "zpopmin", "bzpopmax": "zpopmax", "zmpop": "zpopmin",
	"bzmpop": "zpopmin", "zrangestore": "zrangestore",
	"pexpire": "expire", "expireat": "expire", "pexpireat": "expire", "expire": "expire", "persist": "persist",
	"copy": "copy_to", "rename": "rename_to", "renamenx": "rename_to", "restore": "restore",
}

// notifyDeltaKeys raises one event per key of d, in key order: "del" when
// the key is gone, else event in the class of the key's type.
func (n *Node) notifyDeltaKeys(b *batch, d *engine.Delta, event string) {
	keys := make([]string, 0, len(d.Keys))
	for k := range d.Keys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t := n.keyType(b.now, k)
		if t == "none" {
			n.notifyKey(b, nfGeneric, "del", k)
			continue
		}
		n.notifyKey(b, typeClass[t], event, k)
	}
}

var typeClass = map[string]int64{"string": nfString, "list": nfList, "set": nfSet, "hash": nfHash, "zset": nfZSet}

// hasExpireOption reports an EX, PX, EXAT or PXAT option among SET's or
// GETEX's options.
func hasExpireOption(opts [][]byte) bool {
	for _, o := range opts {
		switch strings.ToLower(string(o)) {
		case "ex", "px", "exat", "pxat":
			return true
		}
	}
	return false
}

func hasOption(opts [][]byte, opt string) bool {
	for _, o := range opts {
		if strings.EqualFold(string(o), opt) {
			return true
		}
	}
	return false
}

// zaddIncr reports ZADD's INCR option (options precede the scores).
func zaddIncr(args [][]byte) bool {
	for _, a := range args[2:] {
		switch strings.ToLower(string(a)) {
		case "incr":
			return true
		case "nx", "xx", "gt", "lt", "ch":
		default:
			return false
		}
	}
	return false
}

// popEvent names a pop from the left or right end.
func popEvent(where string) string {
	if strings.EqualFold(where, "right") {
		return "rpop"
	}
	return "lpop"
}

func pushEvent(where string) string {
	if strings.EqualFold(where, "right") {
		return "rpush"
	}
	return "lpush"
}

// storeEvents is a store command's notifications (SUNIONSTORE, ZRANGESTORE,
// GEOSEARCHSTORE ...): its event on the destination when it stored
// something, "del" when it deleted an existing destination.
func storeEvents(class int64, event string) func(*evCtx) {
	return func(e *evCtx) {
		dst := e.arg(1)
		switch {
		case e.intReply() > 0:
			e.emit(class, event, dst)
		case e.ok() && e.touched(dst):
			e.emit(nfGeneric, "del", dst)
		}
	}
}

// popEvents is a removal's notifications: event when the reply says
// something was removed, then "del" when the key emptied.
func popEvents(class int64, event string, removed func(*evCtx) bool) func(*evCtx) {
	return func(e *evCtx) {
		if !removed(e) {
			return
		}
		key := e.arg(1)
		e.emit(class, event, key)
		e.delIfGone(key)
	}
}

func countPositive(e *evCtx) bool { return e.intReply() > 0 }
func nonNull(e *evCtx) bool       { return e.nonNull() }
func touched1(e *evCtx) bool      { return e.touched(e.arg(1)) && e.ok() }

func simpleEvent(class int64, event string, when func(*evCtx) bool) func(*evCtx) {
	return func(e *evCtx) {
		if when(e) {
			e.emit(class, event, e.arg(1))
		}
	}
}

func okReply(e *evCtx) bool  { return e.ok() }
func oneReply(e *evCtx) bool { return e.intReply() == 1 }

// eventTable maps each writing command to its notifications, as Redis 7.0
// raises them (the expectations were taken from redis-server 7.0.15).
var eventTable = map[string]func(*evCtx){
	// Strings.
	"set": func(e *evCtx) {
		k := e.arg(1)
		// A SET happened when it wrote, or answered OK without writing
		// (an expiry already past: Redis sets, then expires on access).
		if !e.ok() || !e.touched(k) && e.rep.Kind != engine.KindSimple {
			return
		}
		e.emit(nfString, "set", k)
		if hasExpireOption(e.args[3:]) {
			e.emit(nfGeneric, "expire", k)
		}
	},
	"setnx": simpleEvent(nfString, "set", oneReply),
	"setex": func(e *evCtx) {
		if e.ok() {
			e.emit(nfString, "set", e.arg(1))
			e.emit(nfGeneric, "expire", e.arg(1))
		}
	},
	"mset": func(e *evCtx) {
		if e.ok() {
			for i := 1; i+1 < len(e.args); i += 2 {
				e.emit(nfString, "set", e.arg(i))
			}
		}
	},
	"msetnx": func(e *evCtx) {
		if e.intReply() == 1 {
			for i := 1; i+1 < len(e.args); i += 2 {
				e.emit(nfString, "set", e.arg(i))
			}
		}
	},
	"getset": simpleEvent(nfString, "set", okReply),
	"getdel": simpleEvent(nfGeneric, "del", func(e *evCtx) bool { return e.nonNull() && e.touched(e.arg(1)) }),
	"getex": func(e *evCtx) {
		k := e.arg(1)
		if !e.ok() || !e.touched(k) {
			return
		}
		switch {
		case e.isGone(k):
			e.emit(nfGeneric, "del", k)
		case hasOption(e.args[2:], "persist"):
			e.emit(nfGeneric, "persist", k)
		case hasExpireOption(e.args[2:]):
			e.emit(nfGeneric, "expire", k)
		}
	},
	"append":      simpleEvent(nfString, "append", okReply),
	"setrange":    simpleEvent(nfString, "setrange", func(e *evCtx) bool { return e.ok() && e.arg(3) != "" }),
	"incr":        simpleEvent(nfString, "incrby", okReply),
	"decr":        simpleEvent(nfString, "incrby", okReply),
	"incrby":      simpleEvent(nfString, "incrby", okReply),
	"decrby":      simpleEvent(nfString, "incrby", okReply),
	"incrbyfloat": simpleEvent(nfString, "incrbyfloat", okReply),

	// Keys.
	"del":       delEvents,
	"unlink":    delEvents,
	"expire":    expireEvents,
	"pexpire":   expireEvents,
	"expireat":  expireEvents,
	"pexpireat": expireEvents,
	"persist":   simpleEvent(nfGeneric, "persist", oneReply),
	"rename":    renameEvents,
	"renamenx":  renameEvents,
	"copy": func(e *evCtx) {
		if e.intReply() == 1 {
			e.readded(e.arg(2))
			e.emit(nfGeneric, "copy_to", e.arg(2))
		}
	},

	// Lists.
	"lpush":   simpleEvent(nfList, "lpush", countPositive),
	"lpushx":  simpleEvent(nfList, "lpush", countPositive),
	"rpush":   simpleEvent(nfList, "rpush", countPositive),
	"rpushx":  simpleEvent(nfList, "rpush", countPositive),
	"lpop":    popEvents(nfList, "lpop", nonNull),
	"rpop":    popEvents(nfList, "rpop", nonNull),
	"lset":    simpleEvent(nfList, "lset", okReply),
	"linsert": simpleEvent(nfList, "linsert", countPositive),
	"lrem":    popEvents(nfList, "lrem", countPositive),
	"ltrim": func(e *evCtx) {
		k := e.arg(1)
		if !e.ok() {
			return
		}
		if !e.isGone(k) {
			e.emit(nfList, "ltrim", k)
		} else if e.touched(k) {
			e.emit(nfList, "ltrim", k)
			e.emit(nfGeneric, "del", k)
		}
	},
	"lmove":     func(e *evCtx) { moveEvents(e, e.arg(3), e.arg(4)) },
	"rpoplpush": func(e *evCtx) { moveEvents(e, "right", "left") },
	"lmpop": func(e *evCtx) {
		if e.rep.Kind != engine.KindArray || len(e.rep.Elems) != 2 {
			return
		}
		numkeys, _ := strconv.Atoi(e.arg(1))
		key := string(e.rep.Elems[0].Str)
		e.emit(nfList, popEvent(e.arg(2+numkeys)), key)
		e.delIfGone(key)
	},

	// Hashes.
	"hset":         simpleEvent(nfHash, "hset", okReply),
	"hmset":        simpleEvent(nfHash, "hset", okReply),
	"hsetnx":       simpleEvent(nfHash, "hset", oneReply),
	"hdel":         popEvents(nfHash, "hdel", countPositive),
	"hincrby":      simpleEvent(nfHash, "hincrby", okReply),
	"hincrbyfloat": simpleEvent(nfHash, "hincrbyfloat", okReply),

	// Sets.
	"sadd": simpleEvent(nfSet, "sadd", countPositive),
	"srem": popEvents(nfSet, "srem", countPositive),
	"spop": popEvents(nfSet, "spop", nonNull),
	"smove": func(e *evCtx) {
		src, dst := e.arg(1), e.arg(2)
		if e.intReply() != 1 || src == dst {
			return
		}
		e.emit(nfSet, "srem", src)
		e.delIfGone(src)
		if e.pre == nil || !e.pre.member {
			e.emit(nfSet, "sadd", dst)
		}
	},
	"sunionstore": storeEvents(nfSet, "sunionstore"),
	"sinterstore": storeEvents(nfSet, "sinterstore"),
	"sdiffstore":  storeEvents(nfSet, "sdiffstore"),

	// Sorted sets.
	"zadd": func(e *evCtx) {
		k := e.arg(1)
		if !e.ok() || !e.touched(k) || e.rep.Kind == engine.KindNull {
			return
		}
		if zaddIncr(e.args) {
			e.emit(nfZSet, "zincr", k)
		} else {
			e.emit(nfZSet, "zadd", k)
		}
	},
	"zincrby":          simpleEvent(nfZSet, "zincr", touched1),
	"zrem":             popEvents(nfZSet, "zrem", countPositive),
	"zpopmin":          popEvents(nfZSet, "zpopmin", nonNull),
	"zpopmax":          popEvents(nfZSet, "zpopmax", nonNull),
	"zremrangebyrank":  popEvents(nfZSet, "zremrangebyrank", countPositive),
	"zremrangebyscore": popEvents(nfZSet, "zremrangebyscore", countPositive),
	"zremrangebylex":   popEvents(nfZSet, "zremrangebylex", countPositive),
	"zmpop": func(e *evCtx) {
		if e.rep.Kind != engine.KindArray || len(e.rep.Elems) != 2 {
			return
		}
		numkeys, _ := strconv.Atoi(e.arg(1))
		key := string(e.rep.Elems[0].Str)
		event := "zpopmin"
		if strings.EqualFold(e.arg(2+numkeys), "max") {
			event = "zpopmax"
		}
		e.emit(nfZSet, event, key)
		e.delIfGone(key)
	},
	"zrangestore":    storeEvents(nfZSet, "zrangestore"),
	"zunionstore":    storeEvents(nfZSet, "zunionstore"),
	"zinterstore":    storeEvents(nfZSet, "zinterstore"),
	"zdiffstore":     storeEvents(nfZSet, "zdiffstore"),
	"geosearchstore": storeEvents(nfZSet, "geosearchstore"),
	"geoadd":         simpleEvent(nfZSet, "zadd", touched1),

	// HyperLogLogs.
	"pfadd":   simpleEvent(nfString, "pfadd", oneReply),
	"pfmerge": simpleEvent(nfString, "pfadd", okReply),

	// No notifications (Redis raises none for FLUSHALL and FLUSHDB).
	"flushall": func(*evCtx) {},
	"flushdb":  func(*evCtx) {},
}

func init() {
	eventTable["psetex"] = eventTable["setex"]
}

// delEvents is DEL and UNLINK: "del" per deleted key, in argument order.
func delEvents(e *evCtx) {
	if e.intReply() == 0 {
		return
	}
	seen := map[string]bool{}
	for _, a := range e.args[1:] {
		k := string(a)
		if seen[k] || !e.touched(k) {
			continue
		}
		seen[k] = true
		e.emit(nfGeneric, "del", k)
	}
}

// expireEvents is EXPIRE and friends: "expire", or "del" when the time is
// already past (the key is deleted at once).
func expireEvents(e *evCtx) {
	if e.intReply() != 1 {
		return
	}
	k := e.arg(1)
	if e.isGone(k) {
		e.emit(nfGeneric, "del", k)
	} else {
		e.emit(nfGeneric, "expire", k)
	}
}

// renameEvents is RENAME and RENAMENX: rename_from on the source, then
// rename_to on the destination (none when both are the same key).
func renameEvents(e *evCtx) {
	src, dst := e.arg(1), e.arg(2)
	if !e.ok() || src == dst || e.rep.Kind == engine.KindInt && e.rep.Int != 1 {
		return
	}
	e.readded(dst) // the destination is added before the events
	e.emit(nfGeneric, "rename_from", src)
	e.emit(nfGeneric, "rename_to", dst)
}

// moveEvents is LMOVE and RPOPLPUSH: the push on the destination, then the
// pop on the source and "del" when it emptied.
func moveEvents(e *evCtx, from, to string) {
	if e.rep.Kind != engine.KindBulk {
		return
	}
	src, dst := e.arg(1), e.arg(2)
	e.emit(nfList, pushEvent(to), dst)
	e.emit(nfList, popEvent(from), src)
	if src != dst {
		e.delIfGone(src)
	}
}

// setNotifyParam is CONFIG SET notify-keyspace-events in config.go's
// setter shape: it validates now and applies later.
func setNotifyParam(n *Node, v string) (func(), string) {
	if _, ok := parseNotifyFlags(v); !ok {
		return nil, errNotifyFlags.Error()
	}
	return func() { _ = n.setNotifyFlags(v) }, ""
}
