package mesh

import (
	"sync"

	"lattice/shared/causal"
)

// Backlog is the recent part of this hub's log, in memory up to a byte
// budget, for the links that ship it: every delta the hub applied, its own
// and its peers' (so a hub passes on what a peer it can reach has not yet
// got from a peer it cannot), each with its origin and a position (LSN)
// that counts up for the life of the process. It is Redis's replication
// backlog, with one difference: a sink says what it holds by origins, not
// by offset, so it may resume from any hub.
//
// Evicted holds the origins of what the hub holds but the backlog no longer
// does (evicted entries, the snapshot it recovered from, full syncs it
// merged): a sink missing any of them needs a full sync.
type Backlog struct {
	mu      sync.Mutex
	max     int64
	bytes   int64
	head    uint64  // LSN of the newest entry
	ents    []entry // oldest first, LSNs consecutive
	evicted causal.Context
	changed chan struct{}
}

type entry struct {
	lsn     uint64
	origin  causal.Dot
	payload []byte
}

// NewBacklog returns an empty backlog holding at most max bytes (at least
// the newest delta, whatever its size).
func NewBacklog(max int64) *Backlog {
	return &Backlog{max: max, changed: make(chan struct{})}
}

// Head is the LSN of the newest entry (0 before the first).
func (b *Backlog) Head() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.head
}

// Add appends deltas with their origins, evicting the oldest entries over
// the budget, and wakes the links once.
func (b *Backlog) Add(origins []causal.Dot, payloads [][]byte) {
	b.mu.Lock()
	for i, p := range payloads {
		b.head++
		b.ents = append(b.ents, entry{lsn: b.head, origin: origins[i], payload: p})
		b.bytes += int64(len(p))
	}
	for len(b.ents) > 1 && b.bytes > b.max {
		b.bytes -= int64(len(b.ents[0].payload))
		b.evicted.Add(b.ents[0].origin)
		b.ents[0] = entry{}
		b.ents = b.ents[1:]
	}
	ch := b.changed
	b.changed = make(chan struct{})
	b.mu.Unlock()
	close(ch)
}

// Evict records state the hub holds that no entry carries (a snapshot's
// Applied context).
func (b *Backlog) Evict(c *causal.Context) {
	if c == nil {
		return
	}
	b.mu.Lock()
	b.evicted.Join(c)
	b.mu.Unlock()
}

// Covers reports whether a sink holding the deltas of applied can be
// brought up to date from the backlog alone (a partial sync).
func (b *Backlog) Covers(applied *causal.Context) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return applied.Dominates(&b.evicted)
}

// Read returns up to maxN entries after position lsn, stopping after
// maxBytes (at least one entry if any), and a channel closed when the
// backlog next changes. ok is false when entries after lsn were evicted.
func (b *Backlog) Read(lsn uint64, maxN int, maxBytes int64) (es []entry, changed <-chan struct{}, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.ents) == 0 {
		return nil, b.changed, lsn >= b.head
	}
	first := b.ents[0].lsn
	if lsn+1 < first {
		return nil, b.changed, false
	}
	var size int64
	for i := lsn + 1 - first; i < uint64(len(b.ents)) && len(es) < maxN; i++ {
		if len(es) > 0 && size+int64(len(b.ents[i].payload)) > maxBytes {
			break
		}
		es = append(es, b.ents[i])
		size += int64(len(b.ents[i].payload))
	}
	return es, b.changed, true
}

// Tail is the position just before the oldest entry (the head when
// empty): a partial sync sends from there on.
func (b *Backlog) Tail() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.ents) == 0 {
		return b.head
	}
	return b.ents[0].lsn - 1
}

// Bytes is the memory the backlog holds.
func (b *Backlog) Bytes() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bytes
}
