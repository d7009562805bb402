package node

import (
	"bytes"
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

// client is one RESP connection.
type client struct {
	id     int64
	conn   net.Conn
	name   string
	proto  int
	authed bool
	multi  [][][]byte // queued commands; nil when not in MULTI
	inMult bool
	dirty  bool // a queued command was rejected: EXEC aborts
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

// pipeline answers the commands of one read: connection commands here,
// data commands in one request to the owner goroutine, replies in order.
func (n *Node) pipeline(ctx context.Context, c *client, cmds [][][]byte, out []byte) ([]byte, bool) {
	replies := make([]engine.Reply, len(cmds))
	local := make([]bool, len(cmds))
	var batch [][][]byte
	var slots []int
	quit := false
	for i, args := range cmds {
		r, handled, q := n.connCommand(ctx, c, args)
		if handled {
			replies[i], local[i] = r, true
			if q {
				quit = true
				cmds = cmds[:i+1]
				break
			}
			continue
		}
		batch = append(batch, args)
		slots = append(slots, i)
	}
	if len(batch) > 0 {
		got := n.call(ctx, batch, false)
		for j, i := range slots {
			if j < len(got) {
				replies[i] = got[j]
			}
		}
	}
	for i := range cmds {
		out = engine.AppendReply(out, replies[i], c.proto)
	}
	return out, quit
}

// call hands a batch to the owner and waits for its replies.
func (n *Node) call(ctx context.Context, cmds [][][]byte, atomic bool) []engine.Reply {
	req := request{cmds: cmds, atomic: atomic, done: make(chan []engine.Reply, 1)}
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

// connCommand handles commands that concern the connection rather than the
// keyspace. handled is false for everything the engine runs.
func (n *Node) connCommand(ctx context.Context, c *client, args [][]byte) (r engine.Reply, handled, quit bool) {
	name := strings.ToLower(string(args[0]))
	if !c.authed && name != "auth" && name != "hello" && name != "quit" {
		return errR("NOAUTH Authentication required."), true, false
	}
	if c.inMult {
		switch name {
		case "exec", "discard", "multi", "watch", "quit", "reset":
		default:
			if rep, ok := n.replica.Check(args); !ok {
				c.dirty = true
				return rep, true, false
			}
			c.multi = append(c.multi, cloneArgs(args))
			return simple("QUEUED"), true, false
		}
	}
	switch name {
	case "ping":
		switch len(args) {
		case 1:
			return simple("PONG"), true, false
		case 2:
			return engine.Reply{Kind: engine.KindBulk, Str: args[1]}, true, false
		}
		return errR("ERR wrong number of arguments for 'ping' command"), true, false
	case "echo":
		if len(args) != 2 {
			return errR("ERR wrong number of arguments for 'echo' command"), true, false
		}
		return engine.Reply{Kind: engine.KindBulk, Str: args[1]}, true, false
	case "quit":
		return simple("OK"), true, true
	case "select":
		if len(args) != 2 {
			return errR("ERR wrong number of arguments for 'select' command"), true, false
		}
		if string(args[1]) != "0" {
			return errR("ERR DB index is out of range"), true, false
		}
		return simple("OK"), true, false
	case "auth":
		return n.auth(c, args), true, false
	case "hello":
		return n.hello(c, args), true, false
	case "client":
		return n.clientCmd(c, args), true, false
	case "command":
		return n.commandCmd(args), true, false
	case "info":
		return bulk(n.info()), true, false
	case "multi":
		if c.inMult {
			return errR("ERR MULTI calls can not be nested"), true, false
		}
		c.inMult, c.multi, c.dirty = true, nil, false
		return simple("OK"), true, false
	case "discard":
		if !c.inMult {
			return errR("ERR DISCARD without MULTI"), true, false
		}
		c.inMult, c.multi = false, nil
		return simple("OK"), true, false
	case "exec":
		if !c.inMult {
			return errR("ERR EXEC without MULTI"), true, false
		}
		queued, dirty := c.multi, c.dirty
		c.inMult, c.multi, c.dirty = false, nil, false
		if dirty {
			return errR("EXECABORT Transaction discarded because of previous errors."), true, false
		}
		return engine.Reply{Kind: engine.KindArray, Elems: n.call(ctx, queued, true)}, true, false
	}
	return engine.Reply{}, false, false
}

func cloneArgs(args [][]byte) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = bytes.Clone(a)
	}
	return out
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
	if len(args) < 2 {
		return errR("ERR wrong number of arguments for 'client' command")
	}
	switch strings.ToLower(string(args[1])) {
	case "setname":
		if len(args) != 3 {
			return errR("ERR wrong number of arguments for 'client|setname' command")
		}
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
