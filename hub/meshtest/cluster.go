package meshtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// BuildHub builds the hub binary into dir and returns its path.
func BuildHub(dir string, race bool) (string, error) {
	bin := filepath.Join(dir, "hub")
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	}
	out, err := exec.Command("go", append(args, "lattice/hub")...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build hub: %w\n%s", err, out)
	}
	return bin, nil
}

// Config describes a mesh to start.
type Config struct {
	Bin   string   // the hub binary
	Dir   string   // each hub's data directory is Dir/<name>
	Names []string // one hub per name
	Args  []string // extra flags for every hub (e.g. --appendfsync always)
	// HubArgs, if set, holds extra flags per hub (by index), after Args.
	HubArgs [][]string
	Race    bool // the binary was built with -race
}

// Hub is one hub process of a Cluster.
type Hub struct {
	Name string
	Dir  string
	RESP string // RESP address, valid while running
	HTTP string // HTTP address, valid while running

	cmd    *exec.Cmd
	logs   *Logs
	exited chan struct{}
	client *redis.Client
}

// Logs collects a process's stderr across restarts.
type Logs struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Cluster is a full mesh of hub processes on loopback: hub i pulls hub j's
// stream through Link(i, j), a Proxy, so each direction of each pair can be
// cut on its own.
type Cluster struct {
	cfg   Config
	Hubs  []*Hub
	links [][]*Proxy
}

// Start starts every hub (port 0 for both listeners) and their links, and
// waits until every hub has reported its addresses.
func Start(cfg Config) (*Cluster, error) {
	c := &Cluster{cfg: cfg}
	n := len(cfg.Names)
	c.links = make([][]*Proxy, n)
	for i := range n {
		c.links[i] = make([]*Proxy, n)
		for j := range n {
			if i == j {
				continue
			}
			p, err := NewProxy()
			if err != nil {
				c.Close()
				return nil, err
			}
			c.links[i][j] = p
		}
	}
	for i, name := range cfg.Names {
		h := &Hub{Name: name, Dir: filepath.Join(cfg.Dir, name), logs: &Logs{}}
		c.Hubs = append(c.Hubs, h)
		if err := c.start(i); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// Link is the proxy through which hub i pulls hub j's stream.
func (c *Cluster) Link(i, j int) *Proxy { return c.links[i][j] }

// start runs hub i and points the links that pull from it at its new
// HTTP address.
func (c *Cluster) start(i int) error {
	h := c.Hubs[i]
	addrFile := filepath.Join(c.cfg.Dir, h.Name+".addr")
	os.Remove(addrFile)
	args := []string{"--id", h.Name, "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--dir", h.Dir,
		"--addr-file", addrFile}
	for j := range c.cfg.Names {
		if j != i {
			args = append(args, "--peer", c.links[i][j].Addr())
		}
	}
	args = append(args, c.cfg.Args...)
	if i < len(c.cfg.HubArgs) {
		args = append(args, c.cfg.HubArgs[i]...)
	}
	h.cmd = exec.Command(c.cfg.Bin, args...)
	h.cmd.Stderr = h.logs
	if c.cfg.Race && os.Getenv("GORACE") == "" {
		h.cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	}
	h.RESP, h.HTTP = "", ""
	if err := h.cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	h.exited = exited
	cmd := h.cmd
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(addrFile); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(line, "resp="); ok {
					h.RESP = v
				}
				if v, ok := strings.CutPrefix(line, "http="); ok {
					h.HTTP = v
				}
			}
			if h.RESP != "" && h.HTTP != "" {
				for j := range c.links {
					if j != i {
						c.links[j][i].SetTarget(h.HTTP)
					}
				}
				h.client = redis.NewClient(&redis.Options{Addr: h.RESP, Protocol: 2, MaxRetries: -1,
					DialTimeout: 2 * time.Second, ReadTimeout: 10 * time.Second})
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("hub %s exited at start:\n%s", h.Name, h.logs.String())
		case <-time.After(10 * time.Millisecond): // polling for the addr file, with a deadline
		}
	}
	return fmt.Errorf("hub %s did not report its addresses", h.Name)
}

// Client is a go-redis client of hub i (RESP2); it changes on restart.
func (c *Cluster) Client(i int) *redis.Client { return c.Hubs[i].client }

// Logs is hub i's stderr, across restarts.
func (c *Cluster) Logs(i int) string { return c.Hubs[i].logs.String() }

// Running reports whether hub i is running.
func (c *Cluster) Running(i int) bool {
	h := c.Hubs[i]
	if h.exited == nil {
		return false
	}
	select {
	case <-h.exited:
		return false
	default:
		return true
	}
}

// Cut stops hub i from pulling hub j's stream (one way).
func (c *Cluster) Cut(i, j int) { c.links[i][j].Cut() }

// Partition cuts every link between hubs of different groups, both ways,
// and restores the links inside each group. Hubs in no group are left
// as they are.
func (c *Cluster) Partition(groups ...[]int) {
	group := map[int]int{}
	for g, hs := range groups {
		for _, h := range hs {
			group[h] = g
		}
	}
	for i := range c.links {
		for j := range c.links {
			gi, oki := group[i]
			gj, okj := group[j]
			if i == j || !oki || !okj {
				continue
			}
			if gi == gj {
				c.links[i][j].Restore()
			} else {
				c.links[i][j].Cut()
			}
		}
	}
}

// Heal restores every link.
func (c *Cluster) Heal() {
	for i := range c.links {
		for j := range c.links {
			if i != j {
				c.links[i][j].Restore()
			}
		}
	}
}

// Kill sends SIGKILL to hub i and waits for it to exit.
func (c *Cluster) Kill(i int) {
	h := c.Hubs[i]
	if !c.Running(i) {
		return
	}
	_ = h.cmd.Process.Kill()
	<-h.exited
	h.client.Close()
}

// Stop stops hub i gracefully (SIGTERM) and waits, at most 20 s.
func (c *Cluster) Stop(i int) {
	h := c.Hubs[i]
	if !c.Running(i) {
		return
	}
	_ = h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-h.exited:
	case <-time.After(20 * time.Second):
		_ = h.cmd.Process.Kill()
		<-h.exited
	}
	h.client.Close()
}

// Restart starts hub i again (after Kill or Stop) on its directory, or on
// an empty one when wipe is set.
func (c *Cluster) Restart(i int, wipe bool) error {
	if c.Running(i) {
		return fmt.Errorf("meshtest: hub %s is running", c.Hubs[i].Name)
	}
	if wipe {
		if err := os.RemoveAll(c.Hubs[i].Dir); err != nil {
			return err
		}
	}
	return c.start(i)
}

// Digest is hub i's CRDT.DIGEST.
func (c *Cluster) Digest(ctx context.Context, i int) (string, error) {
	if !c.Running(i) {
		return "", errStopped
	}
	return c.Hubs[i].client.Do(ctx, "CRDT.DIGEST").Text()
}

// WaitConverged polls, until ctx ends, for every running hub to answer the
// same digest, and returns it with the time it took.
func (c *Cluster) WaitConverged(ctx context.Context) (string, time.Duration, error) {
	start := time.Now()
	var last []string
	wait := 10 * time.Millisecond
	for {
		var ds []string
		ok := true
		for i := range c.Hubs {
			if !c.Running(i) {
				continue
			}
			d, err := c.Digest(ctx, i)
			if err != nil {
				ok = false
				break
			}
			ds = append(ds, d)
		}
		if ok && len(ds) > 0 {
			same := true
			for _, d := range ds[1:] {
				same = same && d == ds[0]
			}
			if same {
				return ds[0], time.Since(start), nil
			}
			last = ds // a complete round, for the error
		}
		select {
		case <-ctx.Done():
			return "", time.Since(start), fmt.Errorf("meshtest: hubs did not converge: digests %v", last)
		case <-time.After(wait): // polling the digests, with ctx's deadline
		}
		// CRDT.DIGEST walks the whole state on the hub's owner goroutine:
		// poll less often as the wait grows.
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// Info returns one field of hub i's INFO (all sections).
func (c *Cluster) Info(ctx context.Context, i int, field string) string {
	if !c.Running(i) {
		return ""
	}
	s, err := c.Hubs[i].client.Info(ctx, "everything").Result()
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(s, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	return ""
}

// Close stops every hub (SIGTERM) and every proxy.
func (c *Cluster) Close() {
	for i := range c.Hubs {
		c.Stop(i)
	}
	for _, row := range c.links {
		for _, p := range row {
			if p != nil {
				p.Close()
			}
		}
	}
}
