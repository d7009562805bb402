package crdt_test

import (
	"runtime"
	"testing"

	"lattice/shared/causal"
	"lattice/shared/codec"
	"lattice/shared/crdt"
	"lattice/shared/hlc"
)

// Benchmarks of the list CRDT at 1M elements (STYLE R12). Every write goes
// the way the engine's will: compute the delta from the state, then join
// it with its context. Run with
//
//	go test ./shared/crdt -run '^$' -bench Sequence -benchmem

const seqBenchN = 1_000_000

// seqBench is one replica's list and context. Its dots are contiguous, so
// the context stays one version-vector entry, and the delta context is a
// reused buffer: what is measured is the Sequence.
type seqBench struct {
	s   *crdt.Sequence
	cc  causal.Context
	co  causal.Context
	rm  []causal.Dot
	seq uint64
	ts  hlc.Timestamp
	val []byte
}

// newSeqBench builds a list of n elements by pushes at alternate ends.
// Every element shares one 8-byte value, so memory measures metadata.
func newSeqBench(n int) *seqBench {
	b := &seqBench{s: crdt.NewSequence(), ts: hlc.Timestamp{Wall: 1_700_000_000_000}, val: []byte("01234567")}
	for i := range n {
		b.push(i%2 == 0)
	}
	return b
}

func (b *seqBench) next() causal.Dot {
	b.seq++
	b.ts.Logical++
	return causal.Dot{Replica: replicaA, Seq: b.seq}
}

// join joins d with a context of dots, given in increasing order.
func (b *seqBench) join(d *crdt.SeqDelta, dots ...causal.Dot) {
	b.co.Cloud = append(b.co.Cloud[:0], dots...)
	b.s.Join(&b.cc, d, &b.co, false)
	b.cc.Join(&b.co)
}

func (b *seqBench) push(back bool) {
	id := b.next()
	d := b.s.Push(back, id, b.ts, b.val)
	b.join(&d, id)
}

func (b *seqBench) insertMiddle() {
	id := b.next()
	d := b.s.InsertAt(b.s.Len()/2, id, b.ts, b.val)
	b.join(&d, id)
}

func (b *seqBench) insertAfterMiddle() {
	pivot, _ := b.s.At(b.s.Len() / 2)
	id := b.next()
	d, _ := b.s.Insert(pivot, true, id, b.ts, b.val)
	b.join(&d, id)
}

func (b *seqBench) set() {
	id, _ := b.s.At(b.s.Len() / 2)
	dot := b.next()
	d, rm, _ := b.s.Set(id, dot, b.ts, b.val, b.rm[:0])
	b.rm = rm
	b.join(&d, append(rm, dot)...)
}

func (b *seqBench) pop(back bool) {
	i := 0
	if back {
		i = b.s.Len() - 1
	}
	id, _ := b.s.At(i)
	d, _ := b.s.Remove(id)
	b.join(&d, id, b.next())
}

func BenchmarkSequence(b *testing.B) {
	mid := func(x *seqBench) int { return x.s.Len() / 2 }
	pop := func(back bool) func(*testing.B, *seqBench) {
		return func(b *testing.B, x *seqBench) {
			if x.s.Len() < seqBenchN/2 {
				b.StopTimer()
				for range seqBenchN / 2 {
					x.push(true)
				}
				b.StartTimer()
			}
			x.pop(back)
		}
	}
	cases := []struct {
		name string
		op   func(*testing.B, *seqBench)
	}{
		{name: "RPUSH", op: func(_ *testing.B, x *seqBench) { x.push(true) }},
		{name: "LPUSH", op: func(_ *testing.B, x *seqBench) { x.push(false) }},
		{name: "LINDEX_middle", op: func(_ *testing.B, x *seqBench) { x.s.At(mid(x)) }},
		{name: "LRANGE_100_middle", op: func(_ *testing.B, x *seqBench) {
			for range x.s.Range(mid(x), mid(x)+100) {
			}
		}},
		{name: "InsertAt_middle", op: func(_ *testing.B, x *seqBench) { x.insertMiddle() }},
		{name: "LINSERT_after_id", op: func(_ *testing.B, x *seqBench) { x.insertAfterMiddle() }},
		{name: "LSET_middle", op: func(_ *testing.B, x *seqBench) { x.set() }},
		{name: "LPOP", op: pop(false)},
		{name: "RPOP", op: pop(true)},
	}
	for _, tc := range cases {
		b.Run(tc.name+"/elems=1M", func(b *testing.B) {
			x := newSeqBench(seqBenchN)
			b.ReportAllocs()
			for b.Loop() {
				tc.op(b, x)
			}
		})
	}
}

// BenchmarkSequence_Memory reports the heap bytes per element of a 1M list
// (values aside: all elements share one value), live and after every
// element was popped (tombstones).
func BenchmarkSequence_Memory(b *testing.B) {
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for b.Loop() {
		before := heap()
		x := newSeqBench(seqBenchN)
		live := heap()
		for x.s.Len() > 0 {
			x.pop(false)
		}
		dead := heap()
		b.ReportMetric(float64(live-before)/seqBenchN, "B/live-elem")
		b.ReportMetric(float64(dead-before)/seqBenchN, "B/tombstone")
		runtime.KeepAlive(x)
	}
}

// BenchmarkSequence_Encode measures the canonical encoding of a 1M list and
// its decoding, and reports encoded bytes per element.
func BenchmarkSequence_Encode(b *testing.B) {
	x := newSeqBench(seqBenchN)
	enc, err := codec.Marshal(x.s)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode/elems=1M", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := codec.Marshal(x.s); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(enc))/seqBenchN, "B/elem")
	})
	b.Run("decode/elems=1M", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var s crdt.Sequence
			if err := codec.Unmarshal(enc, &s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
