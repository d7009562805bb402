// Package meshtest runs meshes of real hub processes on loopback for tests
// and benchmark programs: every link goes through a Proxy that can cut it,
// so partitions are real (the hubs see connections fail and time out).
package meshtest

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy forwards TCP connections from its own loopback address (port 0) to
// a target address, and can cut them: Cut closes the live connections and
// refuses new ones (accepts and closes them at once) until Restore.
type Proxy struct {
	ln    net.Listener
	bytes atomic.Int64
	rate  atomic.Int64 // bytes per second through each direction; 0: unlimited

	mu     sync.Mutex
	target string
	cut    bool
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// NewProxy listens on 127.0.0.1:0. Until SetTarget, connections are closed.
func NewProxy() (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the address clients dial.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetTarget sets where new connections go (live ones are closed, since
// they lead to the old target).
func (p *Proxy) SetTarget(addr string) {
	p.mu.Lock()
	p.target = addr
	p.mu.Unlock()
	p.closeConns()
}

// Cut closes every live connection and refuses new ones.
func (p *Proxy) Cut() {
	p.mu.Lock()
	p.cut = true
	p.mu.Unlock()
	p.closeConns()
}

// Restore lets connections through again.
func (p *Proxy) Restore() {
	p.mu.Lock()
	p.cut = false
	p.mu.Unlock()
}

// Throttle limits each direction of every connection to bytesPerSec (0:
// unlimited), to emulate a slow link: a transfer then takes long enough
// to be cut in the middle.
func (p *Proxy) Throttle(bytesPerSec int64) { p.rate.Store(bytesPerSec) }

// Bytes is the number of bytes forwarded, both ways.
func (p *Proxy) Bytes() int64 { return p.bytes.Load() }

// Close stops the proxy and closes its connections.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.ln.Close()
	p.closeConns()
	p.wg.Wait()
}

func (p *Proxy) closeConns() {
	p.mu.Lock()
	conns := p.conns
	p.conns = map[net.Conn]struct{}{}
	p.mu.Unlock()
	for c := range conns {
		c.Close()
	}
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		target, refuse := p.target, p.cut || p.closed || p.target == ""
		p.mu.Unlock()
		if refuse {
			c.Close()
			continue
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.forward(c, target)
		}()
	}
}

func (p *Proxy) forward(c net.Conn, target string) {
	u, err := net.Dial("tcp", target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.cut || p.closed {
		p.mu.Unlock()
		c.Close()
		u.Close()
		return
	}
	p.conns[c], p.conns[u] = struct{}{}, struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, counting{src, &p.bytes, &p.rate})
		dst.Close()
		src.Close()
		done <- struct{}{}
	}
	go pipe(u, c)
	pipe(c, u)
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, u)
	p.mu.Unlock()
}

// errStopped is returned for a hub that is not running.
var errStopped = errors.New("meshtest: hub not running")

// counting counts the bytes read through it as they pass, and paces them
// when the proxy is throttled.
type counting struct {
	r    io.Reader
	n    *atomic.Int64
	rate *atomic.Int64
}

func (c counting) Read(b []byte) (int, error) {
	if r := c.rate.Load(); r > 0 && int64(len(b)) > r/100 {
		b = b[:max(r/100, 1)] // at most 10 ms of traffic per read
	}
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	if r := c.rate.Load(); r > 0 && n > 0 {
		time.Sleep(time.Duration(int64(n) * int64(time.Second) / r)) // link emulation, not a wait
	}
	return n, err
}
