package node

import (
	"context"
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

	"lattice/shared/causal"
	"lattice/shared/engine"
)

// Config configures a hub node.
type Config struct {
	ID          string   // hub name. Default: generated once and kept in Dir.
	Listen      string   // RESP address. Default: 127.0.0.1:6379.
	HTTP        string   // HTTP address. Default: 127.0.0.1:7379.
	Dir         string   // data directory. Default: ./data.
	Peers       []string // peer hubs' HTTP addresses (mesh: not yet).
	AppendFsync string   // always | everysec | no. Default: everysec.
	RequirePass string   // AUTH password; empty disables AUTH.
	AddrFile    string   // if set, the bound addresses are written here.
	Logger      *slog.Logger
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{Listen: "127.0.0.1:6379", HTTP: "127.0.0.1:7379", Dir: "./data", AppendFsync: "everysec"}
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
	return nil
}

// Node is a running hub.
type Node struct {
	cfg     Config
	log     *slog.Logger
	replica *engine.Replica
	reqs    chan request
	name    string

	mu       sync.Mutex // guards clients
	clients  map[int64]*client
	nextID   int64
	started  time.Time
	respAddr net.Addr
	httpAddr net.Addr
	ready    chan struct{} // closed once both listeners are bound
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
	r, err := engine.New(id, engine.DefaultConfig())
	if err != nil {
		return nil, err
	}
	return &Node{cfg: cfg, log: log, replica: r, name: name, reqs: make(chan request, 64),
		clients: map[int64]*client{}, ready: make(chan struct{})}, nil
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
	if len(n.cfg.Peers) > 0 {
		n.log.Warn("--peer given but hub-to-hub replication is not implemented yet; running standalone", "peers", n.cfg.Peers)
	}
	n.log.Info("hub started", "name", n.name, "replica", n.replica.ID().String(), "resp", ln.Addr().String(),
		"http", hln.Addr().String(), "dir", n.cfg.Dir, "persistence", "none yet: data lives in memory")

	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); n.own(ctx) }()
	go func() { defer wg.Done(); n.accept(ctx, ln) }()
	srv := &http.Server{Handler: n.httpHandler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { defer wg.Done(); _ = srv.Serve(hln) }()

	<-ctx.Done()
	ln.Close()
	shutdownCtx, c2 := context.WithTimeout(context.Background(), 5*time.Second)
	_ = srv.Shutdown(shutdownCtx)
	c2()
	n.closeClients()
	wg.Wait()
	n.log.Info("hub stopped")
	return nil
}

// own is the owner goroutine: the only one that touches the replica.
func (n *Node) own(ctx context.Context) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if d := n.replica.Expire(time.Now().UnixNano()); d != nil {
				ds := []*engine.Delta{d}
				n.commit(ds)
				n.afterWrite(ds)
			}
		case req := <-n.reqs:
			n.serveRequest(req)
		}
	}
}

// serveRequest runs one pipeline on the replica. Its deltas are made
// durable (commit, as --appendfsync says) before any reply goes out, then
// they wake blocked clients and raise notifications (afterWrite).
func (n *Node) serveRequest(req request) {
	now := time.Now().UnixNano()
	replies := make([]engine.Reply, len(req.cmds))
	var deltas []*engine.Delta
	for i, args := range req.cmds {
		var d *engine.Delta
		replies[i], d = n.replica.Run(req.sess, now, args)
		if d != nil {
			deltas = append(deltas, d)
		}
	}
	n.commit(deltas)
	n.afterWrite(deltas)
	req.done <- replies
}
