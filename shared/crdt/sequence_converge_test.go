package crdt_test

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"

	"lattice/shared/causal"
	"lattice/shared/codec"
	"lattice/shared/crdt"
)

// seqHistory runs n replicas doing random list writes, each delivered to
// random replicas at random later moments (so later writes build on some
// earlier ones and race others), and returns the replicas and every delta.
func seqHistory(r *rand.Rand, n, steps int) ([]*seqRep, []seqMsg) {
	reps := make([]*seqRep, n)
	for i := range reps {
		reps[i] = newSeqRep(byte(i + 1))
	}
	var log []seqMsg
	for range steps {
		rep := reps[r.IntN(n)]
		if r.IntN(3) == 0 && len(log) > 0 {
			rep.receive(log[r.IntN(len(log))])
			continue
		}
		dot, ts := rep.mint(), rep.stamp()
		d, cc := seqRandomOp(r, rep.s, dot, ts)
		m := seqMsg{d: d, cc: cc, ts: ts}
		rep.receive(m)
		log = append(log, m)
	}
	return reps, log
}

// seqDeliver joins the deltas of log in the given order into a fresh
// replica and returns its encoded list and context.
func seqDeliver(t *testing.T, log []seqMsg, order []int) []byte {
	t.Helper()
	s := crdt.NewSequence()
	var cc causal.Context
	for _, i := range order {
		s.Join(&cc, &log[i].d, &log[i].cc, false)
		cc.Join(&log[i].cc)
	}
	return seqStateBytes(t, s, &cc)
}

func seqStateBytes(t *testing.T, s *crdt.Sequence, cc *causal.Context) []byte {
	t.Helper()
	b, err := codec.Marshal(st[*crdt.Sequence]{S: s, CC: *cc})
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b
}

// permutations calls f with every permutation of 0..n-1 (Heap's
// algorithm).
func permutations(n int, f func([]int)) {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	c := make([]int, n)
	f(p)
	for i := 0; i < n; {
		if c[i] < i {
			j := 0
			if i%2 == 1 {
				j = c[i]
			}
			p[j], p[i] = p[i], p[j]
			f(p)
			c[i]++
			i = 0
		} else {
			c[i] = 0
			i++
		}
	}
}

// TestConverge_Sequence: for random concurrent histories, every delivery
// order of the deltas (all of them for short histories; random ones, with
// duplicates, for longer), and full-state sync between the replicas, give
// byte-identical states, whose order is the FugueMax order of the records.
func TestConverge_Sequence(t *testing.T) {
	t.Parallel()
	for seed := range uint64(400) {
		r := rand.New(rand.NewPCG(seed, 29))
		reps, log := seqHistory(r, 2+r.IntN(3), 4+r.IntN(60))
		all := make([]int, len(log))
		for i := range all {
			all[i] = i
		}
		want := seqDeliver(t, log, all)
		check := func(order []int) {
			if got := seqDeliver(t, log, order); !bytes.Equal(got, want) {
				t.Fatalf("seed %d: delivery order %v gives a different state", seed, order)
			}
		}
		if len(log) <= 6 {
			permutations(len(log), check)
		} else {
			for range 20 {
				order := r.Perm(len(log))
				for range r.IntN(len(log)) {
					order = slices.Insert(order, r.IntN(len(order)+1), r.IntN(len(log)))
				}
				check(order)
			}
		}
		for range 3 * len(reps) {
			a, b := reps[r.IntN(len(reps))], reps[r.IntN(len(reps))]
			d := b.s.Snapshot()
			a.s.Join(&a.cc, &d, &b.cc, true)
			a.cc.Join(&b.cc)
		}
		for _, a := range reps {
			for _, b := range reps {
				d := b.s.Snapshot()
				a.s.Join(&a.cc, &d, &b.cc, true)
				a.cc.Join(&b.cc)
			}
		}
		for _, a := range reps {
			if got := seqStateBytes(t, a.s, &a.cc); !bytes.Equal(got, want) {
				t.Fatalf("seed %d: replica %d after full sync differs from delta delivery", seed, a.id[15])
			}
		}
		checkFugueMax(t, seed, reps[0].s)
	}
}

// TestConverge_SequenceLarge runs concurrent writes clustered at a few
// hot spots of a list of several thousand elements, so that integration
// scans and ranks cross inner nodes of the tree, and checks convergence
// over random delivery orders and the FugueMax order.
func TestConverge_SequenceLarge(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("large lists")
	}
	for seed := range uint64(6) {
		r := rand.New(rand.NewPCG(seed, 37))
		base := newSeqRep(9)
		base.push(true, slices.Repeat([]string{"b"}, 5000)...)
		for range 1000 {
			id, ts := base.mint(), base.stamp()
			base.apply(base.s.InsertAt(r.IntN(base.s.Len()+1), id, ts, []byte("i")), ctxOf(nil, id), ts)
		}
		reps := make([]*seqRep, 3)
		for i := range reps {
			reps[i] = newSeqRep(byte(i + 1))
			reps[i].s, reps[i].cc = base.s.Clone(), base.cc.Clone()
		}
		spots := []int{0, 1500, 1501, 3000, base.s.Len()}
		var log []seqMsg
		for range 150 {
			rep := reps[r.IntN(len(reps))]
			if r.IntN(3) == 0 && len(log) > 0 {
				rep.receive(log[r.IntN(len(log))])
				continue
			}
			dot, ts := rep.mint(), rep.stamp()
			var d crdt.SeqDelta
			var cc causal.Context
			if at := min(spots[r.IntN(len(spots))]+r.IntN(3), rep.s.Len()); r.IntN(4) > 0 {
				d, cc = rep.s.InsertAt(at, dot, ts, []byte("c")), ctxOf(nil, dot)
			} else {
				d, cc = seqRandomOp(r, rep.s, dot, ts)
			}
			m := seqMsg{d: d, cc: cc, ts: ts}
			rep.receive(m)
			log = append(log, m)
		}
		var want []byte
		for k := range 4 {
			s, cc := base.s.Clone(), base.cc.Clone()
			for _, i := range r.Perm(len(log)) {
				s.Join(&cc, &log[i].d, &log[i].cc, false)
				cc.Join(&log[i].cc)
			}
			got := seqStateBytes(t, s, &cc)
			if k == 0 {
				want = got
				checkFugueMax(t, seed, s)
			} else if !bytes.Equal(got, want) {
				t.Fatalf("seed %d: delivery orders disagree on a large list", seed)
			}
		}
	}
}

// checkFugueMax compares a Sequence's order with the FugueMax tree built
// directly from its records.
func checkFugueMax(t *testing.T, seed uint64, s *crdt.Sequence) {
	t.Helper()
	snap := s.Snapshot()
	var got []causal.Dot
	for _, e := range snap.Elems {
		got = append(got, e.ID)
	}
	want := fugueOrder(slices.Concat(snap.Pending, snap.Elems))
	if i := firstDiff(got, want); i >= 0 {
		t.Fatalf("seed %d: %d elements, FugueMax %d; first difference at %d: %v, FugueMax %v",
			seed, len(got), len(want), i, got[i:min(i+5, len(got))], want[i:min(i+5, len(want))])
	}
}

// firstDiff returns the first index where a and b differ, or -1.
func firstDiff(a, b []causal.Dot) int {
	for i := range max(len(a), len(b)) {
		if i >= len(a) || i >= len(b) || a[i] != b[i] {
			return i
		}
	}
	return -1
}

// fnode is a node of the FugueMax tree (Weidner, Gentle, Kleppmann, "The
// Art of the Fugue", 2023; reference-crdts fugue-max-simple.ts).
type fnode struct {
	id            causal.Dot
	parent        *fnode
	ro            *fnode // a right child's right origin; nil: the end
	lefts, rights []*fnode
}

// fugueOrder builds the FugueMax tree of YATA records, in whatever order
// their origins allow, and returns the ids of its in-order walk; records
// whose origins never arrive are left out. A record whose right origin
// descends from its left origin is a left child of its right origin, else
// a right child of its left origin; left siblings are sorted by id, right
// siblings by right origin, the rightmost first, then by id.
func fugueOrder(recs []crdt.SeqElem) []causal.Dot {
	root := &fnode{}
	nodes := map[causal.Dot]*fnode{}
	find := func(d causal.Dot) (*fnode, bool) {
		if d.IsZero() {
			return nil, true
		}
		n, ok := nodes[d]
		return n, ok
	}
	for progress := true; progress; {
		progress = false
		for _, rec := range recs {
			l, okL := find(rec.Left)
			rt, okR := find(rec.Right)
			if _, done := nodes[rec.ID]; done || !okL || !okR {
				continue
			}
			if l == nil {
				l = root
			}
			nodes[rec.ID] = fugueAdd(root, l, rt, rec.ID)
			progress = true
		}
	}
	return fugueWalk(root, nil)
}

func fugueAdd(root, l, rt *fnode, id causal.Dot) *fnode {
	n := &fnode{id: id}
	if rt != nil && descends(rt, l) {
		n.parent = rt
		i, _ := slices.BinarySearchFunc(rt.lefts, id, func(x *fnode, id causal.Dot) int { return x.id.Compare(id) })
		rt.lefts = slices.Insert(rt.lefts, i, n)
		return n
	}
	n.parent, n.ro = l, rt
	pos := map[causal.Dot]int{}
	if len(l.rights) > 0 { // positions only matter to order siblings
		for i, d := range fugueWalk(root, nil) {
			pos[d] = i
		}
	}
	before := func(a, b *fnode) bool { // a strictly left of b; nil is the end
		return a != b && a != nil && (b == nil || pos[a.id] < pos[b.id])
	}
	i := 0
	for ; i < len(l.rights); i++ {
		sib := l.rights[i]
		if !before(n.ro, sib.ro) && (n.ro != sib.ro || id.Compare(sib.id) < 0) {
			break
		}
	}
	l.rights = slices.Insert(l.rights, i, n)
	return n
}

func descends(n, anc *fnode) bool {
	for ; n != nil; n = n.parent {
		if n == anc {
			return true
		}
	}
	return false
}

func fugueWalk(n *fnode, out []causal.Dot) []causal.Dot {
	for _, c := range n.lefts {
		out = fugueWalk(c, out)
	}
	if n.parent != nil {
		out = append(out, n.id)
	}
	for _, c := range n.rights {
		out = fugueWalk(c, out)
	}
	return out
}
