package node

import (
	"strings"
	"sync"
	"sync/atomic"

	"lattice/shared/engine"
	"lattice/shared/resp"
)

// Pub/sub (Redis pubsub.c): PUBLISH, SUBSCRIBE, PSUBSCRIBE, UNSUBSCRIBE,
// PUNSUBSCRIBE and PUBSUB CHANNELS/NUMSUB/NUMPAT, RESP2's subscribed mode
// and RESP3's push messages. The registry has its own lock, so that any
// goroutine may publish: the owner (PUBLISH, keyspace notifications) and
// the connection goroutines (SUBSCRIBE and friends run there, they do not
// touch the replica). Messages reach a subscriber through its output
// queue (Node.push), which never blocks the publisher; a subscriber that
// reads too slowly is closed by the pubsub output buffer limit.
//
// Order: a subscription's confirmation reaches the client before any
// message published after it. The confirmation is written while the
// client is marked staging, and messages meanwhile wait in staged; they
// are queued once the confirmation is.

// pubsub is the node's channel registry.
type pubsub struct {
	mu       sync.Mutex
	channels map[string]*subscribers
	patterns map[string]*subscribers
	patOrder []string // patterns in the order they were first subscribed
	clients  map[*client]*psClient
	// total counts every client's channel and pattern subscriptions, so
	// that keyspace notifications cost nothing while nobody listens.
	total atomic.Int64
}

// subscribers are the clients of one channel or pattern, in the order
// they subscribed (Redis keeps a list and delivers in that order).
type subscribers struct{ list []*psClient }

func (s *subscribers) remove(pc *psClient) {
	for i, x := range s.list {
		if x == pc {
			s.list = append(s.list[:i], s.list[i+1:]...)
			return
		}
	}
}

// psClient is one client's subscriptions, in subscription order.
type psClient struct {
	c        *client
	channels []string
	patterns []string
	staging  bool   // a confirmation is being written: messages wait in staged
	staged   []byte // messages published while staging
}

func (pc *psClient) count() int { return len(pc.channels) + len(pc.patterns) }

// pubsubCommands are the pub/sub commands the connection goroutine
// answers (outside MULTI), with Redis's arities.
var pubsubCommands = map[string]hostCmd{
	"subscribe":    {arity: -2},
	"unsubscribe":  {arity: -1},
	"psubscribe":   {arity: -2},
	"punsubscribe": {arity: -1},
	"pubsub": {arity: -2, help: "PUBSUB", subs: map[string]int{
		"channels": -2, "numsub": -2, "numpat": 2, "shardchannels": -2, "shardnumsub": -2, "help": 2}},
}

// subscribedOK are the commands a RESP2 client in subscribed mode may run.
var subscribedOK = map[string]bool{"subscribe": true, "unsubscribe": true, "psubscribe": true,
	"punsubscribe": true, "ping": true, "quit": true, "reset": true, "ssubscribe": true, "sunsubscribe": true}

// checkPubsub validates a pub/sub command as Redis does before running or
// queueing it (arity, PUBSUB's subcommand); a zero Reply when valid.
func checkPubsub(name string, args [][]byte) engine.Reply {
	h := pubsubCommands[name]
	if h.arity >= 0 && len(args) != h.arity || h.arity < 0 && len(args) < -h.arity {
		return arityErr(name)
	}
	if h.subs == nil {
		return engine.Reply{}
	}
	sub := strings.ToLower(string(args[1]))
	ar, ok := h.subs[sub]
	switch {
	case !ok:
		return errR("ERR unknown subcommand '" + string(args[1]) + "'. Try PUBSUB HELP.")
	case ar >= 0 && len(args) != ar || ar < 0 && len(args) < -ar:
		return arityErr(name + "|" + sub)
	}
	return engine.Reply{}
}

// pubsubPipeline is the connection goroutine's hook for pub/sub in a
// pipeline (called from pipeline for every command after the NOAUTH,
// QUIT and RESET cases). It answers, and reports true for:
//   - any command but the allowed ones from a RESP2 client in subscribed
//     mode, with Redis's error (unknown commands and arity errors keep
//     their own errors, as Redis checks those first);
//   - PING in RESP2 subscribed mode, which answers ["pong", message];
//   - the pub/sub commands outside MULTI (inside MULTI they are queued and
//     EXEC runs them through the session's Host: hubRun).
//
// A command with several confirmations (SUBSCRIBE a b) writes them
// itself, after writing the pipeline's earlier replies, so that every
// confirmation comes in order and before the messages that follow it.
func (n *Node) pubsubPipeline(p *pipe, i int, name string, args [][]byte) bool {
	c := p.c
	if c.proto == 2 && c.subscribed() {
		if !subscribedOK[name] {
			full, known := knownCommand(name, args)
			if !known {
				return false // unknown command or arity: the normal path words it
			}
			p.replies[i] = errR("ERR Can't execute '" + full + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
			return true
		}
		if name == "ping" {
			if len(args) > 2 {
				p.replies[i] = arityErr("ping")
				return true
			}
			msg := []byte{}
			if len(args) == 2 {
				msg = args[1]
			}
			p.replies[i] = engine.Reply{Kind: engine.KindArray, Elems: []engine.Reply{bulk("pong"), {Kind: engine.KindBulk, Str: msg}}}
			return true
		}
	}
	switch name {
	case "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "pubsub":
	default:
		return false
	}
	if !p.flushSettled() {
		return false
	}
	if r := checkPubsub(name, args); r.IsError() {
		p.replies[i] = r
		return true
	}
	if name == "pubsub" {
		p.replies[i] = n.pubsubInfo(args)
		return true
	}
	// Write what the pipeline answered so far, then the confirmations.
	p.flush()
	out := n.encode(c, nil, p.replies[:i], p.protos[:i])
	for j := range i {
		p.replies[j], p.protos[j] = engine.Reply{}, 0
	}
	p.replies[i], p.protos[i] = engine.Reply{}, 0
	quiet, proto := c.replyOff, c.proto
	n.subscription(c, name, args[1:], func(kind string, ch []byte, count int) {
		if !quiet {
			out = appendConfirmation(out, proto, kind, ch, count)
		}
	}, func() { n.write(c, out) })
	return true
}

// knownCommand reports whether name is a command the hub knows, with a
// valid arity (and subcommand), and its full name as Redis reports it
// ("pubsub|numsub").
func knownCommand(name string, args [][]byte) (string, bool) {
	if h, ok := hostCommands[name]; ok {
		if checkHost(name, args, false).IsError() {
			return "", false
		}
		if h.subs != nil && len(args) > 1 {
			return name + "|" + strings.ToLower(string(args[1])), true
		}
		return name, true
	}
	if _, ok := pubsubCommands[name]; ok {
		if checkPubsub(name, args).IsError() {
			return "", false
		}
		if name == "pubsub" {
			return name + "|" + strings.ToLower(string(args[1])), true
		}
		return name, true
	}
	if ar, ok := ownerCommands[name]; ok {
		return name, arityOK(ar, len(args))
	}
	switch name {
	case "multi", "exec", "discard", "unwatch":
		return name, true // their arity errors come from the session
	case "watch":
		return name, len(args) >= 2
	}
	for _, ci := range engineCommands() {
		if ci.Name == name {
			return name, arityOK(ci.Arity, len(args))
		}
	}
	return "", false
}

func arityOK(arity, n int) bool { return arity >= 0 && n == arity || arity < 0 && n >= -arity }

var engineCommandsOnce = sync.OnceValue(engine.Commands)

func engineCommands() []engine.CommandInfo { return engineCommandsOnce() }

// subscription runs SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE or PUNSUBSCRIBE for
// c: emit receives each confirmation (kind, channel or nil, count), done
// runs once they are all emitted, before any message published after the
// change reaches c (the client is staged meanwhile).
func (n *Node) subscription(c *client, name string, targets [][]byte, emit func(string, []byte, int), done func()) {
	ps := &n.ev.ps
	ps.mu.Lock()
	pc := ps.clientLocked(c)
	pc.staging = true
	switch name {
	case "subscribe":
		for _, t := range targets {
			ps.addLocked(pc, false, string(t))
			emit("subscribe", t, pc.count())
		}
	case "psubscribe":
		for _, t := range targets {
			ps.addLocked(pc, true, string(t))
			emit("psubscribe", t, pc.count())
		}
	case "unsubscribe", "punsubscribe":
		pat := name == "punsubscribe"
		if len(targets) == 0 {
			all := pc.channels
			if pat {
				all = pc.patterns
			}
			for _, t := range append([]string(nil), all...) {
				ps.removeLocked(pc, pat, t)
				emit(name, []byte(t), pc.count())
			}
			if len(all) == 0 {
				emit(name, nil, pc.count())
			}
		}
		for _, t := range targets {
			ps.removeLocked(pc, pat, string(t))
			emit(name, t, pc.count())
		}
	}
	c.setSubscriptions(len(pc.channels), len(pc.patterns))
	ps.mu.Unlock()

	done()

	ps.mu.Lock()
	pc.staging = false
	staged := pc.staged
	pc.staged = nil
	if len(staged) > 0 {
		n.push(c, staged)
	}
	if pc.count() == 0 && ps.clients[c] == pc {
		delete(ps.clients, c)
	}
	ps.mu.Unlock()
}

// appendConfirmation appends one (un)subscribe reply: [kind, channel,
// count], a push in RESP3; a nil channel is a null (UNSUBSCRIBE with
// nothing to leave).
func appendConfirmation(b []byte, proto int, kind string, channel []byte, count int) []byte {
	b = resp.AppendPushHeader(b, 3, proto)
	b = resp.AppendBulk(b, kind)
	if channel == nil {
		b = resp.AppendNull(b, proto)
	} else {
		b = resp.AppendBulk(b, channel)
	}
	return resp.AppendInt(b, int64(count))
}

// confirmationReply is a confirmation as a reply (inside EXEC).
func confirmationReply(kind string, channel []byte, count int) engine.Reply {
	ch := engine.Reply{Kind: engine.KindNull}
	if channel != nil {
		ch = engine.Reply{Kind: engine.KindBulk, Str: channel}
	}
	return engine.Reply{Kind: engine.KindArray, Elems: []engine.Reply{bulk(kind), ch, integer(int64(count))}}
}

func (ps *pubsub) clientLocked(c *client) *psClient {
	if ps.clients == nil {
		ps.clients = map[*client]*psClient{}
		ps.channels = map[string]*subscribers{}
		ps.patterns = map[string]*subscribers{}
	}
	pc := ps.clients[c]
	if pc == nil {
		pc = &psClient{c: c}
		ps.clients[c] = pc
	}
	return pc
}

// addLocked subscribes pc to a channel or pattern it is not subscribed to.
func (ps *pubsub) addLocked(pc *psClient, pattern bool, t string) {
	mine, reg := &pc.channels, ps.channels
	if pattern {
		mine, reg = &pc.patterns, ps.patterns
	}
	for _, x := range *mine {
		if x == t {
			return
		}
	}
	*mine = append(*mine, t)
	s := reg[t]
	if s == nil {
		s = &subscribers{}
		reg[t] = s
		if pattern {
			ps.patOrder = append(ps.patOrder, t)
		}
	}
	s.list = append(s.list, pc)
	ps.total.Add(1)
}

// removeLocked unsubscribes pc from a channel or pattern, if subscribed.
func (ps *pubsub) removeLocked(pc *psClient, pattern bool, t string) {
	mine, reg := &pc.channels, ps.channels
	if pattern {
		mine, reg = &pc.patterns, ps.patterns
	}
	found := false
	for i, x := range *mine {
		if x == t {
			*mine = append((*mine)[:i], (*mine)[i+1:]...)
			found = true
			break
		}
	}
	if !found {
		return
	}
	ps.total.Add(-1)
	s := reg[t]
	if s == nil {
		return
	}
	s.remove(pc)
	if len(s.list) > 0 {
		return
	}
	delete(reg, t)
	if pattern {
		for i, x := range ps.patOrder {
			if x == t {
				ps.patOrder = append(ps.patOrder[:i], ps.patOrder[i+1:]...)
				break
			}
		}
	}
}

// pubsubDrop removes every subscription of c without confirmations: RESET,
// and a closed connection.
func (n *Node) pubsubDrop(c *client) {
	ps := &n.ev.ps
	ps.mu.Lock()
	defer ps.mu.Unlock()
	pc := ps.clients[c]
	if pc == nil {
		return
	}
	for _, t := range append([]string(nil), pc.channels...) {
		ps.removeLocked(pc, false, t)
	}
	for _, t := range append([]string(nil), pc.patterns...) {
		ps.removeLocked(pc, true, t)
	}
	pc.staged = nil
	delete(ps.clients, c)
	c.setSubscriptions(0, 0)
}

// publish delivers msg on channel to its subscribers, then to the clients
// whose patterns match it, as Redis's pubsubPublishMessage does, and
// returns how many received it.
func (n *Node) publish(channel, msg []byte) int64 {
	ps := &n.ev.ps
	if ps.total.Load() == 0 {
		return 0
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	var m2, m3 []byte // the message in RESP2 and RESP3
	var got int64
	if s := ps.channels[string(channel)]; s != nil {
		for _, pc := range s.list {
			if pc.c.respShown.Load() == 3 {
				if m3 == nil {
					m3 = encodeMessage(nil, 3, nil, channel, msg)
				}
				n.deliverLocked(pc, m3)
			} else {
				if m2 == nil {
					m2 = encodeMessage(nil, 2, nil, channel, msg)
				}
				n.deliverLocked(pc, m2)
			}
			got++
		}
	}
	for _, pat := range ps.patOrder {
		if !engine.GlobMatch([]byte(pat), channel, false) {
			continue
		}
		var p2, p3 []byte
		for _, pc := range ps.patterns[pat].list {
			if pc.c.respShown.Load() == 3 {
				if p3 == nil {
					p3 = encodeMessage(nil, 3, []byte(pat), channel, msg)
				}
				n.deliverLocked(pc, p3)
			} else {
				if p2 == nil {
					p2 = encodeMessage(nil, 2, []byte(pat), channel, msg)
				}
				n.deliverLocked(pc, p2)
			}
			got++
		}
	}
	return got
}

// countReceivers counts who would receive a message on channel now.
func (n *Node) countReceivers(channel []byte) int64 {
	ps := &n.ev.ps
	if ps.total.Load() == 0 {
		return 0
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	var got int64
	if s := ps.channels[string(channel)]; s != nil {
		got += int64(len(s.list))
	}
	for _, pat := range ps.patOrder {
		if engine.GlobMatch([]byte(pat), channel, false) {
			got += int64(len(ps.patterns[pat].list))
		}
	}
	return got
}

// deliverLocked queues a message for a subscriber, or stages it while the
// subscriber's confirmation is being written. ps.mu is held.
func (n *Node) deliverLocked(pc *psClient, m []byte) {
	if pc.staging {
		pc.staged = append(pc.staged, m...)
		if l := n.outputLimitFor(pc.c); l.hard > 0 && int64(len(pc.staged)) > l.hard {
			pc.staged = nil
			pc.c.kill()
		}
		return
	}
	n.push(pc.c, m)
}

// encodeMessage appends a message (pattern nil) or pmessage in proto.
func encodeMessage(b []byte, proto int, pattern, channel, msg []byte) []byte {
	if pattern == nil {
		b = resp.AppendPushHeader(b, 3, proto)
		b = resp.AppendBulk(b, "message")
	} else {
		b = resp.AppendPushHeader(b, 4, proto)
		b = resp.AppendBulk(b, "pmessage")
		b = resp.AppendBulk(b, pattern)
	}
	b = resp.AppendBulk(b, channel)
	return resp.AppendBulk(b, msg)
}

// pubsubInfo answers PUBSUB CHANNELS, NUMSUB, NUMPAT and HELP.
func (n *Node) pubsubInfo(args [][]byte) engine.Reply {
	ps := &n.ev.ps
	switch strings.ToLower(string(args[1])) {
	case "channels":
		if len(args) > 3 {
			return errR("ERR unknown subcommand or wrong number of arguments for '" + string(args[1]) + "'. Try PUBSUB HELP.")
		}
		ps.mu.Lock()
		var out []engine.Reply
		for ch := range ps.channels {
			if len(args) == 2 || engine.GlobMatch(args[2], []byte(ch), false) {
				out = append(out, bulk(ch))
			}
		}
		ps.mu.Unlock()
		return engine.Reply{Kind: engine.KindArray, Elems: out}
	case "numsub":
		ps.mu.Lock()
		out := make([]engine.Reply, 0, 2*(len(args)-2))
		for _, ch := range args[2:] {
			cnt := 0
			if s := ps.channels[string(ch)]; s != nil {
				cnt = len(s.list)
			}
			out = append(out, engine.Reply{Kind: engine.KindBulk, Str: ch}, integer(int64(cnt)))
		}
		ps.mu.Unlock()
		return engine.Reply{Kind: engine.KindArray, Elems: out}
	case "shardchannels": // no sharded channels (SSUBSCRIBE is not served)
		if len(args) > 3 {
			return errR("ERR unknown subcommand or wrong number of arguments for '" + string(args[1]) + "'. Try PUBSUB HELP.")
		}
		return engine.Reply{Kind: engine.KindArray, Elems: []engine.Reply{}}
	case "shardnumsub":
		out := make([]engine.Reply, 0, 2*(len(args)-2))
		for _, ch := range args[2:] {
			out = append(out, engine.Reply{Kind: engine.KindBulk, Str: ch}, integer(0))
		}
		return engine.Reply{Kind: engine.KindArray, Elems: out}
	case "numpat":
		ps.mu.Lock()
		defer ps.mu.Unlock()
		return integer(int64(len(ps.patterns)))
	}
	return helpReply([]string{
		"PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]",
		"    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for the specified shard level channel(s)",
		"HELP",
		"    Prints this help.",
	})
}
