package syncproto

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"time"

	"lattice/shared/causal"
)

// Proof answers a peer's challenge: HMAC-SHA256 of the nonce, under the
// mesh secret, bound to the side answering (so a proof cannot be
// reflected back). An empty secret gives an empty proof (no mesh secret).
func Proof(secret []byte, side string, nonce []byte) []byte {
	if len(secret) == 0 {
		return nil
	}
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(side))
	h.Write(nonce)
	return h.Sum(nil)
}

// The sides named in proofs.
const (
	SideSource = "source"
	SideSink   = "sink"
)

// CheckProof reports whether proof answers nonce for side under secret.
func CheckProof(secret []byte, side string, nonce, proof []byte) bool {
	if len(secret) == 0 {
		return true
	}
	return hmac.Equal(Proof(secret, side, nonce), proof)
}

// ClockOffset returns how far the peer's clock is ahead of ours, from a
// sample taken when a message stamped peerNow arrived at localNow after
// a round trip rtt (the message spent about rtt/2 on the way).
func ClockOffset(peerNow, localNow int64, rtt time.Duration) time.Duration {
	return time.Duration(peerNow+int64(rtt/2)-localNow) * time.Nanosecond
}

// Source is the flow-control state of the side whose stream flows: the
// positions (the source's log sequence numbers, LSNs) it sent and the sink
// acknowledged. Sending stops when Window deltas or WindowBytes bytes are
// unacknowledged, so a slow sink bounds the memory both sides spend.
type Source struct {
	Window      int   // unacknowledged deltas allowed; default 8192
	WindowBytes int64 // unacknowledged bytes allowed; default 16 MiB

	sent, acked uint64
	inflight    []flight // oldest first
	bytes       int64
}

type flight struct {
	lsn  uint64
	size int64
}

// Start sets the position the stream starts after (the LSN the sink holds
// everything up to, or a snapshot's).
func (s *Source) Start(lsn uint64) {
	if s.Window <= 0 {
		s.Window = 8192
	}
	if s.WindowBytes <= 0 {
		s.WindowBytes = 16 << 20
	}
	s.sent, s.acked = lsn, lsn
	s.inflight, s.bytes = s.inflight[:0], 0
}

// Acked is the last LSN the sink acknowledged.
func (s *Source) Acked() uint64 { return s.acked }

// Room reports whether one more delta of size bytes may be sent now. The
// first unacknowledged delta is always allowed, whatever its size.
func (s *Source) Room(size int) bool {
	if len(s.inflight) == 0 {
		return true
	}
	return len(s.inflight) < s.Window && s.bytes+int64(size) <= s.WindowBytes
}

// Send records that the delta at lsn, of size bytes, went out; size 0
// records a delta skipped because the sink has it.
func (s *Source) Send(lsn uint64, size int) error {
	if lsn <= s.sent {
		return fmt.Errorf("syncproto: sending lsn %d after %d", lsn, s.sent)
	}
	s.sent = lsn
	if size > 0 {
		s.inflight = append(s.inflight, flight{lsn, int64(size)})
		s.bytes += int64(size)
	}
	return nil
}

// Ack takes the sink's acknowledgement of everything up to lsn.
func (s *Source) Ack(lsn uint64) error {
	if lsn > s.sent {
		return fmt.Errorf("%w: ack of %d, but only %d sent", ErrProtocol, lsn, s.sent)
	}
	s.acked = max(s.acked, lsn)
	for len(s.inflight) > 0 && s.inflight[0].lsn <= lsn {
		s.bytes -= s.inflight[0].size
		s.inflight = s.inflight[1:]
	}
	return nil
}

// Sink is the receiving side's state for one link: the last position
// received, and a snapshot being received (kept across reconnections, so
// that a transfer cut short resumes).
type Sink struct {
	// MaxSnapshot bounds a snapshot's declared size before anything is
	// allocated for it. Default: 4 GiB.
	MaxSnapshot int64

	last uint64
	snap struct {
		id   uint64
		lsn  uint64
		size int64
		data []byte
	}
}

// Connected starts a new connection: positions are per connection.
func (k *Sink) Connected() { k.last = 0 }

// Deltas checks a Deltas message: positions only move forward.
func (k *Sink) Deltas(m *Message) error {
	if m.Seq <= k.last {
		return fmt.Errorf("%w: deltas up to %d after %d", ErrProtocol, m.Seq, k.last)
	}
	k.last = m.Seq
	return nil
}

// Pull returns the Pull that asks for everything the applied context
// lacks, resuming a snapshot transfer cut short if there is one.
func (k *Sink) Pull(applied *causal.Context) Message {
	m := Message{Kind: KindPull, Applied: applied}
	if k.snap.id != 0 {
		m.SnapID, m.Offset = k.snap.id, int64(len(k.snap.data))
	}
	return m
}

// Chunk takes a snapshot chunk. It returns the whole snapshot, and the
// source position it holds, once the last chunk is in; a chunk of another
// transfer starts over, and one that does not continue the bytes received
// so far is a protocol error.
func (k *Sink) Chunk(m *Message) (snapshot []byte, lsn uint64, err error) {
	max := k.MaxSnapshot
	if max <= 0 {
		max = 4 << 30
	}
	if m.Size > max {
		return nil, 0, fmt.Errorf("%w: snapshot of %d bytes exceeds the limit %d", ErrProtocol, m.Size, max)
	}
	s := &k.snap
	if m.SnapID != s.id || m.Size != s.size || m.Seq != s.lsn {
		if m.Offset != 0 {
			return nil, 0, fmt.Errorf("%w: snapshot %d resumed at %d, but not started", ErrProtocol, m.SnapID, m.Offset)
		}
		s.id, s.lsn, s.size, s.data = m.SnapID, m.Seq, m.Size, nil
	}
	if m.Offset != int64(len(s.data)) {
		return nil, 0, fmt.Errorf("%w: snapshot chunk at %d, want %d", ErrProtocol, m.Offset, len(s.data))
	}
	if s.data == nil {
		// Grow as the bytes arrive: the declared size is the peer's word.
		s.data = make([]byte, 0, min(m.Size, 1<<20))
	}
	s.data = append(s.data, m.Data...)
	if int64(len(s.data)) < s.size {
		return nil, 0, nil
	}
	out, lsn := s.data, s.lsn
	s.id, s.lsn, s.size, s.data = 0, 0, 0, nil
	k.last = lsn
	return out, lsn, nil
}

// Progress reports a snapshot being received: bytes so far and in all.
func (k *Sink) Progress() (got, size int64) { return int64(len(k.snap.data)), k.snap.size }

// Peer is what a Hello says about the replica behind a link.
type Peer struct {
	ID   causal.ReplicaID
	Name string
	Role string
}

// PeerOf reads a Hello.
func PeerOf(m *Message) (Peer, error) {
	if m.Kind != KindHello {
		return Peer{}, fmt.Errorf("%w: %s before hello", ErrProtocol, m.Kind)
	}
	return Peer{ID: m.ReplicaOf(), Name: m.Name, Role: m.Role}, nil
}
