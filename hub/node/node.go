package node

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"lattice/hub/mesh"
	"lattice/shared/causal"
	"lattice/shared/engine"
)

// Config configures a hub node.
type Config struct {
	ID     string   // hub name. Default: generated once and kept in Dir.
	Listen string   // RESP address. Default: 127.0.0.1:6379.
	HTTP   string   // HTTP address. Default: 127.0.0.1:7379.
	Dir    string   // data directory. Default: ./data.
	Peers  []string // peer hubs' HTTP addresses: the mesh pulls each one's stream.
	// MeshSecret, when set, authenticates links between hubs (every hub of
	// the mesh must have the same one).
	MeshSecret string
	// TLSCert and TLSKey serve the HTTP listener with TLS (wss links) and
	// TLSCA verifies peers' certificates; see tls.go.
	TLSCert, TLSKey, TLSCA string
	// BacklogBytes bounds the in-memory backlog of this hub's stream that
	// peers resume from (partial sync). Default: 32 MiB.
	BacklogBytes int64
	// ClockOffset shifts this hub's clock (a testing aid for the max
	// offset check, SEMANTICS.md B1: a hub whose clock runs ahead).
	ClockOffset time.Duration
	AppendFsync string // always | everysec | no. Default: everysec.
	RequirePass string // AUTH password; empty disables AUTH.
	AddrFile    string // if set, the bound addresses are written here.
	Logger      *slog.Logger
	OpsConfig   // RESP server limits and settings (config.go)
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{Listen: "127.0.0.1:6379", HTTP: "127.0.0.1:7379", Dir: "./data", AppendFsync: "everysec",
		OpsConfig: defaultOpsConfig()}
}

func (c *Config) validate() error {
	switch c.AppendFsync {
	case "always", "everysec", "no":
	default:
		return fmt.Errorf("node: --appendfsync must be always, everysec or no, not %q", c.AppendFsync)
	}
	if c.Dir == "" {
		return errors.New("node: --dir must not be empty")
	}
	return c.OpsConfig.validate()
}

// Node is a running hub.
type Node struct {
	cfg     Config
	log     *slog.Logger
	replica *engine.Replica
	reqs    chan request
	tasks   chan func() // work for the owner between steps (runTask)
	name    string

	mu       sync.Mutex // guards clients
	clients  map[int64]*client
	nextID   int64
	started  time.Time
	respAddr net.Addr
	httpAddr net.Addr
	ready    chan struct{} // closed once both listeners are bound
	persist  *persister    // the durable log and snapshots (persist.go)
	mesh     *mesh.Mesh    // replication with the peer hubs (mesh.go)
	ops      *ops          // live settings and counters (config.go)
	ev       events        // pub/sub, blocked clients, notifications (events.go)
	tls      *tls.Config   // the HTTP listener's TLS; nil: plain (tls.go)
	gc       gcState       // garbage collection by causal stability (gc.go); owner only
	lock     *os.File      // holds the data directory's lock (lock_unix.go)
}

// request is the part of one pipeline that the owner goroutine runs, on
// the client's transaction session (MULTI queues, EXEC runs atomically).
type request struct {
	cmds [][][]byte
	sess *engine.Session
	done chan []engine.Reply
}

// New validates cfg, loads or creates the hub's identity in cfg.Dir and
// returns a node ready to Run.
func New(cfg Config) (*Node, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	name, id, err := loadIdentity(cfg.Dir, cfg.ID)
	if err != nil {
		return nil, err
	}
	lock, err := lockDir(cfg.Dir)
	if err != nil {
		return nil, err
	}
	r, err := engine.New(id, engine.DefaultConfig())
	if err != nil {
		return nil, err
	}
	tlsConf, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, log: log, replica: r, name: name, reqs: make(chan request, 64), tasks: make(chan func()),
		clients: map[int64]*client{}, ready: make(chan struct{}), ops: newOps(cfg)}
	n.mesh = mesh.New(mesh.Config{ID: id, Name: name, Peers: cfg.Peers, Secret: []byte(cfg.MeshSecret),
		TLS: tlsConf.client, RequireClientCert: cfg.TLSCA != "", BacklogBytes: cfg.BacklogBytes, Logger: log,
		Now: n.now}, meshHost{n})
	n.tls = tlsConf.server
	p, err := openPersist(cfg, log, r, n.replay, n.mesh.AppliedContext)
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		return nil, err
	}
	n.persist, n.lock = p, lock
	return n, nil
}

// loadIdentity reads "name\nreplica-id\n" from dir/identity, creating it on
// first start. A hub keeps its replica id for life; a wiped directory gets a
// new one, so dots are never reused.
func loadIdentity(dir, want string) (string, causal.ReplicaID, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", causal.ReplicaID{}, fmt.Errorf("create data dir: %w", err)
	}
	path := filepath.Join(dir, "identity")
	b, err := os.ReadFile(path)
	if err == nil {
		lines := strings.Fields(string(b))
		if len(lines) != 2 {
			return "", causal.ReplicaID{}, fmt.Errorf("read %s: malformed identity file", path)
		}
		id, err := causal.ParseReplicaID(lines[1])
		if err != nil {
			return "", causal.ReplicaID{}, fmt.Errorf("read %s: %w", path, err)
		}
		if want != "" && want != lines[0] {
			return "", causal.ReplicaID{}, fmt.Errorf("data dir %s belongs to hub %q, not %q", dir, lines[0], want)
		}
		return lines[0], id, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", causal.ReplicaID{}, fmt.Errorf("read identity: %w", err)
	}
	u, err := uuid.NewRandom()
	if err != nil {
		return "", causal.ReplicaID{}, err
	}
	name := want
	if name == "" {
		name = "hub-" + u.String()[:8]
	}
	id := causal.ReplicaID(u)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(name+"\n"+id.String()+"\n"), 0o644); err != nil {
		return "", causal.ReplicaID{}, fmt.Errorf("write identity: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", causal.ReplicaID{}, fmt.Errorf("write identity: %w", err)
	}
	return name, id, nil
}

// now is the hub's clock: the time it gives the replica and stamps on its
// links (the wall clock, shifted by Config.ClockOffset).
func (n *Node) now() time.Time { return time.Now().Add(n.cfg.ClockOffset) }

// Ready is closed once Run has bound its listeners; then RESPAddr and
// HTTPAddr report the bound addresses (port 0 resolved). In-process tests
// wait on it instead of polling.
func (n *Node) Ready() <-chan struct{} { return n.ready }

// RESPAddr is the bound RESP address; valid once Ready is closed.
func (n *Node) RESPAddr() net.Addr { return n.respAddr }

// HTTPAddr is the bound HTTP address; valid once Ready is closed.
func (n *Node) HTTPAddr() net.Addr { return n.httpAddr }

// Run serves until ctx is cancelled.
func (n *Node) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n.ops.stop = cancel    // SHUTDOWN
	defer n.closePersist() // on early returns; the normal path closes it below
	ln, err := net.Listen("tcp", n.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen resp: %w", err)
	}
	hln, err := net.Listen("tcp", n.cfg.HTTP)
	if err != nil {
		ln.Close()
		return fmt.Errorf("listen http: %w", err)
	}
	n.respAddr, n.httpAddr, n.started = ln.Addr(), hln.Addr(), time.Now()
	close(n.ready)
	if n.cfg.AddrFile != "" {
		body := fmt.Sprintf("resp=%s\nhttp=%s\n", ln.Addr(), hln.Addr())
		if err := os.WriteFile(n.cfg.AddrFile, []byte(body), 0o644); err != nil {
			return fmt.Errorf("write addr file: %w", err)
		}
	}
	n.log.Info("hub started", "name", n.name, "replica", n.replica.ID().String(), "resp", ln.Addr().String(),
		"http", hln.Addr().String(), "dir", n.cfg.Dir, "appendfsync", n.cfg.AppendFsync, "peers", n.cfg.Peers,
		"tls", n.tls != nil)

	var wg sync.WaitGroup
	wg.Add(4)
	go func() { defer wg.Done(); n.own(ctx) }()
	go func() { defer wg.Done(); n.accept(ctx, ln) }()
	srv := &http.Server{Handler: n.httpHandler(), ReadHeaderTimeout: 5 * time.Second, TLSConfig: n.tls}
	go func() {
		defer wg.Done()
		if n.tls != nil {
			_ = srv.ServeTLS(hln, "", "")
		} else {
			_ = srv.Serve(hln)
		}
	}()
	go func() { defer wg.Done(); n.mesh.Run(ctx) }()

	<-ctx.Done()
	ln.Close()
	shutdownCtx, c2 := context.WithTimeout(context.Background(), 5*time.Second)
	_ = srv.Shutdown(shutdownCtx)
	c2()
	n.closeClients()
	wg.Wait()
	n.closePersist() // the owner has stopped: flush and snapshot
	n.log.Info("hub stopped")
	return nil
}

// own is the owner goroutine: the only one that touches the replica. It
// runs the requests, the expiry, and the blocked clients' timeouts and
// disconnections (block.go).
func (n *Node) own(ctx context.Context) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	blk := &n.ev.blk
	blk.init(ctx.Done())
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if d := n.replica.Expire(n.now().UnixNano()); d != nil {
				_ = n.commit([]*engine.Delta{d})
				n.afterExpire(d)
			}
			n.collectGarbage()
		case req := <-n.reqs:
			n.serveRequest(req)
		case t := <-n.tasks:
			t()
		case <-blk.timer.C:
			n.blockTimeouts()
		case j := <-blk.gone:
			n.blockGone(j)
		}
	}
}

// serveRequest runs one pipeline on the replica, command by command (a
// write serves the clients blocked on its keys before the next command
// runs; a blocking command that finds nothing parks the rest of the
// pipeline). The batch's deltas are made durable (commit, as
// --appendfsync says) before any reply goes out and before its
// notifications are published (finish).
//
// Pipelines of other clients already waiting join the same step (up to
// maxStep), so one log append, and one fsync under --appendfsync always,
// covers them all (group commit).
func (n *Node) serveRequest(req request) {
	b := n.newBatch()
	n.runJob(b, &job{req: req, replies: make([]engine.Reply, len(req.cmds)), hidx: -1})
	for range maxStep - 1 {
		select {
		case more := <-n.reqs:
			n.runJob(b, &job{req: more, replies: make([]engine.Reply, len(more.cmds)), hidx: -1})
			continue
		default:
		}
		break
	}
	n.finish(b)
}

// runTask runs fn on the owner goroutine between two steps, when every
// write of the replica is committed and in the mesh's backlog (unlike
// onOwner, whose function runs inside a step, before the step's commit),
// and returns once it has run; false if ctx ended first.
func (n *Node) runTask(ctx context.Context, fn func()) bool {
	done := make(chan struct{})
	select {
	case n.tasks <- func() { fn(); close(done) }:
	case <-ctx.Done():
		return false
	}
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// maxStep bounds the pipelines one owner step runs before it commits and
// replies, so that a stream of clients cannot delay the first one's reply
// without end.
const maxStep = 64
