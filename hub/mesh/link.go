package mesh

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"lattice/shared/causal"
	"lattice/shared/syncproto"
)

// helloLimit bounds frames before the peer has proved itself.
const helloLimit = 64 << 10

// Batching of Deltas messages and snapshot chunks.
const (
	batchDeltas = 4096
	batchBytes  = 1 << 20
	chunkBytes  = 1 << 20
)

// Link is one direction of replication with one peer: outbound links pull
// the peer's stream (sink), inbound links serve this hub's stream (source).
type Link struct {
	m        *Mesh
	addr     string
	outbound bool

	mu          sync.Mutex
	state       string // connecting, handshake, full-sync, streaming, down
	peer        syncproto.Peer
	lastErr     string
	bytesIn     int64
	bytesOut    int64
	deltasIn    int64
	deltasOut   int64
	dups        int64
	partials    int64
	fulls       int64
	peerHead    uint64 // the source's head, as last heard
	have        uint64 // sink: received up to; source: acked by the sink
	lagMs       float64
	offset      time.Duration
	rtt         time.Duration
	skewed      bool
	snapGot     int64
	snapSize    int64
	sendingSn   *snapshot
	since       time.Time
	lastHeard   time.Time
	connectErr  int64
	sinkOf      causal.ReplicaID   // the peer whose snapshot the sink state holds (runSink's goroutine)
	cancel      context.CancelFunc // stops an outbound link (Forget)
	pubs        chan *pub          // serve: PUBLISH messages to send (Mesh.Publish); set before the link is listed
	pubsIn      int64
	pubsOut     int64
	pubsDropped int64
}

// LinkStats is a link's state for INFO and metrics.
type LinkStats struct {
	Addr        string
	Outbound    bool // true: pulls the peer's stream; false: serves ours
	State       string
	Peer        string // the peer's name
	PeerID      causal.ReplicaID
	LastErr     string
	BytesIn     int64
	BytesOut    int64
	DeltasIn    int64
	DeltasOut   int64
	Duplicates  int64
	Partial     int64
	Full        int64
	LagOps      uint64  // log positions of the source not yet received (pull) or acknowledged (serve)
	LagMs       float64 // sink: age of the last applied delta when applied
	ClockOffset time.Duration
	RTT         time.Duration
	Skewed      bool // the clock offset exceeds the max offset
	SnapGot     int64
	SnapSize    int64
	Since       time.Time
	Failures    int64 // connection attempts that failed
	PubsIn      int64 // PUBLISH messages received from the peer (pull)
	PubsOut     int64 // PUBLISH messages sent to the peer (serve)
	PubsDropped int64 // PUBLISH messages dropped: the link was behind
}

func (l *Link) stats() LinkStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := LinkStats{Addr: l.addr, Outbound: l.outbound, State: l.state, Peer: l.peer.Name, PeerID: l.peer.ID,
		LastErr: l.lastErr, BytesIn: l.bytesIn, BytesOut: l.bytesOut, DeltasIn: l.deltasIn, DeltasOut: l.deltasOut,
		Duplicates: l.dups, Partial: l.partials, Full: l.fulls, LagMs: l.lagMs, ClockOffset: l.offset, RTT: l.rtt,
		Skewed: l.skewed, SnapGot: l.snapGot, SnapSize: l.snapSize, Since: l.since, Failures: l.connectErr,
		PubsIn: l.pubsIn, PubsOut: l.pubsOut, PubsDropped: l.pubsDropped}
	head := l.peerHead
	if !l.outbound {
		head = l.m.Backlog.Head()
	}
	if head > l.have {
		s.LagOps = head - l.have
	}
	return s
}

func (l *Link) setState(s string) {
	l.mu.Lock()
	l.state, l.since = s, time.Now()
	l.mu.Unlock()
}

func (l *Link) sending(s *snapshot) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sendingSn == s
}

// conn wraps a WebSocket with the link's byte counters and a read
// deadline: a peer silent for five heartbeats is dead.
type conn struct {
	l  *Link
	ws *websocket.Conn
	wm sync.Mutex // one writer at a time
}

func (c *conn) read(ctx context.Context) (syncproto.Message, error) {
	rctx, cancel := context.WithTimeout(ctx, 5*c.l.m.cfg.Heartbeat)
	defer cancel()
	typ, b, err := c.ws.Read(rctx)
	if err != nil {
		return syncproto.Message{}, err
	}
	if typ != websocket.MessageBinary {
		return syncproto.Message{}, fmt.Errorf("%w: text frame", syncproto.ErrProtocol)
	}
	c.l.mu.Lock()
	c.l.bytesIn += int64(len(b))
	c.l.lastHeard = time.Now()
	c.l.mu.Unlock()
	return syncproto.Decode(b)
}

func (c *conn) write(ctx context.Context, m syncproto.Message) error {
	b, err := syncproto.Encode(m)
	if err != nil {
		return err
	}
	c.wm.Lock()
	defer c.wm.Unlock()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := c.ws.Write(wctx, websocket.MessageBinary, b); err != nil {
		return err
	}
	c.l.mu.Lock()
	c.l.bytesOut += int64(len(b))
	c.l.mu.Unlock()
	return nil
}

// fail closes the link with a reason the peer logs.
func (c *conn) fail(err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		c.ws.Close(websocket.StatusGoingAway, "shutting down")
		return
	}
	msg := err.Error()
	if len(msg) > 120 {
		msg = msg[:120]
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	_ = c.write(ctx, syncproto.Message{Kind: syncproto.KindError, Err: msg})
	cancel()
	c.ws.Close(websocket.StatusPolicyViolation, msg)
}

// pong answers a ping, and samples the clock offset from a pong.
func (c *conn) heartbeat(ctx context.Context, m *syncproto.Message) error {
	now := c.l.m.cfg.Now().UnixNano()
	switch m.Kind {
	case syncproto.KindPing:
		return c.write(ctx, syncproto.Message{Kind: syncproto.KindPong, Now: now, Echo: m.Now, Seq: c.l.m.Backlog.Head()})
	case syncproto.KindPong:
		rtt := time.Duration(now - m.Echo)
		c.l.sample(m.Now, now, rtt)
		if c.l.outbound && m.Seq > 0 {
			c.l.mu.Lock()
			c.l.peerHead = max(c.l.peerHead, m.Seq)
			c.l.mu.Unlock()
		}
	}
	return nil
}

// sample records a clock offset sample and logs when the link crosses the
// max offset either way (SEMANTICS.md B1: visible in metrics and logs).
func (l *Link) sample(peerNow, now int64, rtt time.Duration) {
	off := syncproto.ClockOffset(peerNow, now, rtt)
	skewed := off > l.m.cfg.MaxOffset || -off > l.m.cfg.MaxOffset
	l.mu.Lock()
	was := l.skewed
	l.offset, l.rtt, l.skewed = off, rtt, skewed
	name := l.peer.Name
	l.mu.Unlock()
	switch {
	case skewed && !was:
		l.m.log.Warn("mesh: peer clock offset exceeds the max offset; its deltas stamped ahead will be refused",
			"peer", name, "addr", l.addr, "offset", off, "max", l.m.cfg.MaxOffset)
	case !skewed && was:
		l.m.log.Info("mesh: peer clock back within the max offset", "peer", name, "offset", off)
	}
}

// pinger pings every heartbeat until ctx ends. A sink's pings carry its
// version vector: the source learns what this hub holds even when no
// deltas flow (causal stability, garbage collection).
func (c *conn) pinger(ctx context.Context) {
	t := time.NewTicker(c.l.m.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			ping := syncproto.Message{Kind: syncproto.KindPing, Now: c.l.m.cfg.Now().UnixNano()}
			if c.l.outbound {
				ping.Applied = c.l.m.versionVector()
			}
			if err := c.write(ctx, ping); err != nil {
				return
			}
		}
	}
}

// runSink keeps pulling the peer's stream, reconnecting with jittered
// exponential backoff until ctx ends.
func (l *Link) runSink(ctx context.Context) {
	sink := &syncproto.Sink{}
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		err := l.pull(ctx, &sink)
		if ctx.Err() != nil {
			break
		}
		if errors.Is(err, errSelf) {
			// One peer list for every hub of a mesh is convenient: a hub
			// skips its own address.
			l.m.log.Info("mesh: --peer is this hub itself; skipping it", "addr", l.addr)
			l.m.dropLink(l)
			return
		}
		l.mu.Lock()
		// A link that streamed a while starts over at the shortest delay;
		// one that fails as soon as it is up keeps backing off.
		streamed := l.state == "streaming" && time.Since(l.since) > 5*time.Second
		l.state, l.since = "down", time.Now()
		if err != nil {
			l.lastErr = err.Error()
		}
		l.connectErr++
		name := l.peer.Name
		l.mu.Unlock()
		if streamed {
			backoff = 50 * time.Millisecond
		}
		l.m.log.Warn("mesh: link down; reconnecting", "peer", name, "addr", l.addr, "err", err, "retry_in", backoff)
		// Full jitter: wait a uniform time in [backoff/2, backoff].
		d := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
		backoff = min(2*backoff, l.m.cfg.Backoff)
	}
	l.setState("down")
}

// pull runs one connection of the sink side.
func (l *Link) pull(ctx context.Context, sinkp **syncproto.Sink) error {
	m := l.m
	l.setState("connecting")
	scheme := "ws://"
	opts := &websocket.DialOptions{}
	if m.cfg.TLS != nil {
		scheme = "wss://"
		opts.HTTPClient = &http.Client{Transport: &http.Transport{TLSClientConfig: m.cfg.TLS}}
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	ws, _, err := websocket.Dial(dctx, scheme+l.addr+"/sync", opts)
	cancel()
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	ws.SetReadLimit(helloLimit)
	c := &conn{l: l, ws: ws}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	l.setState("handshake")
	mine := nonce()
	if err := c.write(ctx, syncproto.Message{Kind: syncproto.KindHello, Replica: m.cfg.ID[:], Name: m.cfg.Name,
		Role: syncproto.RoleHub, Now: l.m.cfg.Now().UnixNano(), Nonce: mine}); err != nil {
		c.fail(nil)
		return err
	}
	hello, err := c.read(ctx)
	if err != nil {
		c.fail(nil)
		return fmt.Errorf("handshake: %w", err)
	}
	if hello.Kind == syncproto.KindError {
		c.fail(nil)
		return fmt.Errorf("refused by peer: %s", hello.Err)
	}
	peer, err := syncproto.PeerOf(&hello)
	if err != nil {
		c.fail(err)
		return err
	}
	if !syncproto.CheckProof(m.cfg.Secret, syncproto.SideSource, mine, hello.Proof) {
		m.log.Error("mesh: refusing peer", "addr", l.addr, "peer", peer.Name, "err", errProof)
		c.fail(errProof)
		return errProof
	}
	if peer.ID == m.cfg.ID {
		c.fail(errSelf)
		return errSelf
	}
	l.mu.Lock()
	l.peer, l.peerHead, l.have = peer, hello.Seq, 0
	l.mu.Unlock()
	l.sample(hello.Now, l.m.cfg.Now().UnixNano(), 0)
	if !m.claim(peer.ID, l) {
		c.fail(errDuplicate)
		return errDuplicate
	}
	defer m.release(peer.ID, l)

	// A sink keeps a snapshot transfer cut short, to resume it, only for
	// the same peer (a peer restarted on an empty directory is another).
	sink := *sinkp
	if l.sinkOf != peer.ID {
		sink = &syncproto.Sink{}
		*sinkp, l.sinkOf = sink, peer.ID
	}
	sink.Connected()
	// One link at a time asks, so that a hub that starts empty takes one
	// full sync, and its other links then resume from what it brought.
	release := m.gatePull(ctx)
	defer release()
	// What this hub holds is what its log holds, so a link that dropped
	// resumes exactly where it stopped (partial sync).
	pull := sink.Pull(m.AppliedContext())
	pull.Proof = syncproto.Proof(m.cfg.Secret, syncproto.SideSink, hello.Nonce)
	if err := c.write(ctx, pull); err != nil {
		c.fail(nil)
		return err
	}
	ws.SetReadLimit(m.cfg.MaxFrame)
	m.log.Info("mesh: link up", "peer", peer.Name, "addr", l.addr, "peer_head", hello.Seq)
	go c.pinger(ctx)
	l.setState("streaming")
	decided := false // a partial sync (deltas or caught-up came first) or the snapshot is in
	for {
		msg, err := c.read(ctx)
		if err != nil {
			c.fail(nil)
			return err
		}
		if !decided && (msg.Kind == syncproto.KindDeltas || msg.Kind == syncproto.KindCaughtUp) {
			decided = true // no snapshot comes: a partial sync
			l.mu.Lock()
			l.partials++
			l.mu.Unlock()
		}
		switch msg.Kind {
		case syncproto.KindCaughtUp:
			// This link has brought everything the source had: the other
			// links may ask now, for what is left.
			release()
		case syncproto.KindDeltas:
			if err := sink.Deltas(&msg); err != nil {
				c.fail(err)
				return err
			}
			n, wall, err := m.host.Apply(ctx, msg.Origins, msg.Deltas)
			if err != nil {
				err = fmt.Errorf("apply deltas: %w", err)
				m.log.Error("mesh: refusing peer deltas; closing the link", "peer", peer.Name, "err", err)
				c.fail(err)
				return err
			}
			l.noteApplied(len(msg.Deltas), n, wall, msg.Seq)
			if err := l.ack(ctx, c, msg.Seq); err != nil {
				return err
			}
		case syncproto.KindSnapshot:
			if msg.Offset == 0 {
				l.mu.Lock()
				l.state, l.since = "full-sync", time.Now()
				l.mu.Unlock()
				m.log.Info("mesh: full sync from peer started", "peer", peer.Name, "bytes", msg.Size)
			}
			data, lsn, err := sink.Chunk(&msg)
			if err != nil {
				c.fail(err)
				return err
			}
			got, size := sink.Progress()
			l.mu.Lock()
			prev := l.snapGot
			l.snapGot, l.snapSize = got, size
			if data != nil {
				l.snapGot = size
			}
			l.mu.Unlock()
			if size > 0 && got/(size/10+1) != prev/(size/10+1) {
				m.log.Info("mesh: full sync progress", "peer", peer.Name, "received", got, "of", size)
			}
			if data == nil {
				continue
			}
			if err := m.host.ApplySnapshot(ctx, data); err != nil {
				err = fmt.Errorf("apply snapshot: %w", err)
				c.fail(err)
				return err
			}
			l.mu.Lock()
			l.fulls++
			l.have, l.state, l.since = lsn, "streaming", time.Now()
			l.peerHead = max(l.peerHead, lsn)
			l.mu.Unlock()
			decided = true
			m.log.Info("mesh: full sync from peer done", "peer", peer.Name, "bytes", len(data))
			if err := l.ack(ctx, c, lsn); err != nil {
				return err
			}
		case syncproto.KindPing, syncproto.KindPong:
			if err := c.heartbeat(ctx, &msg); err != nil {
				c.fail(nil)
				return err
			}
		case syncproto.KindPublish:
			m.host.Publish(msg.Channel, msg.Data)
			l.mu.Lock()
			l.pubsIn++
			l.mu.Unlock()
		case syncproto.KindError:
			c.fail(nil)
			return fmt.Errorf("peer closed the link: %s", msg.Err)
		default:
			err := fmt.Errorf("%w: unexpected %s", syncproto.ErrProtocol, msg.Kind)
			c.fail(err)
			return err
		}
	}
}

// ack acknowledges the source's log up to lsn, with this hub's version
// vector so the source skips what this hub got from elsewhere.
func (l *Link) ack(ctx context.Context, c *conn, lsn uint64) error {
	if err := c.write(ctx, syncproto.Message{Kind: syncproto.KindAck, Seq: lsn, Applied: l.m.versionVector()}); err != nil {
		c.fail(nil)
		return err
	}
	return nil
}

// noteApplied counts the deltas of a message, those merged and those
// dropped as duplicates, and measures the lag: the age of the newest delta
// merged (its HLC wall time against this hub's clock).
func (l *Link) noteApplied(got, merged int, wallMs int64, lsn uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.deltasIn += int64(merged)
	l.dups += int64(got - merged)
	l.have = lsn
	l.peerHead = max(l.peerHead, lsn)
	if wallMs > 0 {
		l.lagMs = max(float64(l.m.cfg.Now().UnixMilli()-wallMs), 0)
	}
}

// serveSource serves one inbound link: this hub's stream to a sink.
func (m *Mesh) serveSource(w http.ResponseWriter, r *http.Request) {
	if m.cfg.RequireClientCert && (r.TLS == nil || len(r.TLS.VerifiedChains) == 0) {
		m.log.Error("mesh: refusing inbound link without a verified client certificate", "addr", r.RemoteAddr)
		http.Error(w, "a client certificate from the mesh CA is required", http.StatusForbidden)
		return
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{})
	if err != nil {
		return
	}
	l := m.newLink(r.RemoteAddr, false)
	defer m.dropLink(l)
	ws.SetReadLimit(helloLimit)
	c := &conn{l: l, ws: ws}
	ctx, stop := context.WithCancel(r.Context())
	defer stop()
	defer context.AfterFunc(m.done, stop)()
	err = l.serve(ctx, c)
	c.fail(err)
	if err != nil && !errors.Is(err, context.Canceled) {
		l.mu.Lock()
		name := l.peer.Name
		l.mu.Unlock()
		m.log.Warn("mesh: inbound link closed", "peer", name, "addr", l.addr, "err", err)
	}
}

func (l *Link) serve(ctx context.Context, c *conn) error {
	m := l.m
	l.setState("handshake")
	hello, err := c.read(ctx)
	if err != nil {
		return err
	}
	peer, err := syncproto.PeerOf(&hello)
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.peer = peer
	l.mu.Unlock()
	l.sample(hello.Now, l.m.cfg.Now().UnixNano(), 0)
	mine := nonce()
	if err := c.write(ctx, syncproto.Message{Kind: syncproto.KindHello, Replica: m.cfg.ID[:], Name: m.cfg.Name,
		Role: syncproto.RoleHub, Now: l.m.cfg.Now().UnixNano(), Seq: m.Backlog.Head(), Nonce: mine,
		Proof: syncproto.Proof(m.cfg.Secret, syncproto.SideSource, hello.Nonce)}); err != nil {
		return err
	}
	pull, err := c.read(ctx)
	if err != nil {
		return err
	}
	if pull.Kind != syncproto.KindPull {
		return fmt.Errorf("%w: %s instead of pull", syncproto.ErrProtocol, pull.Kind)
	}
	if !syncproto.CheckProof(m.cfg.Secret, syncproto.SideSink, mine, pull.Proof) {
		m.log.Error("mesh: refusing inbound link", "addr", l.addr, "peer", peer.Name, "err", errProof)
		return errProof
	}
	// After the pull a sink sends only acks (with a version vector, one
	// entry per hub), pings and pongs.
	c.ws.SetReadLimit(1 << 20)
	known := pull.Applied
	if known == nil {
		known = &causal.Context{}
	}
	if own := m.AppliedContext().Max(m.cfg.ID); known.Max(m.cfg.ID) > own {
		m.log.Error("mesh: a peer holds deltas of this hub that this hub lost (a power loss under appendfsync everysec or no?); numbering new ones after them",
			"peer", peer.Name, "peer_has", known.Max(m.cfg.ID), "have", own)
		m.raiseOwn(known.Max(m.cfg.ID))
	}

	// Acks, pings and pongs arrive on their own goroutine.
	var src syncproto.Source
	var smu sync.Mutex // guards src and known between the two goroutines
	errc := make(chan error, 1)
	acked := make(chan struct{}, 1)
	go func() {
		for {
			msg, err := c.read(ctx)
			if err != nil {
				errc <- err
				return
			}
			switch msg.Kind {
			case syncproto.KindAck:
				smu.Lock()
				err = src.Ack(msg.Seq)
				if msg.Applied != nil {
					known.Join(msg.Applied)
				}
				smu.Unlock()
				m.noteReport(peer.ID, msg.Applied)
				l.mu.Lock()
				l.have = max(l.have, msg.Seq)
				l.mu.Unlock()
				select {
				case acked <- struct{}{}:
				default:
				}
			case syncproto.KindPing, syncproto.KindPong:
				if msg.Applied != nil {
					smu.Lock()
					known.Join(msg.Applied)
					smu.Unlock()
					m.noteReport(peer.ID, msg.Applied)
				}
				err = c.heartbeat(ctx, &msg)
			case syncproto.KindError:
				err = fmt.Errorf("peer closed the link: %s", msg.Err)
			default:
				err = fmt.Errorf("%w: unexpected %s from a sink", syncproto.ErrProtocol, msg.Kind)
			}
			if err != nil {
				errc <- err
				return
			}
		}
	}()
	go c.pinger(ctx)

	var next uint64 // the last position sent or skipped
	full := !m.Backlog.Covers(known)
	if full {
		s, err := l.sendSnapshot(ctx, c, pull.SnapID, pull.Offset, errc)
		if err != nil {
			return err
		}
		next = s.lsn
		smu.Lock()
		known.Join(s.applied)
		smu.Unlock()
	} else {
		// Everything the sink lacks is in the backlog: send it all, less
		// what the sink holds.
		next = m.Backlog.Tail()
		l.mu.Lock()
		l.partials++
		l.mu.Unlock()
		m.servedPartial.Add(1)
	}
	smu.Lock()
	src.Start(next)
	smu.Unlock()
	l.mu.Lock()
	l.have = next
	l.mu.Unlock()
	l.setState("streaming")
	m.log.Info("mesh: serving", "peer", peer.Name, "after", next, "full_sync", full)
	caughtUp := false
	for {
		es, changed, ok := m.Backlog.Read(next, batchDeltas, batchBytes)
		if !ok {
			return fmt.Errorf("the peer fell behind the backlog (at %d); it will get a full sync", next)
		}
		var msg syncproto.Message
		smu.Lock()
		n := 0
		for n < len(es) {
			e := es[n]
			skip := e.origin.Replica == peer.ID || known.Contains(e.origin)
			size := len(e.payload)
			if skip {
				size = 0
			} else if !src.Room(size) {
				break
			}
			_ = src.Send(e.lsn, size)
			if !skip {
				msg.Deltas = append(msg.Deltas, e.payload)
				msg.Origins = append(msg.Origins, e.origin)
			}
			n++
		}
		smu.Unlock()
		select { // PUBLISH messages go between batches of deltas
		case p := <-l.pubs:
			if err := l.sendPublish(ctx, c, p); err != nil {
				return err
			}
		default:
		}
		if n > 0 {
			next = es[n-1].lsn
			if len(msg.Deltas) > 0 {
				msg.Kind, msg.Seq = syncproto.KindDeltas, next
				if err := c.write(ctx, msg); err != nil {
					return err
				}
				l.mu.Lock()
				l.deltasOut += int64(len(msg.Deltas))
				l.mu.Unlock()
			}
			continue
		}
		var wake <-chan struct{} = acked // the window is full: wait for an ack
		if len(es) == 0 {
			wake = changed
			if !caughtUp {
				// The sink has everything this hub had: it may let its
				// other links ask now (gatePull).
				caughtUp = true
				if err := c.write(ctx, syncproto.Message{Kind: syncproto.KindCaughtUp, Seq: next}); err != nil {
					return err
				}
			}
		}
		select {
		case <-wake:
		case p := <-l.pubs:
			if err := l.sendPublish(ctx, c, p); err != nil {
				return err
			}
		case err := <-errc:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// sendPublish sends one PUBLISH message to the sink.
func (l *Link) sendPublish(ctx context.Context, c *conn, p *pub) error {
	if err := c.write(ctx, syncproto.Message{Kind: syncproto.KindPublish, Channel: p.channel, Data: p.message}); err != nil {
		return err
	}
	l.mu.Lock()
	l.pubsOut++
	l.mu.Unlock()
	return nil
}

// sendSnapshot streams a full-state snapshot in chunks, resuming transfer
// id at offset when it is still held.
func (l *Link) sendSnapshot(ctx context.Context, c *conn, id uint64, offset int64, errc chan error) (*snapshot, error) {
	m := l.m
	l.setState("full-sync")
	s, err := m.snapshotFor(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	if s.id != id || offset > int64(len(s.data)) {
		offset = 0
	}
	l.mu.Lock()
	l.sendingSn, l.snapSize, l.snapGot = s, int64(len(s.data)), offset
	l.fulls++
	m.servedFull.Add(1)
	name := l.peer.Name
	l.mu.Unlock()
	done := false
	defer func() {
		l.mu.Lock()
		l.sendingSn = nil
		l.mu.Unlock()
		if done {
			m.dropSnapshot(s)
		}
	}()
	m.log.Info("mesh: full sync to peer", "peer", name, "bytes", len(s.data), "resume_at", offset)
	size := int64(len(s.data))
	for {
		end := min(offset+chunkBytes, size)
		if err := c.write(ctx, syncproto.Message{Kind: syncproto.KindSnapshot, SnapID: s.id, Seq: s.lsn, Size: size,
			Offset: offset, Data: s.data[offset:end]}); err != nil {
			return nil, err
		}
		offset = end
		l.mu.Lock()
		l.snapGot = offset
		l.mu.Unlock()
		select {
		case err := <-errc:
			return nil, err
		default:
		}
		if offset >= size {
			done = true
			return s, nil
		}
	}
}
