// Package mesh replicates a hub with its peer hubs: every hub pulls every
// peer's stream of deltas over a WebSocket link (shared/syncproto), and
// serves its own stream to every peer that pulls it.
//
// The node (hub/node) owns the replica; the mesh reaches it only through
// Host, whose methods run on the node's owner goroutine. Links run on
// their own goroutines: one per configured peer (the sink side: dial,
// handshake, pull, apply, acknowledge; reconnect with jittered backoff)
// and one per inbound link (the source side: stream the backlog, or a
// snapshot first when the backlog no longer reaches the sink).
package mesh

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"lattice/shared/causal"
)

// Host is the node, seen from the mesh. Every method runs its work on the
// owner goroutine and returns when it is done (or ctx ends).
type Host interface {
	// Apply merges the deltas whose origins the hub does not hold yet,
	// makes them durable as --appendfsync says and records them (Mesh.
	// Applied). It returns how many it merged and the HLC wall time (Unix
	// ms) of the newest, for the lag. An error refuses the delta it names
	// and those after it (malformed, or a clock too far ahead).
	Apply(ctx context.Context, origins []causal.Dot, payloads [][]byte) (merged int, wallMs int64, err error)
	// ApplySnapshot merges a peer's full state durably and records what it
	// held (Mesh.Merged).
	ApplySnapshot(ctx context.Context, payload []byte) error
	// Snapshot encodes this hub's full state with the origins it holds
	// (engine.Delta.Applied, returned too), and the backlog position it
	// matches.
	Snapshot(ctx context.Context) (payload []byte, lsn uint64, applied *causal.Context, err error)
	// Publish delivers a message a peer published to this hub's
	// subscribers. It may run on any goroutine.
	Publish(channel, message []byte)
}

// Config configures the mesh. Zero fields take the defaults.
type Config struct {
	ID    causal.ReplicaID
	Name  string
	Peers []string // peers' --http addresses (host:port)
	// Secret is the mesh secret: links prove they know it (HMAC challenge).
	// Empty: links are not authenticated (development, loopback).
	Secret []byte
	// TLS, when set, is used to dial peers (wss); the node serves its HTTP
	// listener with TLS then, and refuses plain links.
	TLS *tls.Config
	// RequireClientCert refuses inbound links without a verified client
	// certificate (mutual TLS, --tls-ca).
	RequireClientCert bool
	// BacklogBytes bounds the in-memory backlog of this hub's stream.
	// Default: 32 MiB.
	BacklogBytes int64
	// MaxFrame bounds one frame from an authenticated peer (a delta may be
	// as large as a 512 MB value). Default: 1 GiB + 1 MiB.
	MaxFrame int64
	// MaxOffset is the largest clock offset tolerated on a link
	// (SEMANTICS.md B1). Default: 500 ms.
	MaxOffset time.Duration
	// Heartbeat is the ping period; a link silent for 5 heartbeats is
	// dead. Default: 1 s.
	Heartbeat time.Duration
	// Backoff bounds the reconnect delay (jittered, doubling from 50 ms).
	// Default: 2 s.
	Backoff time.Duration
	Logger  *slog.Logger
	// Now is the hub's clock (its stamps on the link and lag measures).
	// Default: time.Now.
	Now func() time.Time
}

func (c *Config) setDefaults() {
	if c.BacklogBytes <= 0 {
		c.BacklogBytes = 32 << 20
	}
	if c.MaxFrame <= 0 {
		c.MaxFrame = 1<<30 + 1<<20
	}
	if c.MaxOffset <= 0 {
		c.MaxOffset = 500 * time.Millisecond
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = time.Second
	}
	if c.Backoff <= 0 {
		c.Backoff = 2 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Mesh is this hub's side of the mesh.
type Mesh struct {
	cfg     Config
	host    Host
	log     *slog.Logger
	Backlog *Backlog

	mu       sync.Mutex
	applied  causal.Context             // origins of every delta the hub holds
	ownFloor uint64                     // this hub's deltas numbered up to here elsewhere (lost here)
	links    []*Link                    // every link, outbound first, in start order
	pulling  map[causal.ReplicaID]*Link // the link pulling each peer
	reports  map[causal.ReplicaID]*report
	snap     *snapshot // the latest full-sync snapshot served
	wg       sync.WaitGroup

	pullGate                  chan struct{} // one outbound link asks at a time (gatePull)
	servedPartial, servedFull atomic.Int64  // syncs this hub served, for INFO

	// done ends the inbound links when Run's context ends (their request
	// contexts do not: the HTTP server lets go of hijacked connections).
	done   context.Context
	finish context.CancelFunc
}

// New returns a mesh; Run starts its outbound links.
func New(cfg Config, host Host) *Mesh {
	cfg.setDefaults()
	done, finish := context.WithCancel(context.Background())
	return &Mesh{cfg: cfg, host: host, log: cfg.Logger, Backlog: NewBacklog(cfg.BacklogBytes),
		pulling: map[causal.ReplicaID]*Link{}, reports: map[causal.ReplicaID]*report{}, done: done, finish: finish,
		pullGate: make(chan struct{}, 1)}
}

// NextOwn reserves the numbers of the next n deltas this hub makes and
// returns the first; the others follow it (owner goroutine; Applied
// records them).
func (m *Mesh) NextOwn(n int) uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	first := max(m.applied.Max(m.cfg.ID), m.ownFloor) + 1
	m.ownFloor = first + uint64(n) - 1
	return first
}

// Holds reports whether the hub holds the delta of origin o.
func (m *Mesh) Holds(o causal.Dot) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.applied.Contains(o)
}

// Applied records deltas the hub holds now (made here or merged, and
// committed) and puts them in the backlog for the links. Owner goroutine
// and recovery only.
func (m *Mesh) Applied(origins []causal.Dot, payloads [][]byte) {
	if len(origins) == 0 {
		return
	}
	m.mu.Lock()
	for _, o := range origins {
		m.applied.Add(o)
	}
	m.mu.Unlock()
	m.Backlog.Add(origins, payloads)
}

// Merged records a full state the hub merged (a full sync, or the
// snapshot it recovered from): it holds every origin of c, which no
// backlog entry carries.
func (m *Mesh) Merged(c *causal.Context) {
	if c == nil {
		return
	}
	m.mu.Lock()
	m.applied.Join(c)
	m.mu.Unlock()
	m.Backlog.Evict(c)
}

// AppliedContext returns a copy of the origins the hub holds.
func (m *Mesh) AppliedContext() *causal.Context {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.applied.Clone()
	return &c
}

// versionVector returns the contiguous part of what the hub holds (one
// entry per replica), as sinks report it to sources.
func (m *Mesh) versionVector() *causal.Context {
	m.mu.Lock()
	defer m.mu.Unlock()
	return &causal.Context{VV: slices.Clone(m.applied.VV)}
}

// raiseOwn makes this hub number its next deltas after seq: a peer holds
// deltas of ours numbered up to seq that this hub lost (a power loss under
// appendfsync everysec or no), and would drop new ones numbered alike.
func (m *Mesh) raiseOwn(seq uint64) {
	m.mu.Lock()
	m.ownFloor = max(m.ownFloor, seq)
	m.mu.Unlock()
}

// Run dials every configured peer and keeps the links up until ctx ends;
// it returns when they have all stopped.
func (m *Mesh) Run(ctx context.Context) {
	for _, addr := range m.cfg.Peers {
		l := m.newLink(addr, true)
		lctx, cancel := context.WithCancel(ctx)
		l.cancel = cancel
		m.wg.Add(1)
		go func() { defer m.wg.Done(); l.runSink(lctx) }()
	}
	<-ctx.Done()
	m.finish()
	m.wg.Wait()
}

// Handler serves the sync endpoint (GET /sync, a WebSocket upgrade) where
// peers pull this hub's stream.
func (m *Mesh) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.wg.Add(1)
		defer m.wg.Done()
		m.serveSource(w, r)
	})
}

// gatePull waits until no other outbound link is between its Pull and
// being caught up (KindCaughtUp), at most a minute, and returns the
// release (idempotent): after a partition or an empty start, a hub takes
// what it missed through one link, and its other links then resume from
// what that brought instead of sending it all again.
func (m *Mesh) gatePull(ctx context.Context) (release func()) {
	t := time.NewTimer(time.Minute)
	defer t.Stop()
	select {
	case m.pullGate <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-m.pullGate }) }
	case <-ctx.Done():
	case <-t.C: // a slow transfer elsewhere: ask anyway
	}
	return func() {}
}

// Served returns the partial and full syncs this hub has served.
func (m *Mesh) Served() (partial, full int64) { return m.servedPartial.Load(), m.servedFull.Load() }

// Links returns a copy of every link's state, for INFO and metrics.
func (m *Mesh) Links() []LinkStats {
	m.mu.Lock()
	links := slices.Clone(m.links)
	m.mu.Unlock()
	out := make([]LinkStats, 0, len(links))
	for _, l := range links {
		out = append(out, l.stats())
	}
	return out
}

func (m *Mesh) newLink(addr string, outbound bool) *Link {
	l := &Link{m: m, addr: addr, outbound: outbound, state: "connecting"}
	if !outbound {
		l.pubs = make(chan *pub, pubQueue)
	}
	m.mu.Lock()
	m.links = append(m.links, l)
	m.mu.Unlock()
	return l
}

func (m *Mesh) dropLink(l *Link) {
	m.mu.Lock()
	m.links = slices.DeleteFunc(m.links, func(x *Link) bool { return x == l })
	m.mu.Unlock()
}

// claim makes l the link applying origin's stream; false if another live
// link already is (two --peer addresses reaching one hub).
func (m *Mesh) claim(origin causal.ReplicaID, l *Link) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, ok := m.pulling[origin]; ok && cur != l {
		return false
	}
	m.pulling[origin] = l
	return true
}

func (m *Mesh) release(origin causal.ReplicaID, l *Link) {
	m.mu.Lock()
	if m.pulling[origin] == l {
		delete(m.pulling, origin)
	}
	m.mu.Unlock()
}

// snapshot is a full-sync snapshot held for the sinks receiving it, so that
// a transfer cut short resumes where it stopped.
type snapshot struct {
	id      uint64
	lsn     uint64 // the backlog position it holds everything up to
	applied *causal.Context
	data    []byte
	made    time.Time
}

// snapshotFor returns the snapshot to resume (id, if still held) or a
// fresh one, taken on the owner goroutine. A snapshot made in the last
// second is shared by sinks that start at once (a restarted mesh). Either
// is used only while the backlog still holds every delta after it, or the
// stream could not go on from it.
func (m *Mesh) snapshotFor(ctx context.Context, id uint64) (*snapshot, error) {
	m.mu.Lock()
	s := m.snap
	m.mu.Unlock()
	if s != nil && (s.id == id || time.Since(s.made) < time.Second) && s.lsn >= m.Backlog.Tail() {
		return s, nil
	}
	data, lsn, applied, err := m.host.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	s = &snapshot{id: randomID(), lsn: lsn, applied: applied, data: data, made: time.Now()}
	m.mu.Lock()
	m.snap = s
	m.mu.Unlock()
	return s, nil
}

// dropSnapshot forgets s once no transfer needs it (the last sink done; a
// transfer cut short keeps it, to resume, until a newer one replaces it).
func (m *Mesh) dropSnapshot(s *snapshot) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.snap != s {
		return
	}
	for _, l := range m.links {
		if l.sending(s) {
			return
		}
	}
	m.snap = nil
}

func randomID() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	id := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
	if id == 0 {
		id = 1
	}
	return id
}

func nonce() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return b
}

// errDuplicate refuses a second link pulling the same origin.
var errDuplicate = errors.New("another link already pulls this hub's stream")

// errProof refuses a peer that does not know the mesh secret.
var errProof = errors.New("peer failed the mesh secret check (wrong --mesh-secret?)")

// errSelf ends a link whose --peer address is this hub's own.
var errSelf = errors.New("--peer points at this hub itself")

// report is what one peer said it holds (the version vectors in its acks),
// for causal stability: caught is the newest report this hub holds
// everything of; pending are newer ones, oldest first.
type report struct {
	caught  *causal.Context
	pending []*causal.Context
	at      time.Time // last report
}

// maxPending bounds the reports kept per peer; past it the newest replaces
// the last, which only delays collection.
const maxPending = 32

// noteReport takes a peer's version vector from an ack.
func (m *Mesh) noteReport(id causal.ReplicaID, vv *causal.Context) {
	if vv == nil {
		return
	}
	c := vv.Clone()
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.reports[id]
	if r == nil {
		r = &report{}
		m.reports[id] = r
	}
	r.at = time.Now()
	if n := len(r.pending); n >= maxPending {
		r.pending[n-1] = &c
		return
	}
	r.pending = append(r.pending, &c)
}

// Member is one hub of the mesh as seen for causal stability: Caught is
// the newest report of what it holds that this hub has caught up with
// (this hub holds everything the member held then), nil if none.
type Member struct {
	Name   string // the peer's name, or its address while unknown
	Caught *causal.Context
}

// Members returns every configured peer (not this hub) with its caught
// report. A delete is stable once every member's Caught and this hub's
// own context include it: nothing made before a member saw it can still
// arrive (SEMANTICS.md A11).
func (m *Mesh) Members() []Member {
	m.mu.Lock()
	defer m.mu.Unlock()
	own := m.applied.Clone()
	var out []Member
	seen := map[causal.ReplicaID]bool{}
	for _, l := range m.links {
		if !l.outbound {
			continue
		}
		l.mu.Lock()
		id, name := l.peer.ID, l.peer.Name
		l.mu.Unlock()
		if id == (causal.ReplicaID{}) {
			out = append(out, Member{Name: l.addr})
			continue
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		mem := Member{Name: name}
		if r := m.reports[id]; r != nil {
			for len(r.pending) > 0 && own.Dominates(r.pending[0]) {
				r.caught, r.pending = r.pending[0], r.pending[1:]
			}
			mem.Caught = r.caught
		}
		out = append(out, mem)
	}
	return out
}

// Meet is the pointwise minimum of two version vectors (clouds ignored:
// it only errs towards less).
func Meet(a, b *causal.Context) *causal.Context {
	out := &causal.Context{}
	for _, e := range a.VV {
		if s := min(e.Seq, b.Max(e.Replica)); s > 0 {
			out.VV = append(out.VV, causal.VVEntry{Replica: e.Replica, Seq: s})
		}
	}
	return out
}

// Forget removes a configured peer (by name, replica id or address) from
// the mesh: its link stops and it no longer counts for stability, so a
// dead hub stops blocking garbage collection. It returns false if no
// configured peer matches. A restarted hub takes its --peer list again.
func (m *Mesh) Forget(who string) bool {
	m.mu.Lock()
	var found []*Link
	for _, l := range m.links {
		l.mu.Lock()
		match := l.outbound && (l.addr == who || (l.peer.Name != "" && l.peer.Name == who) ||
			(l.peer.ID != (causal.ReplicaID{}) && l.peer.ID.String() == who))
		l.mu.Unlock()
		if match {
			found = append(found, l)
		}
	}
	m.mu.Unlock()
	for _, l := range found {
		if l.cancel != nil {
			l.cancel()
		}
		m.dropLink(l)
		m.log.Warn("mesh: peer removed from the mesh by an operator", "addr", l.addr, "peer", l.stats().Peer)
	}
	return len(found) > 0
}

// pubQueue bounds the PUBLISH messages waiting on one link: past it they
// are dropped (and counted), since pub/sub is best-effort across hubs.
const pubQueue = 1024

// Publish sends a PUBLISH made on this hub to every peer pulling from it,
// best-effort: a link that is down or behind drops it. The peers deliver
// it to their own subscribers and do not pass it on.
func (m *Mesh) Publish(channel, message []byte) {
	m.mu.Lock()
	links := slices.Clone(m.links)
	m.mu.Unlock()
	var p *pub
	for _, l := range links {
		if l.outbound || l.pubs == nil {
			continue
		}
		if p == nil {
			p = &pub{channel: slices.Clone(channel), message: slices.Clone(message)}
		}
		select {
		case l.pubs <- p:
		default:
			l.mu.Lock()
			l.pubsDropped++
			l.mu.Unlock()
		}
	}
}

type pub struct{ channel, message []byte }
