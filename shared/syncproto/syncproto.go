package syncproto

import (
	"errors"
	"fmt"

	"lattice/shared/causal"
	"lattice/shared/codec"
)

// Version is the protocol version in every envelope. A side that receives
// another version answers KindError and closes the link.
const Version = 1

// Kind says what a Message carries.
type Kind uint8

// The message kinds. "Source" is the side whose stream flows (the side that
// was dialled); "sink" is the side that pulls it (the dialler).
const (
	KindHello    Kind = 1  // both, first: who I am, my clock, my stream's head
	KindPull     Kind = 2  // sink: send your stream after Have (or resume a snapshot)
	KindDeltas   Kind = 3  // source: consecutive deltas of its stream from Seq
	KindAck      Kind = 4  // sink: your stream is durable here up to Seq
	KindSnapshot Kind = 5  // source: a chunk of a full-state snapshot (full sync)
	KindPing     Kind = 6  // both: liveness and clock sample
	KindPong     Kind = 7  // both: the answer to a ping, echoing its Now
	KindError    Kind = 8  // both: why the link is being closed
	KindPublish  Kind = 9  // source: a PUBLISH made on the source hub (best-effort)
	KindCaughtUp Kind = 10 // source: the sink has everything up to Seq (once per connection)
)

var kindNames = [...]string{"", "hello", "pull", "deltas", "ack", "snapshot", "ping", "pong", "error", "publish", "caught-up"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Message is the one envelope of the protocol: a CBOR map with integer keys,
// one per WebSocket binary frame. Which fields are set depends on Kind.
type Message struct {
	Version int  `cbor:"1,keyasint"`
	Kind    Kind `cbor:"2,keyasint"`

	// Hello.
	Replica []byte `cbor:"3,keyasint,omitempty"` // 16-byte replica id
	Name    string `cbor:"4,keyasint,omitempty"` // human name of a hub
	Role    string `cbor:"5,keyasint,omitempty"` // RoleHub
	Proof   []byte `cbor:"6,keyasint,omitempty"` // mesh secret proof (see Proof)
	Nonce   []byte `cbor:"7,keyasint,omitempty"` // the challenge the peer must answer

	// Hello, Ping, Pong: the sender's wall clock (Unix ns); Pong echoes the
	// ping's Now in Echo so the pinger can measure the round trip.
	Now  int64 `cbor:"8,keyasint,omitempty"`
	Echo int64 `cbor:"9,keyasint,omitempty"`

	// A position in the source's log (its log sequence number, LSN;
	// positions are per connection). Hello: the source's head. Deltas: the
	// last position the message covers (deltas the sink is known to hold
	// are skipped). Ack: everything up to it is durable at the sink.
	// Snapshot: the position the snapshot holds everything up to.
	Seq uint64 `cbor:"10,keyasint,omitempty"`

	// Deltas: engine.EncodeDelta bytes, and each one's origin (the replica
	// that made it and its number there: engine.Delta.Origin), by which
	// sinks drop the deltas they already hold.
	Deltas  [][]byte     `cbor:"11,keyasint,omitempty"`
	Origins []causal.Dot `cbor:"17,keyasint,omitempty"`
	// Pull: the origins of every delta the sink holds, so the source sends
	// the rest (or a snapshot, when its log no longer has them). Ack and a
	// sink's Ping: the sink's version vector (the contiguous part), so the
	// source skips what the sink got from elsewhere and knows what it holds
	// (causal stability).
	Applied *causal.Context `cbor:"18,keyasint,omitempty"`

	// Snapshot (and Pull, to resume one): transfer id, total size, offset
	// of Data, and the data. Publish: the message is in Data.
	SnapID uint64 `cbor:"12,keyasint,omitempty"`
	Size   int64  `cbor:"13,keyasint,omitempty"`
	Offset int64  `cbor:"14,keyasint,omitempty"`
	Data   []byte `cbor:"15,keyasint,omitempty"`

	// Error: the reason, for the peer's log.
	Err string `cbor:"16,keyasint,omitempty"`

	// Publish: the channel.
	Channel []byte `cbor:"19,keyasint,omitempty"`
}

// RoleHub is the role of a region hub in Hello.
const RoleHub = "hub"

// ErrProtocol wraps every violation of the protocol by the peer.
var ErrProtocol = errors.New("syncproto: protocol error")

// Encode returns the deterministic CBOR encoding of m, with Version set.
func Encode(m Message) ([]byte, error) {
	m.Version = Version
	return codec.Marshal(m)
}

// Decode decodes one frame, bounded by package codec's limits, and checks
// the version and the kind's required fields.
func Decode(b []byte) (Message, error) {
	var m Message
	if err := codec.Unmarshal(b, &m); err != nil {
		return Message{}, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	if m.Version != Version {
		return Message{}, fmt.Errorf("%w: version %d, want %d", ErrProtocol, m.Version, Version)
	}
	switch m.Kind {
	case KindHello:
		if len(m.Replica) != len(causal.ReplicaID{}) {
			return Message{}, fmt.Errorf("%w: hello without a 16-byte replica id", ErrProtocol)
		}
	case KindDeltas:
		if m.Seq == 0 || len(m.Deltas) == 0 || len(m.Origins) != len(m.Deltas) {
			return Message{}, fmt.Errorf("%w: deltas message without deltas, origins or position", ErrProtocol)
		}
		for _, o := range m.Origins {
			if o.Seq == 0 {
				return Message{}, fmt.Errorf("%w: delta without an origin", ErrProtocol)
			}
		}
	case KindSnapshot:
		if m.SnapID == 0 || m.Size < 0 || m.Offset < 0 || m.Offset+int64(len(m.Data)) > m.Size {
			return Message{}, fmt.Errorf("%w: snapshot chunk out of bounds", ErrProtocol)
		}
	case KindPull, KindAck, KindPing, KindPong, KindError, KindPublish, KindCaughtUp:
	default:
		return Message{}, fmt.Errorf("%w: unknown message kind %d", ErrProtocol, m.Kind)
	}
	return m, nil
}

// ReplicaOf returns the replica id of a Hello.
func (m *Message) ReplicaOf() causal.ReplicaID {
	var id causal.ReplicaID
	copy(id[:], m.Replica)
	return id
}
