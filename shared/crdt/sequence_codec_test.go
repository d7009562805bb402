package crdt_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"lattice/shared/causal"
	"lattice/shared/codec"
	"lattice/shared/crdt"
	"lattice/shared/hlc"
)

// seqSamples returns replica states from random concurrent histories,
// pending elements and tombstones included.
func seqSamples(n int) []*crdt.Sequence {
	var out []*crdt.Sequence
	for seed := range uint64(n) {
		r := rand.New(rand.NewPCG(seed, 31))
		reps, _ := seqHistory(r, 3, 5+r.IntN(40))
		for _, rep := range reps {
			out = append(out, rep.s)
		}
	}
	return out
}

// TestSequence_EncodeRoundTrip: decoding an encoded state and cloning give
// the same bytes, and the copies go on to behave like the original.
func TestSequence_EncodeRoundTrip(t *testing.T) {
	t.Parallel()
	pending := 0
	for i, s := range seqSamples(100) {
		b := encodeSeq(t, s)
		var dec crdt.Sequence
		if err := codec.Unmarshal(b, &dec); err != nil {
			t.Fatalf("sample %d: decode: %v", i, err)
		}
		clone := s.Clone()
		for _, c := range []*crdt.Sequence{&dec, clone} {
			if !bytes.Equal(encodeSeq(t, c), b) {
				t.Fatalf("sample %d: copy encodes differently", i)
			}
		}
		pending += len(s.Snapshot().Pending)
		// The same write, joined into the original and the copies.
		id := causal.Dot{Replica: causal.ReplicaID{15: 9}, Seq: 1}
		d := s.InsertAt(s.Len()/2, id, hlc.Timestamp{Wall: 1}, []byte("w"))
		cc := ctxOf(nil, id)
		var empty causal.Context
		for _, c := range []*crdt.Sequence{s, &dec, clone} {
			c.Join(&empty, &d, &cc, false)
		}
		if !bytes.Equal(encodeSeq(t, &dec), encodeSeq(t, s)) || !bytes.Equal(encodeSeq(t, clone), encodeSeq(t, s)) {
			t.Fatalf("sample %d: copies diverge after the same join", i)
		}
	}
	if pending == 0 {
		t.Fatalf("no sample holds a pending element: the samples miss a case")
	}
}

// snapshotBytes is the reference encoding: codec.Marshal of Snapshot.
func snapshotBytes(t testing.TB, s *crdt.Sequence) []byte {
	t.Helper()
	d := s.Snapshot()
	b, err := codec.Marshal(&d)
	if err != nil {
		t.Fatalf("encode snapshot: %v", err)
	}
	return b
}

// TestSequence_MarshalMatchesCodec: the hand-written encoder gives the
// bytes codec.Marshal gives for the Snapshot, on random states and on
// values at every CBOR head width.
func TestSequence_MarshalMatchesCodec(t *testing.T) {
	t.Parallel()
	edge := crdt.NewSequence()
	rep := func(b byte) causal.ReplicaID { return causal.ReplicaID{0: b, 15: ^b} }
	var d crdt.SeqDelta
	prev := causal.Dot{}
	for i, n := range []uint64{0, 1, 23, 24, 255, 256, 65535, 65536, 1<<32 - 1, 1 << 32, 1<<64 - 1} {
		id := causal.Dot{Replica: rep(byte(i)), Seq: max(n, 1)}
		ts := hlc.Timestamp{Wall: int64(n >> 1), Logical: uint32(n)}
		if i%2 == 1 {
			ts.Wall = -ts.Wall - 1
		}
		vals := []crdt.SeqVal{{Dot: id, TS: ts, Val: bytes.Repeat([]byte("v"), int(min(n, 70000)))}}
		if i == 3 {
			vals = append(vals, crdt.SeqVal{Dot: causal.Dot{Replica: rep(200), Seq: 7}, TS: ts})
		}
		d.Elems = append(d.Elems, crdt.SeqElem{ID: id, Left: prev, Vals: vals, Dead: i == 5})
		prev = id
	}
	d.Pending = []crdt.SeqElem{{ID: causal.Dot{Replica: rep(9), Seq: 3}, Left: causal.Dot{Replica: rep(99), Seq: 1}}}
	var cs, co causal.Context
	edge.Join(&cs, &d, &co, false)
	samples := append(seqSamples(50), edge, crdt.NewSequence())
	for i, s := range samples {
		if got, want := encodeSeq(t, s), snapshotBytes(t, s); !bytes.Equal(got, want) {
			t.Fatalf("sample %d: MarshalCBOR\n%x\ncodec.Marshal(Snapshot)\n%x", i, got, want)
		}
	}
}

// TestSequence_ZeroValue: the zero Sequence is an empty one.
func TestSequence_ZeroValue(t *testing.T) {
	t.Parallel()
	var z crdt.Sequence
	if z.Len() != 0 || z.Tombstones() != 0 || !bytes.Equal(encodeSeq(t, &z), encodeSeq(t, crdt.NewSequence())) {
		t.Fatalf("zero Sequence is not empty")
	}
	id := causal.Dot{Replica: causal.ReplicaID{15: 1}, Seq: 1}
	d := z.Push(true, id, hlc.Timestamp{}, []byte("v"))
	var cs causal.Context
	cc := ctxOf(nil, id)
	z.Join(&cs, &d, &cc, false)
	if _, v := z.At(0); z.Len() != 1 || string(v) != "v" {
		t.Fatalf("zero Sequence after a push: len %d", z.Len())
	}
}

// TestSequence_DecodeMalformed: snapshots that break the structure are
// refused with codec.ErrDecode.
func TestSequence_DecodeMalformed(t *testing.T) {
	t.Parallel()
	dot := func(seq uint64) causal.Dot { return causal.Dot{Replica: causal.ReplicaID{15: 1}, Seq: seq} }
	val := func(d causal.Dot) []crdt.SeqVal { return []crdt.SeqVal{{Dot: d, Val: []byte("v")}} }
	tests := []struct {
		name string
		d    crdt.SeqDelta
	}{
		{name: "zero id", d: crdt.SeqDelta{Elems: []crdt.SeqElem{{}}}},
		{name: "repeated id", d: crdt.SeqDelta{Elems: []crdt.SeqElem{{ID: dot(1)}, {ID: dot(1)}}}},
		{name: "repeated pending id", d: crdt.SeqDelta{Elems: []crdt.SeqElem{{ID: dot(1)}}, Pending: []crdt.SeqElem{{ID: dot(1), Left: dot(7)}}}},
		{name: "before its left origin", d: crdt.SeqDelta{Elems: []crdt.SeqElem{{ID: dot(2), Left: dot(1)}, {ID: dot(1)}}}},
		{name: "after its right origin", d: crdt.SeqDelta{Elems: []crdt.SeqElem{{ID: dot(1)}, {ID: dot(2), Right: dot(1)}}}},
		{name: "own origin", d: crdt.SeqDelta{Elems: []crdt.SeqElem{{ID: dot(1), Right: dot(1)}}}},
		{name: "missing origin", d: crdt.SeqDelta{Elems: []crdt.SeqElem{{ID: dot(1), Left: dot(5)}}}},
		{name: "unsorted values", d: crdt.SeqDelta{Elems: []crdt.SeqElem{{ID: dot(2), Vals: append(val(dot(2)), val(dot(1))...)}}}},
		{name: "zero value dot", d: crdt.SeqDelta{Elems: []crdt.SeqElem{{ID: dot(1), Vals: val(causal.Dot{})}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := codec.Marshal(&tc.d)
			if err != nil {
				t.Fatal(err)
			}
			var s crdt.Sequence
			if err := codec.Unmarshal(b, &s); !errors.Is(err, codec.ErrDecode) {
				t.Fatalf("decode error %v, want codec.ErrDecode", err)
			}
			if s.Len() != 0 {
				t.Fatalf("a refused snapshot left %d elements", s.Len())
			}
		})
	}
}

// TestSequence_EncodeLarge encodes and decodes a list of 100k elements
// built by pushes at both ends, inserts and pops.
func TestSequence_EncodeLarge(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("large list")
	}
	b := newSeqBench(100_000)
	for i := range 10_000 {
		b.insertMiddle()
		if i%3 == 0 {
			b.pop(i%2 == 0)
		}
	}
	enc := encodeSeq(t, b.s)
	var dec crdt.Sequence
	if err := codec.Unmarshal(enc, &dec); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if dec.Len() != b.s.Len() || !bytes.Equal(encodeSeq(t, &dec), enc) {
		t.Fatalf("large list does not round-trip")
	}
	if !bytes.Equal(enc, snapshotBytes(t, b.s)) {
		t.Fatalf("large list: MarshalCBOR differs from codec.Marshal(Snapshot)")
	}
}

// FuzzDecodeSequence: decoding arbitrary bytes never panics; what decodes
// re-encodes to a fixed point and survives writes and joins.
func FuzzDecodeSequence(f *testing.F) {
	for _, s := range seqSamples(8) {
		b, err := codec.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s crdt.Sequence
		if err := codec.Unmarshal(data, &s); err != nil {
			return
		}
		b1 := encodeSeq(t, &s)
		var s2 crdt.Sequence
		if err := codec.Unmarshal(b1, &s2); err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if b2 := encodeSeq(t, &s2); !bytes.Equal(b1, b2) {
			t.Fatalf("re-encoding is not a fixed point")
		}
		var cs causal.Context
		id := causal.Dot{Replica: causal.ReplicaID{0: 0xff}, Seq: 1}
		for _, d := range []crdt.SeqDelta{s.InsertAt(s.Len()/2, id, hlc.Timestamp{}, nil), s2.Snapshot()} {
			cc := ctxOf(nil, id)
			s.Join(&cs, &d, &cc, false)
		}
		d, rm := s.Clear()
		cc := ctxOf(rm)
		s.Join(&cs, &d, &cc, false)
		for range s.Range(0, s.Len()) {
		}
	})
}
