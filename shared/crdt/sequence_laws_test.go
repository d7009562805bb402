package crdt_test

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"lattice/shared/causal"
	"lattice/shared/crdt"
	"lattice/shared/hlc"
	"lattice/shared/simtest"
)

// ---- Sequence in the generic world of laws_test.go. Deltas travel as
// Sequences (⊥ ⊔ delta), joined through their Snapshot.

var seqVals = []string{"a", "b", "c", "d"}

func seqKind() kind[*crdt.Sequence] {
	return kind[*crdt.Sequence]{
		empty: crdt.NewSequence,
		join: func(a *crdt.Sequence, ca *causal.Context, b *crdt.Sequence, cb *causal.Context, full bool) *crdt.Sequence {
			d := b.Snapshot()
			a.Join(ca, &d, cb, full)
			return a
		},
		clone: (*crdt.Sequence).Clone,
		mutate: func(r *rand.Rand, rep *replica[*crdt.Sequence]) (*crdt.Sequence, causal.Context) {
			d, cc := seqRandomOp(r, rep.state.S, rep.mint(), rep.stamp())
			return seqOf(d, cc), cc
		},
	}
}

// seqOf returns ⊥ ⊔ d.
func seqOf(d crdt.SeqDelta, cc causal.Context) *crdt.Sequence {
	s := crdt.NewSequence()
	var empty causal.Context
	s.Join(&empty, &d, &cc, false)
	return s
}

// seqRandomOp performs one random list write on s with the fresh dot dot
// (the new element's id, the LSET's dot, or the removal's event dot) and
// returns its delta and context.
func seqRandomOp(r *rand.Rand, s *crdt.Sequence, dot causal.Dot, ts hlc.Timestamp) (crdt.SeqDelta, causal.Context) {
	n := s.Len()
	v := []byte(seqVals[r.IntN(len(seqVals))])
	pick := func() causal.Dot {
		id, _ := s.At(r.IntN(n))
		return id
	}
	switch x := r.IntN(16); {
	case x < 3:
		return s.Push(false, dot, ts, v), ctxOf(nil, dot)
	case x < 6:
		return s.Push(true, dot, ts, v), ctxOf(nil, dot)
	case x < 8:
		return s.InsertAt(r.IntN(n+1), dot, ts, v), ctxOf(nil, dot)
	case x < 10 && n > 0:
		d, _ := s.Insert(pick(), r.IntN(2) == 0, dot, ts, v)
		return d, ctxOf(nil, dot)
	case x < 13 && n > 0:
		id := pick()
		d, _ := s.Remove(id)
		return d, ctxOf([]causal.Dot{id}, dot)
	case x < 15 && n > 0:
		d, rm, _ := s.Set(pick(), dot, ts, v, nil)
		return d, ctxOf(rm, dot)
	default:
		d, rm := s.Clear()
		return d, ctxOf(rm, dot)
	}
}

// seqRecords indexes every element record of a snapshot by id.
func seqRecords(d *crdt.SeqDelta) map[causal.Dot]crdt.SeqElem {
	out := map[causal.Dot]crdt.SeqElem{}
	for _, e := range slices.Concat(d.Elems, d.Pending) {
		out[e.ID] = e
	}
	return out
}

// seqLeq is the lattice order computed from records and dots: b has
// every record of a, and every element or value entry of b that a's
// context has seen is still in a (b resurrects nothing a removed).
func seqLeq(a, b st[*crdt.Sequence]) bool {
	if !b.CC.Dominates(&a.CC) {
		return false
	}
	sa, sb := a.S.Snapshot(), b.S.Snapshot()
	ra, rb := seqRecords(&sa), seqRecords(&sb)
	for id := range ra {
		if _, ok := rb[id]; !ok {
			return false
		}
	}
	for id, y := range rb {
		if y.Dead {
			continue
		}
		x, ok := ra[id]
		alive := ok && !x.Dead
		if a.CC.Contains(id) && !alive {
			return false
		}
		for _, v := range y.Vals {
			if a.CC.Contains(v.Dot) && (!alive || !slices.ContainsFunc(x.Vals, func(w crdt.SeqVal) bool { return w.Dot == v.Dot })) {
				return false
			}
		}
	}
	return true
}

func TestLaws_Sequence(t *testing.T) {
	t.Parallel()
	k := seqKind()
	simtest.CheckLaws(t, simtest.Lattice[st[*crdt.Sequence]]{
		Gen:   k.world,
		Merge: k.mergeSt,
		Clone: k.cloneSt,
		Leq:   seqLeq,
		Runs:  200,
	})
}

// ---- Sequential oracle (STYLE R11.2): with every delta delivered at once,
// a Sequence under LPUSH, RPUSH, LINSERT, LSET, LPOP, RPOP, LREM and
// LTRIM behaves like a Go slice under the same Redis commands.

// redisIndex converts a Redis index (negative from the end) for length n.
func redisIndex(i, n int) int {
	if i < 0 {
		return i + n
	}
	return i
}

// seqRemoveAll returns one delta removing ids and its context.
func seqRemoveAll(s *crdt.Sequence, ids []causal.Dot, ev causal.Dot) (crdt.SeqDelta, causal.Context) {
	var d crdt.SeqDelta
	for _, id := range ids {
		r, _ := s.Remove(id)
		d.Elems = append(d.Elems, r.Elems...)
	}
	return d, ctxOf(ids, ev)
}

// seqStep performs one random Redis list command on s and on the slice
// want alike, and returns the delta and a description.
func seqStep(r *rand.Rand, s *crdt.Sequence, want *[]string, dot causal.Dot, ts hlc.Timestamp) (crdt.SeqDelta, causal.Context, string) {
	n, v := s.Len(), seqVals[r.IntN(len(seqVals))]
	ids := slices.Collect(func(yield func(causal.Dot) bool) {
		for id := range s.Range(0, n) {
			if !yield(id) {
				return
			}
		}
	})
	switch x := r.IntN(8); {
	case x == 0:
		*want = slices.Insert(*want, 0, v)
		return s.Push(false, dot, ts, []byte(v)), ctxOf(nil, dot), "lpush " + v
	case x == 1:
		*want = append(*want, v)
		return s.Push(true, dot, ts, []byte(v)), ctxOf(nil, dot), "rpush " + v
	case x == 2:
		pivot, after := seqVals[r.IntN(len(seqVals))], r.IntN(2) == 0
		desc := "linsert " + strconv.FormatBool(after) + " " + pivot + " " + v
		i := slices.Index(*want, pivot)
		if i < 0 {
			return crdt.SeqDelta{}, ctxOf(nil, dot), desc + " (no pivot)"
		}
		d, _ := s.Insert(ids[i], after, dot, ts, []byte(v))
		if after {
			i++
		}
		*want = slices.Insert(*want, i, v)
		return d, ctxOf(nil, dot), desc
	case x == 3 && n > 0:
		i := r.IntN(2*n) - n
		(*want)[redisIndex(i, n)] = v
		d, rm, _ := s.Set(ids[redisIndex(i, n)], dot, ts, []byte(v), nil)
		return d, ctxOf(rm, dot), "lset " + strconv.Itoa(i) + " " + v
	case x == 4 && n > 0:
		back := r.IntN(2) == 0
		i := 0
		if back {
			i = n - 1
		}
		*want = slices.Delete(*want, i, i+1)
		d, cc := seqRemoveAll(s, ids[i:i+1], dot)
		return d, cc, "pop back=" + strconv.FormatBool(back)
	case x == 5:
		count := r.IntN(5) - 2
		rm := lrem(want, count, v)
		d, cc := seqRemoveAll(s, pickIDs(ids, rm), dot)
		return d, cc, "lrem " + strconv.Itoa(count) + " " + v
	case x == 6:
		start, stop := r.IntN(2*n+3)-n-1, r.IntN(2*n+3)-n-1
		rm := ltrim(want, start, stop)
		d, cc := seqRemoveAll(s, pickIDs(ids, rm), dot)
		return d, cc, "ltrim " + strconv.Itoa(start) + " " + strconv.Itoa(stop)
	default:
		d, rm := s.Clear()
		*want = nil
		return d, ctxOf(rm, dot), "del"
	}
}

func pickIDs(ids []causal.Dot, idx []int) []causal.Dot {
	out := make([]causal.Dot, 0, len(idx))
	for _, i := range idx {
		out = append(out, ids[i])
	}
	return out
}

// lrem applies LREM count v to *l and returns the removed indexes.
func lrem(l *[]string, count int, v string) []int {
	var idx []int
	for i := range *l {
		j := i
		if count < 0 {
			j = len(*l) - 1 - i
		}
		if (*l)[j] == v && (count == 0 || len(idx) < max(count, -count)) {
			idx = append(idx, j)
		}
	}
	slices.Sort(idx)
	for _, j := range slices.Backward(idx) {
		*l = slices.Delete(*l, j, j+1)
	}
	return idx
}

// ltrim applies LTRIM start stop to *l and returns the removed indexes.
func ltrim(l *[]string, start, stop int) []int {
	n := len(*l)
	start, stop = max(redisIndex(start, n), 0), min(redisIndex(stop, n), n-1)
	var idx []int
	for i := range n {
		if i < start || i > stop {
			idx = append(idx, i)
		}
	}
	if start > stop {
		*l = nil
	} else {
		*l = slices.Clone((*l)[start : stop+1])
	}
	return idx
}

func TestOracle_Sequence(t *testing.T) {
	t.Parallel()
	for seed := range uint64(150) {
		var want []string
		syncWorld(t, seqKind(), seed, 80,
			func(r *rand.Rand, rep *replica[*crdt.Sequence]) (*crdt.Sequence, causal.Context, string) {
				d, cc, desc := seqStep(r, rep.state.S, &want, rep.mint(), rep.stamp())
				return seqOf(d, cc), cc, desc
			},
			func(rep *replica[*crdt.Sequence]) string {
				var got []string
				for _, v := range rep.state.S.Range(0, rep.state.S.Len()) {
					got = append(got, string(v))
				}
				if !slices.Equal(got, want) {
					return "list " + strings.Join(got, ",") + ", oracle " + strings.Join(want, ",")
				}
				return ""
			})
	}
}
