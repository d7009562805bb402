package syncproto

import (
	"bytes"
	"errors"
	"testing"

	"lattice/shared/causal"
)

func TestEncodeDecodeRoundTrip(t *testing.T) {
	id := causal.ReplicaID{1, 2, 3}
	msgs := []Message{
		{Kind: KindHello, Replica: id[:], Name: "eu", Role: RoleHub, Now: 123, Seq: 9, Nonce: []byte("n")},
		{Kind: KindPull, Seq: 4, SnapID: 7, Offset: 10},
		{Kind: KindDeltas, Seq: 5, Deltas: [][]byte{{1}, {2, 3}}, Origins: []causal.Dot{{Replica: id, Seq: 1}, {Replica: id, Seq: 2}}},
		{Kind: KindPull, Applied: &causal.Context{VV: []causal.VVEntry{{Replica: id, Seq: 3}}}},
		{Kind: KindAck, Seq: 6},
		{Kind: KindSnapshot, SnapID: 1, Seq: 3, Size: 4, Offset: 2, Data: []byte{9, 9}},
		{Kind: KindPing, Now: 5},
		{Kind: KindPong, Now: 6, Echo: 5},
		{Kind: KindError, Err: "bye"},
		{Kind: KindPublish, Channel: []byte("news"), Data: []byte("hello")},
	}
	for _, m := range msgs {
		b, err := Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatalf("%s: %v", m.Kind, err)
		}
		b2, _ := Encode(got)
		if !bytes.Equal(b, b2) {
			t.Fatalf("%s: round trip changed the bytes", m.Kind)
		}
	}
}

func TestDecodeRefuses(t *testing.T) {
	bad := []Message{
		{Kind: KindHello, Replica: []byte{1}},
		{Kind: KindDeltas, Seq: 1},
		{Kind: KindDeltas, Deltas: [][]byte{{1}}, Origins: []causal.Dot{{Seq: 1}}},
		{Kind: KindDeltas, Seq: 1, Deltas: [][]byte{{1}}},
		{Kind: KindDeltas, Seq: 1, Deltas: [][]byte{{1}}, Origins: []causal.Dot{{}}},
		{Kind: KindSnapshot, SnapID: 1, Size: 2, Offset: 1, Data: []byte{1, 2}},
		{Kind: KindSnapshot, Size: 2},
		{Kind: 99},
	}
	for _, m := range bad {
		b, err := Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Decode(b); !errors.Is(err, ErrProtocol) {
			t.Errorf("%+v: got %v, want a protocol error", m, err)
		}
	}
	for _, b := range [][]byte{nil, {0xff}, {0xa1, 0x01, 0x02}} {
		if _, err := Decode(b); !errors.Is(err, ErrProtocol) {
			t.Errorf("%x: got %v, want a protocol error", b, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, m := range []Message{{Kind: KindHello, Replica: make([]byte, 16)}, {Kind: KindDeltas, Seq: 1, Deltas: [][]byte{{1}}, Origins: []causal.Dot{{Seq: 1}}}} {
		b, _ := Encode(m)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		if _, err := Encode(m); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSourceWindow(t *testing.T) {
	var s Source
	s.Start(4)
	s.Window, s.WindowBytes = 2, 100
	if !s.Room(1000) {
		t.Fatal("the first delta is always allowed")
	}
	_ = s.Send(5, 1000)
	if s.Room(1) {
		t.Fatal("window bytes exceeded")
	}
	if err := s.Ack(6); !errors.Is(err, ErrProtocol) {
		t.Fatal("ack beyond sent accepted")
	}
	_ = s.Ack(5)
	_ = s.Send(6, 10)
	_ = s.Send(7, 0) // skipped: the sink has it
	_ = s.Send(8, 10)
	if s.Room(1) {
		t.Fatal("window count exceeded")
	}
	if err := s.Send(8, 1); err == nil {
		t.Fatal("position sent twice accepted")
	}
	_ = s.Ack(8)
	if s.Acked() != 8 || !s.Room(50) {
		t.Fatal("ack did not free the window")
	}
}

func TestSinkDeltasMoveForward(t *testing.T) {
	var k Sink
	if err := k.Deltas(&Message{Seq: 3}); err != nil {
		t.Fatal(err)
	}
	if err := k.Deltas(&Message{Seq: 3}); !errors.Is(err, ErrProtocol) {
		t.Fatal("position going back accepted")
	}
	k.Connected()
	if err := k.Deltas(&Message{Seq: 1}); err != nil {
		t.Fatal("positions are per connection")
	}
}

func TestSinkSnapshotResume(t *testing.T) {
	var k Sink
	if out, _, err := k.Chunk(&Message{SnapID: 1, Seq: 9, Size: 6, Offset: 0, Data: []byte("abc")}); err != nil || out != nil {
		t.Fatal(out, err)
	}
	r := k.Pull(nil)
	if r.SnapID != 1 || r.Offset != 3 {
		t.Fatalf("resume %+v", r)
	}
	if _, _, err := k.Chunk(&Message{SnapID: 1, Seq: 9, Size: 6, Offset: 4, Data: []byte("x")}); !errors.Is(err, ErrProtocol) {
		t.Fatal("chunk out of place accepted")
	}
	out, seq, err := k.Chunk(&Message{SnapID: 1, Seq: 9, Size: 6, Offset: 3, Data: []byte("def")})
	if err != nil || string(out) != "abcdef" || seq != 9 {
		t.Fatalf("got %q %d %v", out, seq, err)
	}
	if r := k.Pull(nil); r.SnapID != 0 {
		t.Fatal("a finished transfer is resumed")
	}
	if _, _, err := k.Chunk(&Message{SnapID: 2, Size: 10, Offset: 5}); !errors.Is(err, ErrProtocol) {
		t.Fatal("resume of an unknown transfer accepted")
	}
	k.MaxSnapshot = 10
	if _, _, err := k.Chunk(&Message{SnapID: 3, Size: 11}); !errors.Is(err, ErrProtocol) {
		t.Fatal("oversized snapshot accepted")
	}
}

func TestProof(t *testing.T) {
	sec := []byte("s3cret")
	p := Proof(sec, SideSource, []byte("nonce"))
	if !CheckProof(sec, SideSource, []byte("nonce"), p) {
		t.Fatal("valid proof refused")
	}
	if CheckProof(sec, SideSink, []byte("nonce"), p) || CheckProof([]byte("other"), SideSource, []byte("nonce"), p) {
		t.Fatal("proof reflected or under another secret accepted")
	}
}
