package node

import (
	"context"
	"crypto/subtle"
	"errors"
	"math"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"lattice/shared/engine"
	"lattice/shared/resp"
)

// readBufferSize is a new connection's query buffer. It grows (doubling)
// only for a command that does not fit, up to client-query-buffer-limit,
// and shrinks back once the big command is consumed.
const readBufferSize = 16 << 10

// closeGrace bounds how long a client that is closed after its reply
// (QUIT, a protocol error, CLIENT KILL of itself) may take to read it.
const closeGrace = 5 * time.Second

// accept serves the RESP listener until it is closed, then waits for the
// connections' goroutines, which end when Run closes the clients.
func (n *Node) accept(ctx context.Context, ln net.Listener) {
	stop := n.startCron(ctx)
	defer stop()
	var conns sync.WaitGroup
	defer conns.Wait()
	backoff := time.Duration(0)
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors, or a connection reset before
			// accept: keep serving, as net/http does.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			n.log.Error("accept", "err", err, "retry_in", backoff)
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return
			}
			continue
		}
		backoff = 0
		n.ops.stats.connections.Add(1)
		now := time.Now()
		c := &client{conn: conn, proto: 2, authed: n.ops.requirePass() == "", created: now,
			addr: conn.RemoteAddr().String(), laddr: conn.LocalAddr().String(), fd: socketFD(conn)}
		c.everAuthed.Store(c.authed)
		c.respShown.Store(2)
		c.lastActive.Store(now.UnixNano())
		c.qbufCap.Store(readBufferSize)
		c.sess = &engine.Session{Host: connHost{n: n, c: c}}
		n.mu.Lock()
		if int64(len(n.clients)) >= n.ops.maxClients.Load() {
			n.mu.Unlock()
			n.ops.stats.rejected.Add(1)
			n.log.Warn("rejecting client: max number of clients reached", "addr", c.addr)
			_ = conn.SetWriteDeadline(now.Add(time.Second))
			_, _ = conn.Write([]byte("-ERR max number of clients reached\r\n"))
			conn.Close()
			continue
		}
		n.nextID++
		c.id = n.nextID
		n.clients[c.id] = c
		n.mu.Unlock()
		conns.Add(1)
		go func() { defer conns.Done(); n.serve(ctx, c) }()
	}
}

// socketFD returns the connection's file descriptor, or -1.
func socketFD(conn net.Conn) int64 {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return -1
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := int64(-1)
	_ = rc.Control(func(f uintptr) { fd = int64(f) })
	return fd
}

func (n *Node) closeClients() {
	for _, c := range n.snapshotClients() {
		c.kill()
	}
}

// serve reads pipelines from one client and answers each with one write.
// It ends when the client quits, breaks the protocol or a limit, is
// killed, stays idle past the timeout, or the node stops.
func (n *Node) serve(ctx context.Context, c *client) {
	defer func() {
		c.kill()
		n.mu.Lock()
		delete(n.clients, c.id)
		n.mu.Unlock()
		n.clientGone(c) // subscriptions (events.go)
	}()
	buf := make([]byte, 0, readBufferSize)
	var out []byte
	var readDeadline time.Time
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) >= n.ops.maxQuery.Load() {
				n.ops.stats.queryLimitKills.Add(1)
				n.log.Warn("closing client that reached max query buffer length", "client", c.id, "addr", c.addr,
					"bytes", len(buf))
				return
			}
			buf = append(buf, 0)[:len(buf)]
			c.qbufCap.Store(int64(cap(buf)))
		}
		readDeadline = n.setIdleDeadline(c, readDeadline)
		m, err := c.conn.Read(buf[len(buf):cap(buf)])
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) && !c.killed.Load() {
				readDeadline = time.Time{}
				if !n.idleTooLong(c) {
					continue
				}
			}
			return
		}
		buf = buf[:len(buf)+m]
		c.lastActive.Store(time.Now().UnixNano())
		n.ops.stats.netIn.Add(uint64(m))
		n.ops.stats.reads.Add(1)
		var ok bool
		if buf, out, ok = n.process(ctx, c, buf, out); !ok {
			return
		}
	}
}

// process answers the complete commands in buf and returns what is left
// of buf, and false when the client must be closed. An unauthenticated
// client's commands are parsed one at a time, so that the commands after
// a successful AUTH are parsed under the authenticated limits, as Redis
// does.
func (n *Node) process(ctx context.Context, c *client, buf, out []byte) ([]byte, []byte, bool) {
	for {
		cmds, consumed, perr := n.parse(c, buf)
		if len(cmds) == 0 && perr == nil {
			return n.compact(c, buf, consumed), out, true
		}
		var quit bool
		out, quit = n.pipeline(ctx, c, cmds, out[:0])
		if perr != nil {
			out = n.protocolError(c, out, perr)
			quit = true
		}
		if !n.write(c, out) {
			return buf, out, false
		}
		if quit || c.killed.Load() {
			n.flushOutput(c, closeGrace)
			return buf, out, false
		}
		if cap(out) > 1<<20 {
			out = nil // a big reply: do not keep its buffer
		}
		buf = n.compact(c, buf, consumed)
	}
}

// parse splits buf into the commands it holds completely, under the
// client's limits. It returns the bytes consumed and, when buf holds a
// malformed or over-limit command, the protocol error to answer after the
// commands before it.
func (n *Node) parse(c *client, buf []byte) (cmds [][][]byte, consumed int, perr error) {
	if c.authed && !c.scan.mayBeComplete(buf, n.ops.maxBulk.Load()) {
		return nil, 0, nil
	}
	for {
		args, k, err := resp.Parse(buf[consumed:], n.ops.respLimits(c.authed))
		if errors.Is(err, resp.ErrIncomplete) {
			return cmds, consumed, nil
		}
		if err != nil {
			return cmds, consumed, err
		}
		consumed += k
		if len(args) > 0 {
			cmds = append(cmds, args)
		}
		if !c.authed && len(cmds) > 0 {
			// Before AUTH, parse one command at a time: after it, the
			// next commands may be parsed under the authenticated limits.
			return cmds, consumed, nil
		}
	}
}

// frameScan remembers how much of an incomplete multibulk frame at the
// front of the query buffer is known to be complete arguments, so that a
// frame arriving over many reads is scanned once in all, not once per read
// (resp.Parse keeps no state: a frame of a million small arguments would
// otherwise cost a million steps per read). It never decides: it only
// says "certainly incomplete", and leaves every other case, errors
// included, to resp.Parse.
type frameScan struct {
	pos  int   // bytes known to be the header and complete arguments
	left int64 // arguments after pos; 0: no frame scanned yet
}

// mayBeComplete reports false only when buf starts with a well-formed,
// within-limits multibulk frame that is not yet complete.
func (f *frameScan) mayBeComplete(buf []byte, maxBulk int64) bool {
	if len(buf) == 0 || buf[0] != '*' {
		*f = frameScan{}
		return true
	}
	if f.left == 0 {
		n, next, ok := scanCount(buf, 0)
		if !ok || n <= 0 || n > resp.DefaultMaxArgs {
			return ok // a malformed or empty frame is Parse's to answer
		}
		f.pos, f.left = next, n
	}
	for f.left > 0 {
		if f.pos >= len(buf) {
			return false
		}
		if buf[f.pos] != '$' {
			return true
		}
		l, next, ok := scanCount(buf, f.pos)
		if !ok || l < 0 || l > maxBulk {
			return ok
		}
		if int64(len(buf)-next) < l+2 {
			return false
		}
		f.pos, f.left = next+int(l)+2, f.left-1
	}
	return true
}

// scanCount reads the "*N\r\n" or "$N\r\n" line at buf[at:]. ok is
// false when the line is incomplete; a line that is not plain digits, or
// too long, returns ok with n = -1, for Parse to reject.
func scanCount(buf []byte, at int) (n int64, next int, ok bool) {
	for i := at + 1; i < len(buf); i++ {
		c := buf[i]
		if c == '\r' {
			if i+1 >= len(buf) {
				return 0, 0, false
			}
			if i == at+1 || i-at-1 > 18 {
				return -1, 0, true
			}
			return n, i + 2, true
		}
		if c < '0' || c > '9' || i-at > 20 {
			return -1, 0, true
		}
		n = n*10 + int64(c-'0')
	}
	return 0, 0, false
}

// compact drops the consumed bytes, and gives back a big buffer once the
// command that needed it is consumed.
func (n *Node) compact(c *client, buf []byte, consumed int) []byte {
	if consumed > 0 {
		c.scan = frameScan{} // the frame it scanned moves or is gone
	}
	rest := buf[consumed:]
	if cap(buf) > 4*readBufferSize && len(rest) <= readBufferSize {
		buf = make([]byte, 0, readBufferSize)
		c.qbufCap.Store(readBufferSize)
	}
	buf = append(buf[:0], rest...)
	c.qbuf.Store(int64(len(buf)))
	return buf
}

// protocolError appends the reply Redis sends before it closes a client
// that broke the protocol, and logs it.
func (n *Node) protocolError(c *client, out []byte, perr error) []byte {
	n.ops.stats.protocolErrors.Add(1)
	var pe *resp.ProtocolError
	msg := "ERR Protocol error"
	if errors.As(perr, &pe) {
		msg = pe.Reply
	}
	n.log.Debug("protocol error from client", "client", c.id, "addr", c.addr, "err", perr)
	return resp.AppendError(out, msg)
}

// setIdleDeadline keeps the read deadline at the client's idle limit
// (timeout seconds after its last read or write), resetting it at most
// once a second. It returns the deadline now set.
func (n *Node) setIdleDeadline(c *client, set time.Time) time.Time {
	t := time.Duration(n.ops.timeout.Load()) * time.Second
	if t <= 0 {
		if !set.IsZero() {
			_ = c.conn.SetReadDeadline(time.Time{})
		}
		return time.Time{}
	}
	want := time.Unix(0, c.lastActive.Load()).Add(t)
	if d := want.Sub(set); set.IsZero() || d >= time.Second || d <= -time.Second {
		_ = c.conn.SetReadDeadline(want)
		return want
	}
	return set
}

// idleTooLong reports whether c has been idle past the timeout (and is
// not exempt, as subscribed clients are); it then counts and logs it.
func (n *Node) idleTooLong(c *client) bool {
	t := time.Duration(n.ops.timeout.Load()) * time.Second
	if t <= 0 || c.subscribed() || time.Since(time.Unix(0, c.lastActive.Load())) < t {
		return false
	}
	n.ops.stats.idleTimeoutCloses.Add(1)
	n.log.Debug("closing idle client", "client", c.id, "addr", c.addr)
	return true
}

// pipeline answers the commands of one read, in order. Connection
// commands are answered here; everything else, and every command of a
// transaction, goes to the owner goroutine in as few requests as the
// order allows: one per pipeline unless a connection command follows a
// command that may enter or leave MULTI (the session must be settled to
// know whether to queue it). Each reply is written in the protocol the
// client spoke when it sent the command (protos 0: no reply, CLIENT
// REPLY OFF or SKIP).
func (n *Node) pipeline(ctx context.Context, c *client, cmds [][][]byte, out []byte) ([]byte, bool) {
	p := pipe{n: n, ctx: ctx, c: c, replies: make([]engine.Reply, len(cmds)), protos: make([]int, len(cmds))}
	quit := false
	last := ""
	for i, args := range cmds {
		name, idx := lookupCommand(args[0])
		n.countCommand(idx)
		last = name
		suppress := c.replyOff || c.skipNext
		c.skipNext = false
		p.protos[i] = c.proto
		switch {
		case !c.authed && name != "auth" && name != "hello" && name != "quit":
			p.replies[i] = errR("NOAUTH Authentication required.")
		case name == "quit":
			p.replies[i], quit = simple("OK"), true
		case name == "reset" && len(args) == 1:
			p.flush()
			p.replies[i] = n.reset(c, args)
			p.protos[i] = c.proto
		case n.pubsubPipeline(&p, i, name, args): // pub/sub, subscribed mode (pubsub.go)
		case hostCommands[name].isHost() && p.flushSettled():
			last = cmdLabel(name, args)
			c.setLastCmd(last) // CLIENT LIST and INFO show themselves
			p.replies[i] = n.hostCommand(ctx, c, args)
			p.protos[i] = c.proto // HELLO answers in the protocol it selects
			switch {
			case name == "client" && len(args) == 3 && strings.EqualFold(string(args[1]), "reply"):
				suppress = !p.replies[i].IsError() && !strings.EqualFold(string(args[2]), "on")
			case name == "shutdown" && !p.replies[i].IsError():
				suppress, quit = true, true // Redis closes the connection without a reply
			}
		default:
			p.add(i, args, name)
		}
		if suppress {
			p.protos[i] = 0
		}
		if quit {
			cmds = cmds[:i+1]
			break
		}
	}
	p.flush()
	c.inMulti.Store(c.sess.InMulti())
	if last != "" {
		c.setLastCmd(last)
	}
	return n.encode(c, out, p.replies[:len(cmds)], p.protos), quit
}

// encode appends the replies to out, counting error replies, and stops
// early when out outgrows the client's output buffer limit (write then
// closes the client).
func (n *Node) encode(c *client, out []byte, replies []engine.Reply, protos []int) []byte {
	hard := n.outputLimitFor(c).hard
	for i, r := range replies {
		if r.Kind == engine.KindError {
			n.ops.countError(r.Str)
		}
		if protos[i] == 0 {
			continue
		}
		out = engine.AppendReply(out, r, protos[i])
		if hard > 0 && int64(len(out)) > hard {
			break
		}
	}
	return out
}

// pipe collects the commands of a pipeline bound for the owner.
type pipe struct {
	n        *Node
	ctx      context.Context
	c        *client
	replies  []engine.Reply
	protos   []int
	batch    [][][]byte
	slots    []int
	settling bool // the batch holds MULTI, EXEC or DISCARD
}

func (p *pipe) add(i int, args [][]byte, name string) {
	p.batch = append(p.batch, args)
	p.slots = append(p.slots, i)
	if name == "multi" || name == "exec" || name == "discard" {
		p.settling = true
	}
}

// flushSettled runs a batch that may enter or leave MULTI, so that the
// session says whether the next connection command is queued; it reports
// whether that command runs now (the session is not inside MULTI).
func (p *pipe) flushSettled() bool {
	if p.settling {
		p.flush()
	}
	return !p.c.sess.InMulti()
}

// flush sends the batch to the owner and waits for its replies.
func (p *pipe) flush() {
	if len(p.batch) == 0 {
		return
	}
	got := p.n.call(p.ctx, p.c.sess, p.batch)
	for j, i := range p.slots {
		if j < len(got) {
			p.replies[i] = got[j]
		} else {
			p.replies[i] = errR("ERR server shutting down")
		}
	}
	p.batch, p.slots, p.settling = nil, nil, false
}

// call hands a batch to the owner and waits for its replies. The session
// is the owner's until the replies arrive.
func (n *Node) call(ctx context.Context, sess *engine.Session, cmds [][][]byte) []engine.Reply {
	req := request{cmds: cmds, sess: sess, done: make(chan []engine.Reply, 1)}
	select {
	case n.reqs <- req:
	case <-ctx.Done():
		return nil
	}
	select {
	case r := <-req.done:
		return r
	case <-ctx.Done():
		return nil
	}
}

// probeHost runs a function on the owner goroutine: the probe command
// below is no engine command, so the replica hands it to the session's
// Host, on the goroutine that runs the replica.
type probeHost struct{ fn func() }

func (h probeHost) Check([][]byte) (engine.Reply, bool) { return engine.Reply{}, true }
func (h probeHost) Run([][]byte) engine.Reply           { h.fn(); return simple("OK") }

var probeCommand = [][][]byte{{[]byte("\x00probe")}}

// onOwner runs fn on the owner goroutine, where it may read the replica,
// and returns once it has run; false if the node stopped first.
func (n *Node) onOwner(ctx context.Context, fn func()) bool {
	return n.call(ctx, &engine.Session{Host: probeHost{fn: fn}}, probeCommand) != nil
}

func simple(s string) engine.Reply { return engine.Reply{Kind: engine.KindSimple, Str: []byte(s)} }
func errR(s string) engine.Reply   { return engine.Reply{Kind: engine.KindError, Str: []byte(s)} }
func bulk(s string) engine.Reply   { return engine.Reply{Kind: engine.KindBulk, Str: []byte(s)} }
func integer(i int64) engine.Reply { return engine.Reply{Kind: engine.KindInt, Int: i} }
func arityErr(name string) engine.Reply {
	return errR("ERR wrong number of arguments for '" + name + "' command")
}

// connHost lets a transaction queue the hub's own commands and EXEC run
// them (engine.Host). Run is called on the owner goroutine while the
// client's goroutine waits for the EXEC reply.
type connHost struct {
	n *Node
	c *client
}

func (h connHost) Check(args [][]byte) (engine.Reply, bool) {
	name, _ := lookupCommand(args[0])
	if r, ok := hubCheck(name, args); ok { // pub/sub and blocking commands (block.go)
		return r, true
	}
	if !hostCommands[name].isHost() {
		return engine.Reply{}, false
	}
	return checkHost(name, args, h.c.sess.InMulti()), true
}

func (h connHost) Run(args [][]byte) engine.Reply {
	if r, ok := h.n.hubRun(h.c, args); ok { // pub/sub and blocking commands (block.go)
		return r
	}
	return h.n.hostCommand(nil, h.c, args)
}

// hostCommand runs a command the hub answers itself (hostCommands). ctx
// is nil when it runs on the owner goroutine (inside EXEC); then it reads
// the replica directly instead of asking the owner.
func (n *Node) hostCommand(ctx context.Context, c *client, args [][]byte) engine.Reply {
	name, _ := lookupCommand(args[0])
	if r := checkHost(name, args, false); r.IsError() {
		return r
	}
	switch name {
	case "ping":
		switch len(args) {
		case 1:
			return simple("PONG")
		case 2:
			return engine.Reply{Kind: engine.KindBulk, Str: args[1]}
		}
		return arityErr("ping")
	case "echo":
		return engine.Reply{Kind: engine.KindBulk, Str: args[1]}
	case "select":
		db, err := strconv.ParseInt(string(args[1]), 10, 64)
		switch {
		case err != nil:
			return errR("ERR value is not an integer or out of range")
		case db < math.MinInt32 || db > math.MaxInt32:
			return errR("ERR value is out of range, value must between -2147483648 and 2147483647")
		case db != 0: // the hub has one database (CONFIG GET databases: 1)
			return errR("ERR DB index is out of range")
		}
		return simple("OK")
	case "auth":
		return n.auth(c, args)
	case "hello":
		return n.hello(c, args)
	case "client":
		return n.clientCmd(c, args)
	case "command":
		return n.commandCmd(args)
	case "config":
		return n.configCmd(args)
	case "info":
		return bulk(n.info(ctx, args[1:]))
	case "time":
		now := n.now()
		return engine.Reply{Kind: engine.KindArray, Elems: []engine.Reply{
			bulk(strconv.FormatInt(now.Unix(), 10)), bulk(strconv.FormatInt(int64(now.Nanosecond()/1000), 10))}}
	case "lastsave", "save", "bgsave", "bgrewriteaof":
		return n.persistReply(ctx, args)
	case "shutdown":
		return n.shutdown(c, args)
	case "monitor":
		return errR("ERR MONITOR is not supported by this server")
	case "crdt.forget":
		if !n.mesh.Forget(string(args[1])) {
			return errR("ERR no configured peer named " + strconv.Quote(string(args[1])))
		}
		return simple("OK")
	case "reset":
		return n.reset(c, args) // queued only with an arity error: unreachable
	}
	return errR("ERR internal error") // unreachable: hostCommands
}

// persistReply answers SAVE, BGSAVE and LASTSAVE through the store, which
// runs them on a connection goroutine. Inside EXEC (on the owner) only
// LASTSAVE is answered, from the persistence INFO fields.
func (n *Node) persistReply(ctx context.Context, args [][]byte) engine.Reply {
	if ctx == nil {
		if strings.EqualFold(string(args[0]), "lastsave") {
			for _, kv := range n.persistenceInfo() {
				if kv[0] == "rdb_last_save_time" {
					if v, err := strconv.ParseInt(kv[1], 10, 64); err == nil {
						return integer(v)
					}
				}
			}
			return integer(n.started.Unix())
		}
		return errR("ERR Command not allowed inside a transaction")
	}
	if r, ok := n.persistCommand(args); ok {
		return r
	}
	if strings.EqualFold(string(args[0]), "lastsave") {
		return integer(n.started.Unix())
	}
	return errR("ERR persistence is not available")
}

// shutdown answers SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: it stops
// the node gracefully, as SIGTERM does (the store flushes and snapshots
// on the way out; with NOSAVE it only flushes: the log holds everything,
// so the next start replays it instead of loading one snapshot). On success the client gets no reply; the connection
// closes.
func (n *Node) shutdown(c *client, args [][]byte) engine.Reply {
	abort, nosave := false, false
	for _, a := range args[1:] {
		switch strings.ToLower(string(a)) {
		case "nosave":
			nosave = true
		case "save", "now", "force":
		case "abort":
			abort = true
		default:
			return errR("ERR syntax error")
		}
	}
	switch {
	case abort && len(args) > 2:
		return errR("ERR syntax error")
	case abort:
		return errR("ERR No shutdown in progress.")
	}
	if n.ops.stop == nil {
		return errR("ERR Errors trying to SHUTDOWN. Check logs.")
	}
	n.log.Info("user requested shutdown", "client", c.id, "addr", c.addr, "nosave", nosave)
	n.ops.noSave.Store(nosave)
	n.ops.stop()
	return simple("OK")
}

// reset is RESET: the connection returns to its state after connecting.
// The caller has flushed the pipeline, so the session is idle.
func (n *Node) reset(c *client, args [][]byte) engine.Reply {
	if len(args) != 1 {
		return arityErr("reset")
	}
	c.sess.Reset()
	n.pubsubDrop(c)
	c.proto, c.authed = 2, n.ops.requirePass() == ""
	c.respShown.Store(2)
	c.replyOff, c.skipNext = false, false
	c.noEvict.Store(false)
	c.noTouch.Store(false)
	c.setName("")
	return simple("RESET")
}

func (n *Node) auth(c *client, args [][]byte) engine.Reply {
	var pass []byte
	switch len(args) {
	case 2:
		pass = args[1]
	case 3:
		if string(args[1]) != "default" {
			return errR("WRONGPASS invalid username-password pair or user is disabled.")
		}
		pass = args[2]
	default:
		return errR("ERR syntax error")
	}
	want := n.ops.requirePass()
	if want == "" {
		return errR("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
	}
	if subtle.ConstantTimeCompare(pass, []byte(want)) != 1 {
		return errR("WRONGPASS invalid username-password pair or user is disabled.")
	}
	c.authed = true
	c.everAuthed.Store(true)
	return simple("OK")
}

func (n *Node) hello(c *client, args [][]byte) engine.Reply {
	proto := c.proto
	i := 1
	if len(args) > 1 {
		v, err := strconv.Atoi(string(args[1]))
		if err != nil {
			return errR("ERR Protocol version is not an integer or out of range")
		}
		if v != 2 && v != 3 {
			return errR("NOPROTO unsupported protocol version")
		}
		proto, i = v, 2
	}
	for ; i < len(args); i++ {
		switch strings.ToLower(string(args[i])) {
		case "auth":
			if i+2 >= len(args) {
				return errR("ERR Syntax error in HELLO option 'auth'")
			}
			if r := n.auth(c, [][]byte{args[0], args[i+1], args[i+2]}); r.IsError() {
				return r
			}
			i += 2
		case "setname":
			if i+1 >= len(args) {
				return errR("ERR Syntax error in HELLO option 'setname'")
			}
			if r := clientSetName(c, args[i+1]); r.IsError() {
				return r
			}
			i++
		default:
			return errR("ERR Syntax error in HELLO option '" + string(args[i]) + "'")
		}
	}
	if !c.authed {
		return errR("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
	}
	c.proto = proto
	c.respShown.Store(int64(proto))
	kv := []engine.Reply{
		bulk("server"), bulk("redis"), bulk("version"), bulk("7.0.15"),
		bulk("proto"), integer(int64(proto)), bulk("id"), integer(c.id),
		bulk("mode"), bulk("standalone"), bulk("role"), bulk("master"), bulk("modules"), {Kind: engine.KindArray},
	}
	return engine.Reply{Kind: engine.KindMap, Elems: kv}
}
