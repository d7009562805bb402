package node

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"lattice/shared/engine"
	"lattice/shared/resp"
)

// maxQueryBuffer is Redis's client-query-buffer-limit (1 GiB): a client
// whose unparsed input grows past it is disconnected.
const maxQueryBuffer = 1 << 30

// client is one RESP connection. Its fields belong to the connection's
// goroutine, except while it waits for the owner to answer a request:
// then the owner may run the client's queued connection commands (EXEC of
// a transaction holding PING, CLIENT SETNAME, HELLO ...) through sess.Host.
type client struct {
	id     int64
	conn   net.Conn
	name   string
	proto  int
	authed bool
	sess   *engine.Session // transaction state; used by the owner goroutine
}

func (n *Node) accept(ctx context.Context, ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() == nil {
				n.log.Error("accept", "err", err)
			}
			return
		}
		n.mu.Lock()
		n.nextID++
		c := &client{id: n.nextID, conn: conn, proto: 2, authed: n.cfg.RequirePass == ""}
		c.sess = &engine.Session{Host: connHost{n: n, c: c}}
		n.clients[c.id] = c
		n.mu.Unlock()
		go n.serve(ctx, c)
	}
}

func (n *Node) closeClients() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, c := range n.clients {
		c.conn.Close()
	}
}

// serve reads pipelines from one client and answers each with one write.
func (n *Node) serve(ctx context.Context, c *client) {
	defer func() {
		c.conn.Close()
		n.mu.Lock()
		delete(n.clients, c.id)
		n.mu.Unlock()
	}()
	buf := make([]byte, 0, 16<<10)
	var out []byte
	for {
		if len(buf) == cap(buf) {
			if len(buf) >= maxQueryBuffer {
				n.log.Warn("closing client: query buffer limit", "client", c.id, "bytes", len(buf))
				return
			}
			buf = append(buf, 0)[:len(buf)]
		}
		m, err := c.conn.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err != nil {
			return
		}
		var cmds [][][]byte
		consumed := 0
		var perr error
		for {
			lim := resp.Limits{Unauthenticated: !c.authed}
			args, k, err := resp.Parse(buf[consumed:], lim)
			if errors.Is(err, resp.ErrIncomplete) {
				break
			}
			if err != nil {
				perr = err
				break
			}
			consumed += k
			if len(args) > 0 {
				cmds = append(cmds, args)
			}
		}
		out, quit := n.pipeline(ctx, c, cmds, out[:0])
		if perr != nil {
			var pe *resp.ProtocolError
			msg := "ERR Protocol error"
			if errors.As(perr, &pe) {
				msg = pe.Reply
			}
			out = resp.AppendError(out, msg)
			quit = true
		}
		if len(out) > 0 {
			if _, err := c.conn.Write(out); err != nil {
				return
			}
		}
		if quit {
			return
		}
		buf = append(buf[:0], buf[consumed:]...)
	}
}

// pipeline answers the commands of one read, in order. Connection
// commands are answered here; everything else, and every command of a
// transaction, goes to the owner goroutine in as few requests as the
// order allows: one per pipeline unless a connection command follows a
// command that may enter or leave MULTI (the session must be settled to
// know whether to queue it). Each reply is written in the protocol the
// client spoke when it sent the command.
func (n *Node) pipeline(ctx context.Context, c *client, cmds [][][]byte, out []byte) ([]byte, bool) {
	p := pipe{n: n, ctx: ctx, c: c, replies: make([]engine.Reply, len(cmds)), protos: make([]int, len(cmds))}
	quit := false
	for i, args := range cmds {
		p.protos[i] = c.proto
		name := strings.ToLower(string(args[0]))
		switch {
		case !c.authed && name != "auth" && name != "hello" && name != "quit":
			p.replies[i] = errR("NOAUTH Authentication required.")
			continue
		case name == "quit":
			p.replies[i], quit = simple("OK"), true
		case name == "reset" && len(args) == 1:
			p.flush()
			p.replies[i] = n.reset(c, args)
			p.protos[i] = c.proto
			continue
		case isConnCommand(name):
			if p.settling {
				p.flush()
			}
			if !c.sess.InMulti() {
				p.replies[i] = n.connCommand(c, args)
				continue
			}
		}
		if quit {
			cmds = cmds[:i+1]
			break
		}
		p.add(i, args, name)
	}
	p.flush()
	for i := range cmds {
		out = engine.AppendReply(out, p.replies[i], p.protos[i])
	}
	return out, quit
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

func simple(s string) engine.Reply { return engine.Reply{Kind: engine.KindSimple, Str: []byte(s)} }
func errR(s string) engine.Reply   { return engine.Reply{Kind: engine.KindError, Str: []byte(s)} }
func bulk(s string) engine.Reply   { return engine.Reply{Kind: engine.KindBulk, Str: []byte(s)} }

func arityErr(name string) engine.Reply {
	return errR("ERR wrong number of arguments for '" + name + "' command")
}

// connArity is the Redis arity of the commands the hub answers itself
// (positive: exact; negative: at least). QUIT and a well-formed RESET are
// answered before routing and never queued, as in Redis; RESET is listed
// for its arity error, which inside MULTI aborts the transaction.
var connArity = map[string]int{
	"ping": -1, "echo": 2, "select": 2, "auth": -2, "hello": -1, "client": -2, "command": -1, "info": -1,
	"reset": 1,
}

func isConnCommand(name string) bool { _, ok := connArity[name]; return ok }

// checkConn validates a connection command as Redis does before running
// or queueing it: arity, and CLIENT's subcommand and its arity. It returns
// an error reply, or a zero Reply when the command is valid.
func checkConn(args [][]byte) engine.Reply {
	name := strings.ToLower(string(args[0]))
	ar := connArity[name]
	if ar >= 0 && len(args) != ar || ar < 0 && len(args) < -ar {
		return arityErr(name)
	}
	if name != "client" {
		return engine.Reply{}
	}
	sub := strings.ToLower(string(args[1]))
	subArity := map[string]int{"setname": 3, "getname": 2, "id": 2, "setinfo": -4}
	ar, ok := subArity[sub]
	switch {
	case !ok:
		return errR(fmt.Sprintf("ERR unknown subcommand '%s'. Try CLIENT HELP.", args[1]))
	case ar >= 0 && len(args) != ar || ar < 0 && len(args) < -ar:
		return arityErr("client|" + sub)
	}
	return engine.Reply{}
}

// connHost lets a transaction queue the hub's connection commands and
// EXEC run them (engine.Host). Run is called on the owner goroutine while
// the client's goroutine waits for the EXEC reply.
type connHost struct {
	n *Node
	c *client
}

func (h connHost) Check(args [][]byte) (engine.Reply, bool) {
	if !isConnCommand(strings.ToLower(string(args[0]))) {
		return engine.Reply{}, false
	}
	return checkConn(args), true
}

func (h connHost) Run(args [][]byte) engine.Reply { return h.n.connCommand(h.c, args) }

// connCommand runs a command that concerns the connection rather than the
// keyspace (isConnCommand).
func (n *Node) connCommand(c *client, args [][]byte) engine.Reply {
	if r := checkConn(args); r.IsError() {
		return r
	}
	switch strings.ToLower(string(args[0])) {
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
		if string(args[1]) != "0" {
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
	case "info":
		return bulk(n.info())
	case "reset":
		return n.reset(c, args) // queued only with an arity error: unreachable
	}
	return errR("ERR internal error") // unreachable: isConnCommand
}

// reset is RESET: the connection returns to its state after connecting.
// The caller has flushed the pipeline, so the session is idle.
func (n *Node) reset(c *client, args [][]byte) engine.Reply {
	if len(args) != 1 {
		return arityErr("reset")
	}
	c.sess.Reset()
	c.proto, c.name, c.authed = 2, "", n.cfg.RequirePass == ""
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
		return errR("ERR wrong number of arguments for 'auth' command")
	}
	if n.cfg.RequirePass == "" {
		return errR("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
	}
	if subtle.ConstantTimeCompare(pass, []byte(n.cfg.RequirePass)) != 1 {
		return errR("WRONGPASS invalid username-password pair or user is disabled.")
	}
	c.authed = true
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
			c.name = string(args[i+1])
			i++
		default:
			return errR("ERR Syntax error in HELLO option '" + string(args[i]) + "'")
		}
	}
	if !c.authed {
		return errR("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
	}
	c.proto = proto
	kv := []engine.Reply{
		bulk("server"), bulk("redis"), bulk("version"), bulk("7.0.15"),
		bulk("proto"), {Kind: engine.KindInt, Int: int64(proto)}, bulk("id"), {Kind: engine.KindInt, Int: c.id},
		bulk("mode"), bulk("standalone"), bulk("role"), bulk("master"), bulk("modules"), {Kind: engine.KindArray},
	}
	return engine.Reply{Kind: engine.KindMap, Elems: kv}
}

func (n *Node) clientCmd(c *client, args [][]byte) engine.Reply {
	switch strings.ToLower(string(args[1])) {
	case "setname":
		c.name = string(args[2])
		return simple("OK")
	case "getname":
		if c.name == "" {
			return engine.Reply{Kind: engine.KindNull}
		}
		return bulk(c.name)
	case "id":
		return engine.Reply{Kind: engine.KindInt, Int: c.id}
	case "setinfo":
		return simple("OK")
	}
	return errR(fmt.Sprintf("ERR unknown subcommand '%s'. Try CLIENT HELP.", args[1]))
}

func (n *Node) commandCmd(args [][]byte) engine.Reply {
	cmds := engine.Commands()
	if len(args) >= 2 && strings.EqualFold(string(args[1]), "count") {
		return engine.Reply{Kind: engine.KindInt, Int: int64(len(cmds))}
	}
	if len(args) >= 2 && strings.EqualFold(string(args[1]), "docs") {
		return engine.Reply{Kind: engine.KindMap}
	}
	out := make([]engine.Reply, 0, len(cmds))
	for _, ci := range cmds {
		var flags []engine.Reply
		if ci.Write {
			flags = append(flags, simple("write"))
		}
		if ci.Readonly {
			flags = append(flags, simple("readonly"))
		}
		if ci.Fast {
			flags = append(flags, simple("fast"))
		}
		out = append(out, engine.Reply{Kind: engine.KindArray, Elems: []engine.Reply{
			bulk(ci.Name), {Kind: engine.KindInt, Int: int64(ci.Arity)}, {Kind: engine.KindSet, Elems: flags},
			{Kind: engine.KindInt, Int: int64(ci.FirstKey)}, {Kind: engine.KindInt, Int: int64(ci.LastKey)},
			{Kind: engine.KindInt, Int: int64(ci.Step)},
		}})
	}
	return engine.Reply{Kind: engine.KindArray, Elems: out}
}

func (n *Node) info() string {
	n.mu.Lock()
	clients := len(n.clients)
	n.mu.Unlock()
	return fmt.Sprintf("# Server\r\nredis_version:7.0.15\r\nlattice_hub:%s\r\nredis_mode:standalone\r\ntcp_port:%d\r\n\r\n# Clients\r\nconnected_clients:%d\r\n\r\n# Crdt\r\ncrdt_replica_id:%s\r\ncrdt_persistence:none\r\n",
		n.name, n.respAddr.(*net.TCPAddr).Port, clients, n.replica.ID())
}
