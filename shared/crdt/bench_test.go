package crdt_test

import (
	"fmt"
	"testing"

	"lattice/shared/causal"
	"lattice/shared/crdt"
	"lattice/shared/hlc"
)

// Benchmarks of the CRDT joins and of the causal context operations they
// lean on (STYLE R12). The Context benchmarks live here, beside their main
// caller, until package causal gets a bench_test.go of its own. Run with
//
//	go test ./shared/crdt -run '^$' -bench . -benchmem

var (
	replicaA = causal.ReplicaID{15: 1}
	replicaB = causal.ReplicaID{15: 2}
	replicaC = causal.ReplicaID{15: 3}
)

// replicaN returns the n-th of many replica ids.
func replicaN(n int) causal.ReplicaID {
	return causal.ReplicaID{0: 0xcc, 13: byte(n >> 16), 14: byte(n >> 8), 15: byte(n)}
}

func dot(r causal.ReplicaID, seq uint64) causal.Dot { return causal.Dot{Replica: r, Seq: seq} }

// contextOf returns a context holding dots.
func contextOf(dots ...causal.Dot) *causal.Context {
	var c causal.Context
	for _, d := range dots {
		c.Add(d)
	}
	return &c
}

// vvContext returns a context holding seqs 1..seq of every replica in ids.
func vvContext(seq uint64, ids ...causal.ReplicaID) *causal.Context {
	var c causal.Context
	for _, r := range ids {
		c.Join(&causal.Context{VV: []causal.VVEntry{{Replica: r, Seq: seq}}})
	}
	return &c
}

var ts = hlc.Timestamp{Wall: 1_700_000_000_000}

// BenchmarkValue_Join measures joining the delta of one write into a
// string or counter value, as merging a remote SET or INCR does. The state
// is restored before each join by re-pointing its slices (Join never writes
// into the slices of the value it joins into when the delta is non-empty),
// so every iteration performs the same real transition.
func BenchmarkValue_Join(b *testing.B) {
	b.Run("assign", func(b *testing.B) {
		// A holds A:1; B's SET observed A:1 and replaces it with B:5.
		state := crdt.Value{Assigns: []crdt.Assign{{Dot: dot(replicaA, 1), TS: ts, Val: []byte("0123456789abcdef")}}}
		cs := vvContext(1, replicaA)
		delta := crdt.Value{Assigns: []crdt.Assign{{Dot: dot(replicaB, 5), TS: ts, Val: []byte("fedcba9876543210")}}}
		cd := contextOf(dot(replicaA, 1), dot(replicaB, 5))
		b.ReportAllocs()
		for b.Loop() {
			v := state
			v.Join(cs, &delta, cd)
		}
	})
	b.Run("counter/writers=3", func(b *testing.B) {
		// Counts of A, B and C; B's INCR replaces its entry B:4 with B:5.
		state := crdt.Value{Counts: []crdt.Count{
			{Dot: dot(replicaA, 7), Start: 1, Int: 10},
			{Dot: dot(replicaB, 4), Start: 1, Int: 20},
			{Dot: dot(replicaC, 9), Start: 1, Int: 30},
		}}
		cs := vvContext(9, replicaA, replicaB, replicaC)
		delta := crdt.Value{Counts: []crdt.Count{{Dot: dot(replicaB, 10), Start: 1, Int: 21}}}
		cd := contextOf(dot(replicaB, 4), dot(replicaB, 10))
		b.ReportAllocs()
		for b.Loop() {
			v := state
			v.Join(cs, &delta, cd)
		}
	})
}

// BenchmarkValue_Get measures reading a value: a plain string, and a
// counter summed over the live entries of several writers.
func BenchmarkValue_Get(b *testing.B) {
	b.Run("assign", func(b *testing.B) {
		v := crdt.Value{Assigns: []crdt.Assign{{Dot: dot(replicaA, 1), TS: ts, Val: []byte("0123456789abcdef")}}}
		b.ReportAllocs()
		for b.Loop() {
			v.Get()
		}
	})
	for _, n := range []int{1, 3, 100} {
		b.Run(fmt.Sprintf("counter/writers=%d", n), func(b *testing.B) {
			var v crdt.Value
			for i := range n {
				v.Counts = append(v.Counts, crdt.Count{Dot: dot(replicaN(i), 3), Start: 1, Int: int64(i)})
			}
			b.ReportAllocs()
			for b.Loop() {
				v.Get()
			}
		})
	}
	b.Run("float/writers=3", func(b *testing.B) {
		var v crdt.Value
		for i := range 3 {
			v.Counts = append(v.Counts, crdt.Count{Dot: dot(replicaN(i), 3), Start: 1, Float: "1.25"})
		}
		b.ReportAllocs()
		for b.Loop() {
			v.Get()
		}
	})
}

// BenchmarkValue_Increment measures building an INCR delta on a counter
// that A has incremented before.
func BenchmarkValue_Increment(b *testing.B) {
	v := crdt.Value{Counts: []crdt.Count{{Dot: dot(replicaA, 7), Start: 1, Int: 10}}}
	var rm []causal.Dot
	b.ReportAllocs()
	for b.Loop() {
		_, rm = v.Increment(dot(replicaA, 8), 1, crdt.Decimal{}, rm[:0])
	}
}

// orsetFixture returns a set of n members (member i supported by A:i+1),
// its context, and the set of a replica B that saw none of A's adds and
// added n members of its own, half of them equal to A's.
func orsetFixture(n int) (a crdt.ORSet, ca *causal.Context, o crdt.ORSet, co *causal.Context) {
	a, o = crdt.ORSet{}, crdt.ORSet{}
	for i := range n {
		a[fmt.Sprintf("m:%06d", i)] = []causal.Dot{dot(replicaA, uint64(i+1))}
		o[fmt.Sprintf("m:%06d", i+n/2)] = []causal.Dot{dot(replicaB, uint64(i+1))}
	}
	return a, vvContext(uint64(n), replicaA), o, vvContext(uint64(n), replicaB)
}

// BenchmarkORSet_Join measures the set join at several sizes.
//
// delta: one SADD of a new member from B (delta context: its dot) into a
// set of n members; the member is deleted again after each join, so each
// iteration is the same insert.
//
// full: a full-state join of B's n-member set (half the members shared)
// into A's set that already holds it, as an anti-entropy round that finds
// nothing new does: every member of both sides is visited and re-joined.
func BenchmarkORSet_Join(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		name := fmt.Sprintf("elems=%dk", n/1000)
		b.Run(name+"/delta", func(b *testing.B) {
			s, cs, _, _ := orsetFixture(n)
			d := dot(replicaB, 1)
			delta := crdt.ORSet{"new-member": {d}}
			cd := contextOf(d)
			b.ReportAllocs()
			for b.Loop() {
				s.Join(cs, delta, cd, false, false)
				delete(s, "new-member")
			}
		})
		b.Run(name+"/full", func(b *testing.B) {
			s, cs, o, co := orsetFixture(n)
			s.Join(cs, o, co, true, false)
			cs.Join(co)
			b.ReportAllocs()
			for b.Loop() {
				s.Join(cs, o, co, true, false)
			}
		})
	}
}

// BenchmarkORMap_Join measures joining one HSET delta (B overwrites a field
// A wrote) into a hash of 1k fields. The field's value is re-pointed at its
// original before each join, so each iteration is the same transition.
func BenchmarkORMap_Join(b *testing.B) {
	const n = 1_000
	m := crdt.ORMap{}
	for i := range n {
		m[fmt.Sprintf("f:%05d", i)] = &crdt.Value{Assigns: []crdt.Assign{{Dot: dot(replicaA, uint64(i+1)), TS: ts, Val: []byte("0123456789abcdef")}}}
	}
	cm := vvContext(n, replicaA)
	field := "f:00042"
	orig := *m[field]
	delta := crdt.ORMap{field: {Assigns: []crdt.Assign{{Dot: dot(replicaB, 1), TS: ts, Val: []byte("fedcba9876543210")}}}}
	cd := contextOf(orig.Assigns[0].Dot, dot(replicaB, 1))
	b.Run(fmt.Sprintf("fields=%dk", n/1000), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			*m[field] = orig
			m.Join(cm, delta, cd, false, false)
		}
	})
}

// BenchmarkMarks_Join measures the type or TTL register join: a write of B
// replacing A's mark.
func BenchmarkMarks_Join(b *testing.B) {
	state := crdt.Marks{{Dot: dot(replicaA, 3), TS: ts, N: 1}}
	cs := vvContext(3, replicaA)
	delta := crdt.Marks{{Dot: dot(replicaB, 8), TS: ts, N: 1}}
	cd := contextOf(dot(replicaA, 3), dot(replicaB, 8))
	b.ReportAllocs()
	for b.Loop() {
		state.Join(cs, delta, cd)
	}
}

// BenchmarkContext_Add measures adding one dot to a replica's context:
// in order (the vector entry advances), and out of order (the dot waits in
// the cloud, then its predecessor arrives and both fold into the vector,
// so each iteration adds two dots and leaves the cloud empty again).
// replicas is the number of vector entries.
func BenchmarkContext_Add(b *testing.B) {
	for _, n := range []int{3, 1_000} {
		ids := make([]causal.ReplicaID, n)
		for i := range ids {
			ids[i] = replicaN(i)
		}
		b.Run(fmt.Sprintf("inorder/replicas=%d", n), func(b *testing.B) {
			c := vvContext(1, ids...)
			seq := make([]uint64, n)
			for i := range seq {
				seq[i] = 1
			}
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				seq[i]++
				c.Add(dot(ids[i], seq[i]))
				if i++; i == n {
					i = 0
				}
			}
		})
		b.Run(fmt.Sprintf("outoforder/replicas=%d", n), func(b *testing.B) {
			c := vvContext(1, ids...)
			seq := make([]uint64, n)
			for i := range seq {
				seq[i] = 1
			}
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				c.Add(dot(ids[i], seq[i]+2))
				c.Add(dot(ids[i], seq[i]+1))
				seq[i] += 2
				if i++; i == n {
					i = 0
				}
			}
		})
	}
}

// BenchmarkContext_Join measures joining a delta's context (two dots of one
// replica, as a SET delta carries) and a peer's whole context (vector of n
// entries, each one ahead; advancing it is part of the measure) into a
// context of n replicas.
func BenchmarkContext_Join(b *testing.B) {
	for _, n := range []int{3, 1_000} {
		ids := make([]causal.ReplicaID, n)
		for i := range ids {
			ids[i] = replicaN(i)
		}
		b.Run(fmt.Sprintf("delta/replicas=%d", n), func(b *testing.B) {
			c := vvContext(10, ids...)
			var seq uint64 = 10
			d := causal.Context{Cloud: make([]causal.Dot, 2)}
			b.ReportAllocs()
			for b.Loop() {
				d.Cloud[0], d.Cloud[1] = dot(ids[0], seq-1), dot(ids[0], seq+1)
				c.Join(&d)
				seq++
			}
		})
		b.Run(fmt.Sprintf("vv/replicas=%d", n), func(b *testing.B) {
			c := vvContext(10, ids...)
			o := vvContext(10, ids...)
			b.ReportAllocs()
			for b.Loop() {
				for i := range o.VV {
					o.VV[i].Seq++
				}
				c.Join(o)
			}
		})
	}
}

// BenchmarkContext_Dominates measures the duplicate filter of Merge: does
// a context of n replicas hold every dot of a SET delta's context?
func BenchmarkContext_Dominates(b *testing.B) {
	for _, n := range []int{3, 1_000} {
		ids := make([]causal.ReplicaID, n)
		for i := range ids {
			ids[i] = replicaN(i)
		}
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) {
			c := vvContext(10, ids...)
			d := contextOf(dot(ids[n/2], 4), dot(ids[n/2], 9))
			b.ReportAllocs()
			for b.Loop() {
				if !c.Dominates(d) {
					b.Fatal("not dominated")
				}
			}
		})
	}
}

// BenchmarkDecimal_Add measures the exact decimal addition behind
// INCRBYFLOAT sums.
func BenchmarkDecimal_Add(b *testing.B) {
	x, _ := crdt.ParseDecimal("12345.678")
	y, _ := crdt.ParseDecimal("0.25")
	b.ReportAllocs()
	for b.Loop() {
		x.Add(y)
	}
}

// BenchmarkLongDouble measures INCRBYFLOAT's arithmetic: parse the current
// value and the increment, add in long double, format.
func BenchmarkLongDouble(b *testing.B) {
	cur, incr := []byte("10.5"), []byte("0.25")
	b.ReportAllocs()
	for b.Loop() {
		x, _ := crdt.ParseLongDouble(cur)
		y, _ := crdt.ParseLongDouble(incr)
		s, _ := crdt.AddLongDouble(x, y)
		crdt.FormatLongDouble(s)
	}
}
