package crdt_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"lattice/shared/causal"
	"lattice/shared/codec"
	"lattice/shared/crdt"
	"lattice/shared/hlc"
)

// seqRep is a replica holding one list, with Redis-shaped helpers that
// build deltas the way the engine will: mint a dot, compute the delta from
// the current state, join it locally, keep it for sync.
type seqRep struct {
	id    causal.ReplicaID
	s     *crdt.Sequence
	cc    causal.Context
	clock hlc.Clock
	now   int64 // Unix ns
	log   []seqMsg
}

// seqMsg is one delta with its context and timestamp.
type seqMsg struct {
	d  crdt.SeqDelta
	cc causal.Context
	ts hlc.Timestamp
}

func newSeqRep(id byte) *seqRep {
	return &seqRep{id: causal.ReplicaID{15: id}, s: crdt.NewSequence(), now: 1_700_000_000_000 * 1e6}
}

func (r *seqRep) mint() causal.Dot { return causal.Dot{Replica: r.id, Seq: r.cc.Max(r.id) + 1} }

func (r *seqRep) stamp() hlc.Timestamp {
	r.now += 1e6
	return r.clock.Now(r.now)
}

// apply joins a local delta and logs it for sync.
func (r *seqRep) apply(d crdt.SeqDelta, cc causal.Context, ts hlc.Timestamp) {
	r.receive(seqMsg{d: d, cc: cc, ts: ts})
	r.log = append(r.log, seqMsg{d: d, cc: cc, ts: ts})
}

// receive joins a delta, observing its timestamp as the engine's Merge does.
func (r *seqRep) receive(m seqMsg) {
	_ = r.clock.Update(m.ts, r.now)
	r.s.Join(&r.cc, &m.d, &m.cc, false)
	r.cc.Join(&m.cc)
}

func (r *seqRep) push(back bool, vals ...string) {
	for _, v := range vals {
		id, ts := r.mint(), r.stamp()
		r.apply(r.s.Push(back, id, ts, []byte(v)), ctxOf(nil, id), ts)
	}
}

// linsert inserts val next to the first element equal to pivot.
func (r *seqRep) linsert(after bool, pivot, val string) bool {
	for pid, v := range r.s.Range(0, r.s.Len()) {
		if string(v) != pivot {
			continue
		}
		id, ts := r.mint(), r.stamp()
		d, ok := r.s.Insert(pid, after, id, ts, []byte(val))
		r.apply(d, ctxOf(nil, id), ts)
		return ok
	}
	return false
}

func (r *seqRep) lset(i int, val string) {
	id, _ := r.s.At(i)
	dot, ts := r.mint(), r.stamp()
	d, rm, _ := r.s.Set(id, dot, ts, []byte(val), nil)
	r.apply(d, ctxOf(rm, dot), ts)
}

func (r *seqRep) pop(back bool) (string, bool) {
	if r.s.Len() == 0 {
		return "", false
	}
	i := 0
	if back {
		i = r.s.Len() - 1
	}
	id, v := r.s.At(i)
	d, _ := r.s.Remove(id)
	r.apply(d, ctxOf([]causal.Dot{id}, r.mint()), r.stamp())
	return string(v), true
}

func (r *seqRep) del() {
	d, rm := r.s.Clear()
	r.apply(d, ctxOf(rm, r.mint()), r.stamp())
}

func (r *seqRep) lrange() []string {
	out := []string{}
	for _, v := range r.s.Range(0, r.s.Len()) {
		out = append(out, string(v))
	}
	return out
}

// syncSeq delivers every replica's deltas to every other, newest first so
// that origins arrive after the elements that name them.
func syncSeq(reps ...*seqRep) {
	for _, to := range reps {
		for _, from := range reps {
			if from == to {
				continue
			}
			for _, m := range slices.Backward(from.log) {
				to.receive(m)
			}
		}
	}
}

func encodeSeq(t testing.TB, s *crdt.Sequence) []byte {
	t.Helper()
	b, err := codec.Marshal(s)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b
}

// wantList checks every replica's LRANGE 0 -1 and that they encode alike.
func wantList(t *testing.T, want []string, reps ...*seqRep) {
	t.Helper()
	for _, r := range reps {
		if got := r.lrange(); !slices.Equal(got, want) {
			t.Fatalf("replica %d: LRANGE = %q, want %q", r.id[15], got, want)
		}
	}
	for _, r := range reps[1:] {
		if !bytes.Equal(encodeSeq(t, r.s), encodeSeq(t, reps[0].s)) {
			t.Fatalf("replicas %d and %d hold the same list but encode differently", reps[0].id[15], r.id[15])
		}
	}
}

// TestSequence_Reference runs the list tables of the reference (§7.1-7.4)
// and its list scenarios (§17, 29-33). Instance 1 is A, 2 is B.
func TestSequence_Reference(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(t *testing.T, a, b *seqRep)
	}{
		{name: "7.1 simple list, scenario 29", run: func(t *testing.T, a, b *seqRep) {
			a.push(false, "hello")
			syncSeq(a, b)
			b.push(false, "world")
			syncSeq(a, b)
			wantList(t, []string{"world", "hello"}, a, b)
		}},
		{name: "7.2 concurrent insertions, scenario 30", run: func(t *testing.T, a, b *seqRep) {
			a.push(false, "x")
			syncSeq(a, b)
			a.linsert(true, "x", "y1")
			b.linsert(true, "x", "y2")
			wantList(t, []string{"x", "y1"}, a)
			wantList(t, []string{"x", "y2"}, b)
			syncSeq(a, b)
			wantList(t, []string{"x", "y1", "y2"}, a, b)
		}},
		{name: "7.3 delete list while pushing, scenario 31", run: func(t *testing.T, a, b *seqRep) {
			a.push(false, "x")
			syncSeq(a, b)
			wantList(t, []string{"x"}, a, b)
			a.push(false, "y")
			b.del()
			syncSeq(a, b)
			wantList(t, []string{"y"}, a, b)
		}},
		{name: "7.4 popping, scenario 32", run: func(t *testing.T, a, b *seqRep) {
			a.push(false, "x", "y", "z")
			syncSeq(a, b)
			if v, _ := b.pop(true); v != "x" {
				t.Fatalf("B RPOP = %q, want x", v)
			}
			syncSeq(a, b)
			if v, _ := a.pop(true); v != "y" {
				t.Fatalf("A RPOP = %q, want y", v)
			}
			syncSeq(a, b)
			va, _ := a.pop(true)
			vb, _ := b.pop(true)
			if va != "z" || vb != "z" {
				t.Fatalf("concurrent RPOP = %q / %q, want z / z (at-least-once)", va, vb)
			}
			syncSeq(a, b)
			wantList(t, []string{}, a, b)
			if a.s.Len() != 0 || b.s.Len() != 0 {
				t.Fatalf("LLEN = %d / %d, want 0", a.s.Len(), b.s.Len())
			}
		}},
		{name: "scenario 33 duplicates allowed", run: func(t *testing.T, a, b *seqRep) {
			a.push(true, "v")
			b.push(true, "v")
			syncSeq(a, b)
			wantList(t, []string{"v", "v"}, a, b)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newSeqRep(1), newSeqRep(2))
		})
	}
}

// TestSequence_ConcurrentInsertOrder checks that concurrent inserts at one
// place are ordered by replica id, not by time or delivery order.
func TestSequence_ConcurrentInsertOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		ida, idb   byte // replica ids of the inserters
		bFirst     bool // B inserts first in wall time
		after      bool // LINSERT AFTER x (else LPUSH on [x])
		wantAFirst bool
	}{
		{name: "after, A smaller", ida: 1, idb: 2, after: true, wantAFirst: true},
		{name: "after, A smaller, B earlier", ida: 1, idb: 2, bFirst: true, after: true, wantAFirst: true},
		{name: "after, B smaller", ida: 3, idb: 2, after: true, wantAFirst: false},
		{name: "lpush, A smaller", ida: 1, idb: 2, wantAFirst: true},
		{name: "lpush, B smaller", ida: 9, idb: 2, wantAFirst: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, b := newSeqRep(tc.ida), newSeqRep(tc.idb)
			a.push(false, "x")
			syncSeq(a, b)
			if tc.bFirst {
				b.now -= 1e9
			}
			insert := func(r *seqRep, v string) {
				if tc.after {
					r.linsert(true, "x", v)
				} else {
					r.push(false, v)
				}
			}
			insert(a, "ya")
			insert(b, "yb")
			syncSeq(b, a)
			want := []string{"ya", "yb"}
			if !tc.wantAFirst {
				want = []string{"yb", "ya"}
			}
			if tc.after {
				want = append([]string{"x"}, want...)
			} else {
				want = append(want, "x")
			}
			wantList(t, want, a, b)
		})
	}
}

// TestSequence_Sequential checks Redis's sequential behaviour of inserts at
// one place, with and without tombstones around.
func TestSequence_Sequential(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(r *seqRep)
		want []string
	}{
		{name: "linsert after twice", want: []string{"x", "b", "a"}, run: func(r *seqRep) {
			r.push(true, "x")
			r.linsert(true, "x", "a")
			r.linsert(true, "x", "b")
		}},
		{name: "linsert before twice", want: []string{"a", "b", "x"}, run: func(r *seqRep) {
			r.push(true, "x")
			r.linsert(false, "x", "a")
			r.linsert(false, "x", "b")
		}},
		{name: "lpush twice", want: []string{"b", "a"}, run: func(r *seqRep) { r.push(false, "a", "b") }},
		{name: "rpush twice", want: []string{"a", "b"}, run: func(r *seqRep) { r.push(true, "a", "b") }},
		{name: "pushes around tombstones", want: []string{"c", "x", "d"}, run: func(r *seqRep) {
			r.push(true, "a", "x", "b")
			r.pop(false)
			r.pop(true)
			r.push(false, "c")
			r.push(true, "d")
		}},
		{name: "linsert next to tombstones", want: []string{"x", "n", "m", "y"}, run: func(r *seqRep) {
			r.push(true, "x", "t", "y")
			id, _ := r.s.At(1)
			d, _ := r.s.Remove(id)
			r.apply(d, ctxOf([]causal.Dot{id}, r.mint()), r.stamp())
			r.linsert(false, "y", "m")
			r.linsert(true, "x", "n")
		}},
		{name: "lset", want: []string{"a", "z"}, run: func(r *seqRep) {
			r.push(true, "a", "b")
			r.lset(1, "q")
			r.lset(1, "z")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, o := newSeqRep(1), newSeqRep(2)
			tc.run(r)
			syncSeq(r, o)
			wantList(t, tc.want, r, o)
		})
	}
}

// TestSequence_LSET covers the value register: LWW between concurrent
// LSETs (ties to the smaller replica id), and removal beating a
// concurrent LSET (SEMANTICS.md B7; reference §7 GAP).
func TestSequence_LSET(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		skew int64 // added to B's clock, ns
		bOp  string
		want []string
	}{
		{name: "later lset wins", skew: 5e6, bOp: "lset", want: []string{"b", "2"}},
		{name: "earlier lset loses", skew: -5e6, bOp: "lset", want: []string{"a", "2"}},
		{name: "tie goes to smaller id", skew: 0, bOp: "lset", want: []string{"a", "2"}},
		{name: "pop beats lset", skew: 5e6, bOp: "lpop", want: []string{"2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, b := newSeqRep(1), newSeqRep(2)
			a.push(true, "1", "2")
			syncSeq(a, b)
			b.now, b.clock = a.now+tc.skew, a.clock
			a.lset(0, "a")
			if tc.bOp == "lset" {
				b.lset(0, "b")
			} else {
				b.pop(false)
			}
			syncSeq(a, b)
			wantList(t, tc.want, a, b)
		})
	}
}

// TestSequence_OutOfOrder delivers deltas before what they depend on: an
// insert before its origin, an LSET and a removal before their element.
func TestSequence_OutOfOrder(t *testing.T) {
	t.Parallel()
	a := newSeqRep(1)
	a.push(true, "x")
	a.linsert(true, "x", "y")
	a.linsert(true, "y", "z")
	a.lset(1, "Y")
	a.pop(false)
	tests := []struct {
		name  string
		order []int // indexes into a.log
	}{
		{name: "reverse", order: []int{4, 3, 2, 1, 0}},
		{name: "remove first", order: []int{4, 0, 2, 3, 1}},
		{name: "set first", order: []int{3, 2, 1, 4, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newSeqRep(2)
			for _, j := range tc.order {
				b.receive(a.log[j])
			}
			wantList(t, []string{"Y", "z"}, a, b)
		})
	}
}

// TestSequence_API covers index and range edges of the read API.
func TestSequence_API(t *testing.T) {
	t.Parallel()
	r := newSeqRep(1)
	r.push(true, "a", "b", "c", "d")
	r.pop(false)
	id, v := r.s.At(1)
	if string(v) != "c" {
		t.Fatalf("At(1) = %q, want c", v)
	}
	if i, ok := r.s.Find(id); !ok || i != 1 {
		t.Fatalf("Find = %d %v, want 1 true", i, ok)
	}
	if _, ok := r.s.Find(causal.Dot{Replica: r.id, Seq: 1}); ok {
		t.Fatalf("Find of a removed element succeeded")
	}
	tests := []struct {
		name string
		i, j int
		want string
	}{
		{name: "all", i: 0, j: 3, want: "bcd"},
		{name: "clamped", i: -5, j: 99, want: "bcd"},
		{name: "middle", i: 1, j: 2, want: "c"},
		{name: "empty", i: 2, j: 1, want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got strings.Builder
			for _, v := range r.s.Range(tc.i, tc.j) {
				got.Write(v)
			}
			if got.String() != tc.want {
				t.Fatalf("Range(%d, %d) = %q, want %q", tc.i, tc.j, got.String(), tc.want)
			}
		})
	}
	if r.s.Tombstones() != 1 {
		t.Fatalf("Tombstones = %d, want 1", r.s.Tombstones())
	}
}
