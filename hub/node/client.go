package node

import (
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"lattice/shared/engine"
)

// client is one RESP connection. Its plain fields belong to the
// connection's goroutine, except while it waits for the owner to answer a
// request: then the owner may run the client's queued connection commands
// (EXEC of a transaction holding PING, CLIENT SETNAME, HELLO ...) through
// sess.Host. What other goroutines read (CLIENT LIST, CLIENT KILL, INFO,
// /metrics) is behind mu or atomic.
type client struct {
	id      int64
	conn    net.Conn
	proto   int
	authed  bool
	sess    *engine.Session // transaction state; used by the owner goroutine
	created time.Time
	addr    string // remote address, as CLIENT LIST shows it
	laddr   string // local address
	fd      int64  // the socket's descriptor, for CLIENT LIST; -1 if unknown

	// everAuthed is false until the client first authenticates on a hub
	// that requires a password; until then its output is capped at
	// unauthOutputLimit (CVE-2025-21605).
	everAuthed atomic.Bool
	// respShown mirrors proto for CLIENT LIST on other goroutines.
	respShown atomic.Int64
	scan      frameScan // the incomplete frame at the front of the query buffer
	// replyOff and skipNext are CLIENT REPLY's modes OFF and SKIP: no
	// replies at all, or none for the next command.
	replyOff, skipNext bool

	mu      sync.Mutex // guards name, lastCmd
	name    string
	lastCmd string

	lastActive atomic.Int64 // Unix ns of the last read or write
	qbuf       atomic.Int64 // bytes of unparsed input
	qbufCap    atomic.Int64 // capacity of the query buffer
	inMulti    atomic.Bool  // inside MULTI, as of the last pipeline
	watching   atomic.Int64 // keys watched, as of the last pipeline
	noEvict    atomic.Bool  // CLIENT NO-EVICT (accepted; nothing is evicted)
	noTouch    atomic.Bool  // CLIENT NO-TOUCH (accepted; LRU is not kept)
	// subs and psubs count the client's channel and pattern subscriptions.
	// The pub/sub code keeps them (setSubscriptions); a subscribed client
	// uses the pubsub output limits and is exempt from the idle timeout,
	// as in Redis.
	subs, psubs atomic.Int64
	// blocked is set while the client waits in a blocking command
	// (flags=b in CLIENT LIST, blocked_clients in INFO).
	blocked atomic.Bool
	killed  atomic.Bool // CLIENT KILL, a limit, or shutdown closed it

	out output
}

// unauthOutputLimit caps the output of a client that has never
// authenticated on a hub with a password, as Redis does since
// CVE-2025-21605 (REPLY_BUFFER_SIZE_UNAUTHENTICATED_CLIENT).
const unauthOutputLimit = 1024

// stallWait is how long a connection goroutine's own write may block
// before the rest of the reply is handed to a writer goroutine and the
// connection goroutine goes back to reading (Redis never blocks on a
// client: it buffers the output, bounded by client-output-buffer-limit).
const stallWait = 100 * time.Millisecond

// setSubscriptions records the client's subscription counts (pub/sub
// code). A client with any subscription is a pubsub client for output
// limits, CLIENT LIST and the idle timeout.
func (c *client) setSubscriptions(channels, patterns int) {
	c.subs.Store(int64(channels))
	c.psubs.Store(int64(patterns))
}

func (c *client) subscribed() bool { return c.subs.Load()+c.psubs.Load() > 0 }

// setName and clientName guard the name, which CLIENT LIST reads from
// other goroutines.
func (c *client) setName(s string) {
	c.mu.Lock()
	c.name = s
	c.mu.Unlock()
}

// setLastCmd records the command CLIENT LIST shows (cmd=).
func (c *client) setLastCmd(s string) {
	c.mu.Lock()
	c.lastCmd = s
	c.mu.Unlock()
}

// cmdLabel names a command as Redis's cmd= field does: "client|list" for
// a subcommand.
func cmdLabel(name string, args [][]byte) string {
	if hostCommands[name].subs != nil && len(args) > 1 {
		return name + "|" + strings.ToLower(string(args[1]))
	}
	return name
}

func (c *client) clientName() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.name
}

// kill closes the client's connection; its goroutine then ends. Safe on
// any goroutine.
func (c *client) kill() {
	c.killed.Store(true)
	c.out.mu.Lock()
	c.out.closed = true
	c.out.mu.Unlock()
	c.conn.Close()
}

// output is a client's reply stream. The connection goroutine writes its
// replies itself while the socket keeps up (one write per pipeline, no
// extra goroutine); when a write stalls for stallWait (the client reads
// slowly or not at all), the rest is queued, a writer goroutine drains
// the queue, and the connection goroutine goes back to reading, queueing
// further replies, as Redis buffers replies and keeps reading. Other
// goroutines (the owner, for pub/sub messages) only queue (push). The
// bytes queued or being written count against the client's output buffer
// limit; past it the client is closed.
type output struct {
	mu        sync.Mutex
	queue     []byte        // bytes waiting for the writer
	inflight  int           // bytes of the write in progress
	writing   bool          // a goroutine is writing; it drains queue before clearing it
	closed    bool          // no more output: the client is being closed
	softSince time.Time     // when the soft limit was first exceeded; zero: not exceeded
	deadline  time.Time     // write deadline set for the connection goroutine's writes
	drained   chan struct{} // closed when the running writer goroutine ends
}

// pending is the output buffer's size in bytes (omem).
func (o *output) pending() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return int64(len(o.queue) + o.inflight)
}

// outputLimitFor returns the limits that apply to c now.
func (n *Node) outputLimitFor(c *client) bufferLimit {
	if !c.everAuthed.Load() && n.ops.requirePass() != "" {
		return bufferLimit{hard: unauthOutputLimit}
	}
	l := n.ops.outputLimits()
	if c.subscribed() {
		return l.pubsub
	}
	return l.normal
}

// overLimitLocked reports whether adding more bytes to c's output breaks
// its output buffer limit: the hard limit at once, the soft limit when it
// stays exceeded for its seconds. c.out.mu is held.
func (n *Node) overLimitLocked(c *client, more int) bool {
	o := &c.out
	l := n.outputLimitFor(c)
	used := int64(len(o.queue) + o.inflight + more)
	if l.hard > 0 && used > l.hard {
		return true
	}
	if l.soft > 0 && used > l.soft {
		now := time.Now()
		if o.softSince.IsZero() {
			o.softSince = now
		} else if now.Sub(o.softSince) > time.Duration(l.seconds)*time.Second {
			return true
		}
	} else {
		o.softSince = time.Time{}
	}
	return false
}

// closeOverLimitLocked closes c for overcoming its output buffer limit,
// as Redis does (and logs). c.out.mu is held.
func (n *Node) closeOverLimitLocked(c *client, more int) {
	o := &c.out
	o.closed = true
	c.killed.Store(true)
	n.ops.stats.outputLimitKills.Add(1)
	n.log.Warn("closing client for overcoming of output buffer limits", "client", c.id, "addr", c.addr,
		"bytes", len(o.queue)+o.inflight+more)
	c.conn.Close()
}

// write sends a pipeline's replies from the connection goroutine. It
// returns false when the client must be closed: an output limit, a
// closed or failed connection.
func (n *Node) write(c *client, b []byte) bool {
	if len(b) == 0 {
		return true
	}
	o := &c.out
	o.mu.Lock()
	switch {
	case o.closed:
		o.mu.Unlock()
		return false
	case n.overLimitLocked(c, len(b)):
		n.closeOverLimitLocked(c, len(b))
		o.mu.Unlock()
		return false
	case o.writing:
		o.queue = append(o.queue, b...)
		o.mu.Unlock()
		return true
	}
	o.writing, o.inflight = true, len(b)
	now := time.Now()
	if o.deadline.Sub(now) < stallWait/2 {
		o.deadline = now.Add(stallWait)
		_ = c.conn.SetWriteDeadline(o.deadline)
	}
	o.mu.Unlock()

	m, err := c.conn.Write(b)
	n.ops.stats.netOut.Add(uint64(m))
	c.lastActive.Store(time.Now().UnixNano())

	o.mu.Lock()
	defer o.mu.Unlock()
	o.inflight = 0
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		o.closed, o.writing = true, false
		return false
	}
	if m == len(b) && len(o.queue) == 0 {
		o.writing = false
		return true
	}
	// The client is slow: queue the rest ahead of what was pushed
	// meanwhile and let a writer goroutine wait for it.
	rest := make([]byte, 0, len(b)-m+len(o.queue))
	o.queue = append(append(rest, b[m:]...), o.queue...)
	n.startDrainLocked(c)
	return true
}

// push queues bytes for c from any goroutine (pub/sub messages from the
// owner) without blocking. It returns false when c is closed or was
// closed now for overcoming its output buffer limit.
func (n *Node) push(c *client, b []byte) bool {
	o := &c.out
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return false
	}
	if n.overLimitLocked(c, len(b)) {
		n.closeOverLimitLocked(c, len(b))
		return false
	}
	o.queue = append(o.queue, b...)
	if !o.writing {
		o.writing = true
		n.startDrainLocked(c)
	}
	return true
}

// startDrainLocked starts the writer goroutine; c.out.mu is held and
// c.out.writing set.
func (n *Node) startDrainLocked(c *client) {
	done := make(chan struct{})
	c.out.drained = done
	go func() {
		defer close(done)
		n.drain(c)
	}()
}

// drain is the writer goroutine of a slow client: it writes the queue
// until it is empty, then ends. It ends too when the connection fails or
// is closed (CLIENT KILL, a limit, the idle timeout, shutdown).
func (n *Node) drain(c *client) {
	o := &c.out
	_ = c.conn.SetWriteDeadline(time.Time{})
	var spare []byte
	for {
		o.mu.Lock()
		if len(o.queue) == 0 || o.closed {
			o.writing, o.deadline = false, time.Time{}
			o.queue = o.queue[:0]
			o.mu.Unlock()
			return
		}
		b := o.queue
		o.queue, o.inflight = spare[:0], len(b)
		o.mu.Unlock()

		m, err := c.conn.Write(b)
		n.ops.stats.netOut.Add(uint64(m))
		c.lastActive.Store(time.Now().UnixNano())

		o.mu.Lock()
		o.inflight = 0
		if err != nil {
			o.closed, o.writing = true, false
			o.queue = nil
			o.mu.Unlock()
			c.conn.Close()
			return
		}
		o.mu.Unlock()
		if cap(b) <= 1<<20 { // keep a modest buffer for the next round
			spare = b[:0]
		} else {
			spare = nil
		}
	}
}

// flushOutput waits until c's queued output is written or the client is
// closed, for QUIT and protocol errors, which close after their reply.
// It gives up after d. The connection goroutine calls it after its own
// write returned, so a writer still writing is the writer goroutine.
func (n *Node) flushOutput(c *client, d time.Duration) {
	c.out.mu.Lock()
	done := c.out.drained
	busy := c.out.writing && !c.out.closed && done != nil
	c.out.mu.Unlock()
	if !busy {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// clientLine formats c as one line of CLIENT LIST, with Redis 7.0's
// fields in Redis's order. Fields the hub has no counterpart for (fd,
// argv-mem, rbs, ...) are reported as a real redis-server reports an idle
// client, so that parsers find every field.
func (n *Node) clientLine(c *client, now time.Time) string {
	c.mu.Lock()
	name, cmd := c.name, c.lastCmd
	c.mu.Unlock()
	if cmd == "" {
		cmd = "NULL"
	}
	flags := ""
	if c.inMulti.Load() {
		flags += "x"
	}
	if c.blocked.Load() {
		flags += "b"
	}
	if c.subscribed() {
		flags += "P"
	}
	if c.noEvict.Load() {
		flags += "e"
	}
	if c.noTouch.Load() {
		flags += "T"
	}
	if flags == "" {
		flags = "N"
	}
	multi := int64(-1)
	if c.inMulti.Load() {
		multi = 0
	}
	qbuf, qcap := c.qbuf.Load(), c.qbufCap.Load()
	omem := c.out.pending()
	events := "r"
	if omem > 0 {
		events = "rw"
	}
	age := int64(now.Sub(c.created) / time.Second)
	idle := int64(now.Sub(time.Unix(0, c.lastActive.Load())) / time.Second)
	var b strings.Builder
	b.Grow(256)
	b.WriteString("id=")
	b.WriteString(strconv.FormatInt(c.id, 10))
	b.WriteString(" addr=" + c.addr + " laddr=" + c.laddr + " fd=")
	b.WriteString(strconv.FormatInt(c.fd, 10))
	b.WriteString(" name=" + name + " age=" + strconv.FormatInt(max(age, 0), 10))
	b.WriteString(" idle=" + strconv.FormatInt(max(idle, 0), 10) + " flags=" + flags)
	b.WriteString(" db=0 sub=" + strconv.FormatInt(c.subs.Load(), 10) + " psub=" + strconv.FormatInt(c.psubs.Load(), 10))
	b.WriteString(" ssub=0 multi=" + strconv.FormatInt(multi, 10))
	b.WriteString(" qbuf=" + strconv.FormatInt(qbuf, 10) + " qbuf-free=" + strconv.FormatInt(max(qcap-qbuf, 0), 10))
	b.WriteString(" argv-mem=0 multi-mem=0 rbs=" + strconv.FormatInt(qcap, 10) + " rbp=" + strconv.FormatInt(qcap, 10))
	b.WriteString(" obl=0 oll=0 omem=" + strconv.FormatInt(omem, 10))
	b.WriteString(" tot-mem=" + strconv.FormatInt(qcap+omem, 10) + " events=" + events + " cmd=" + cmd)
	b.WriteString(" user=default redir=-1 resp=" + strconv.FormatInt(c.respShown.Load(), 10) + "\n")
	return b.String()
}

// clientType is the class CLIENT LIST TYPE and CLIENT KILL TYPE match.
func clientType(c *client) string {
	if c.subscribed() {
		return "pubsub"
	}
	return "normal"
}

// snapshotClients returns the connected clients sorted by id.
func (n *Node) snapshotClients() []*client {
	n.mu.Lock()
	cs := make([]*client, 0, len(n.clients))
	for _, c := range n.clients {
		cs = append(cs, c)
	}
	n.mu.Unlock()
	sortClients(cs)
	return cs
}

func sortClients(cs []*client) {
	for i := 1; i < len(cs); i++ { // insertion sort: lists are short and mostly sorted
		for j := i; j > 0 && cs[j].id < cs[j-1].id; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

// clientHelp is CLIENT HELP's text (redis-server 7.0, the subcommands the
// hub answers).
var clientHelp = []string{
	"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"GETNAME",
	"    Return the name of the current connection.",
	"ID",
	"    Return the ID of the current connection.",
	"INFO",
	"    Return information about the current client connection.",
	"KILL <ip:port>",
	"    Kill connection made from <ip:port>.",
	"KILL <option> <value> [<option> <value> [...]]",
	"    Kill connections. Options are:",
	"    * ADDR (<ip:port>|<unixsocket>:0)",
	"      Kill connections made from the specified address",
	"    * LADDR (<ip:port>|<unixsocket>:0)",
	"      Kill connections made to specified local address",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"      Kill connections by type.",
	"    * USER <username>",
	"      Kill connections authenticated by <username>.",
	"    * SKIPME (YES|NO)",
	"      Skip killing current connection (default: yes).",
	"    * ID <client-id>",
	"      Kill connections by client id.",
	"LIST [options ...]",
	"    Return information about client connections. Options:",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"      Return clients of specified type.",
	"    * ID <client-id> [<client-id> ...]",
	"      Return clients of specified IDs.",
	"REPLY (ON|OFF|SKIP)",
	"    Control the replies sent to the current connection.",
	"SETNAME <name>",
	"    Assign the name <name> to the current connection.",
	"NO-EVICT (ON|OFF)",
	"    Protect current client connection from eviction.",
	"NO-TOUCH (ON|OFF)",
	"    Will not touch LRU/LFU stats when this mode is on.",
	"HELP",
	"    Prints this help.",
}

func helpReply(lines []string) engine.Reply {
	out := make([]engine.Reply, len(lines))
	for i, l := range lines {
		out[i] = simple(l)
	}
	return engine.Reply{Kind: engine.KindArray, Elems: out}
}

// clientCmd answers CLIENT; checkHost has validated the subcommand and
// its arity.
func (n *Node) clientCmd(c *client, args [][]byte) engine.Reply {
	switch strings.ToLower(string(args[1])) {
	case "setname":
		return clientSetName(c, args[2])
	case "getname":
		if name := c.clientName(); name != "" {
			return bulk(name)
		}
		return engine.Reply{Kind: engine.KindNull}
	case "id":
		return integer(c.id)
	case "info":
		return bulk(n.clientLine(c, time.Now()))
	case "list":
		return n.clientList(args[2:])
	case "kill":
		return n.clientKill(c, args[2:])
	case "no-evict", "no-touch":
		on, ok := onOff(args[2])
		if !ok {
			return errR("ERR syntax error")
		}
		if strings.EqualFold(string(args[1]), "no-evict") {
			c.noEvict.Store(on)
		} else {
			c.noTouch.Store(on)
		}
		return simple("OK")
	case "reply":
		switch strings.ToLower(string(args[2])) {
		case "on":
			c.replyOff = false
		case "off":
			c.replyOff = true
		case "skip":
			c.skipNext = true
		default:
			return errR("ERR syntax error")
		}
		return simple("OK")
	case "setinfo":
		return simple("OK")
	case "getredir":
		return integer(-1)
	case "unpause":
		return simple("OK")
	case "help":
		return helpReply(clientHelp)
	}
	return errR("ERR unknown subcommand '" + string(args[1]) + "'. Try CLIENT HELP.")
}

func clientSetName(c *client, name []byte) engine.Reply {
	for _, ch := range name {
		if ch < '!' || ch > '~' {
			return errR("ERR Client names cannot contain spaces, newlines or special characters.")
		}
	}
	c.setName(string(name))
	return simple("OK")
}

func onOff(b []byte) (on, ok bool) {
	switch strings.ToLower(string(b)) {
	case "on":
		return true, true
	case "off":
		return false, true
	}
	return false, false
}

// clientList answers CLIENT LIST [TYPE type] [ID id ...].
func (n *Node) clientList(opts [][]byte) engine.Reply {
	var typ string
	var ids map[int64]bool
	switch {
	case len(opts) == 0:
	case len(opts) == 2 && strings.EqualFold(string(opts[0]), "type"):
		typ = strings.ToLower(string(opts[1]))
		if !validClientType(typ) {
			return errR("ERR Unknown client type '" + string(opts[1]) + "'")
		}
	case len(opts) >= 2 && strings.EqualFold(string(opts[0]), "id"):
		ids = map[int64]bool{}
		for _, o := range opts[1:] {
			id, err := strconv.ParseInt(string(o), 10, 64)
			if err != nil || id <= 0 {
				return errR("ERR Invalid client ID")
			}
			ids[id] = true
		}
	default:
		return errR("ERR syntax error")
	}
	now := time.Now()
	var b strings.Builder
	for _, c := range n.snapshotClients() {
		if typ != "" && clientType(c) != typ || ids != nil && !ids[c.id] {
			continue
		}
		b.WriteString(n.clientLine(c, now))
	}
	return engine.Reply{Kind: engine.KindBulk, Str: []byte(b.String())}
}

func validClientType(t string) bool {
	switch t {
	case "normal", "pubsub", "master", "replica", "slave":
		return true
	}
	return false
}

// killFilter is CLIENT KILL's new-style filter.
type killFilter struct {
	id          int64
	addr, laddr string
	typ, user   string
	skipMe      bool
}

func (f *killFilter) match(c, self *client) bool {
	switch {
	case f.skipMe && c == self,
		f.id != 0 && c.id != f.id,
		f.addr != "" && c.addr != f.addr,
		f.laddr != "" && c.laddr != f.laddr,
		f.typ != "" && clientType(c) != f.typ,
		f.user != "" && f.user != "default":
		return false
	}
	return true
}

// clientKill answers CLIENT KILL addr (old form: OK or an error) and
// CLIENT KILL <filter> <value> ... (new form: the number killed). The
// caller itself is closed after its reply (SKIPME NO).
func (n *Node) clientKill(self *client, opts [][]byte) engine.Reply {
	if len(opts) == 1 {
		for _, c := range n.snapshotClients() {
			if c.addr == string(opts[0]) {
				n.killClient(self, c)
				return simple("OK")
			}
		}
		return errR("ERR No such client")
	}
	f, rep := parseKillFilter(opts)
	if rep.IsError() {
		return rep
	}
	killed := int64(0)
	for _, c := range n.snapshotClients() {
		if f.match(c, self) {
			n.killClient(self, c)
			killed++
		}
	}
	return integer(killed)
}

func parseKillFilter(opts [][]byte) (killFilter, engine.Reply) {
	f := killFilter{skipMe: true}
	if len(opts)%2 != 0 {
		return f, errR("ERR syntax error")
	}
	for i := 0; i < len(opts); i += 2 {
		v := string(opts[i+1])
		switch strings.ToLower(string(opts[i])) {
		case "id":
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				return f, errR("ERR client-id should be greater than 0")
			}
			f.id = id
		case "addr":
			f.addr = v
		case "laddr":
			f.laddr = v
		case "type":
			f.typ = strings.ToLower(v)
			if !validClientType(f.typ) {
				return f, errR("ERR Unknown client type '" + v + "'")
			}
		case "user":
			if v != "default" {
				return f, errR("ERR No such user '" + v + "'")
			}
			f.user = v
		case "skipme":
			switch strings.ToLower(v) {
			case "yes":
				f.skipMe = true
			case "no":
				f.skipMe = false
			default:
				return f, errR("ERR syntax error")
			}
		default:
			return f, errR("ERR syntax error")
		}
	}
	return f, engine.Reply{}
}

// killClient closes c; the calling client is closed only after its reply
// is written.
func (n *Node) killClient(self, c *client) {
	if c == self {
		c.killed.Store(true)
		return
	}
	n.log.Debug("client killed", "client", c.id, "by", self.id)
	c.kill()
}
