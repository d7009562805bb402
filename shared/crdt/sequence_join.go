package crdt

import (
	"slices"

	"lattice/shared/causal"
)

// Join merges d (a delta, or with full set a whole state's Snapshot) with
// context co into s, whose context is cs; the caller then joins co into
// cs. See Sequence for the laws. An element or value entry d names
// survives when both sides hold it, or one does and the other's context
// lacks its dot; with full set, elements of s that d does not name are
// removed when co holds their id.
func (s *Sequence) Join(cs *causal.Context, d *SeqDelta, co *causal.Context, full bool) {
	if s.byID == nil {
		*s = *NewSequence()
	}
	for i := range d.Elems {
		s.joinElem(cs, &d.Elems[i], co)
	}
	for i := range d.Pending {
		s.joinElem(cs, &d.Pending[i], co)
	}
	if full {
		s.removeUnnamed(d, co)
	}
}

// joinElem joins one element record.
func (s *Sequence) joinElem(cs *causal.Context, r *SeqElem, co *causal.Context) {
	e := s.byID[r.ID]
	lb := !r.Dead
	if e == nil {
		e = &seqElem{id: r.ID, dead: !lb || cs.Contains(r.ID)}
		if !e.dead {
			e.joinVals(cs, r.Vals, co)
		}
		s.byID[r.ID] = e
		s.place(e, r.Left, r.Right)
		return
	}
	la := !e.dead
	live := la && lb || la && !co.Contains(r.ID) || lb && !cs.Contains(r.ID)
	switch {
	case !live:
		if la {
			s.setDead(e, true)
		}
		return
	case !la: // only from states that break the context invariant
		s.setDead(e, false)
	}
	var vb []SeqVal
	if lb {
		vb = r.Vals
	}
	e.joinVals(cs, vb, co)
}

// joinVals is the causal join of e's value entries (context cs) with vb
// (context co). The usual cases, one entry on each side at most and not
// two left, allocate nothing.
func (e *seqElem) joinVals(cs *causal.Context, vb []SeqVal, co *causal.Context) {
	if len(e.vals) > 1 || len(vb) != 1 {
		e.setVals(joinSorted(e.vals, cs, vb, co, valDot))
		return
	}
	keepB := !cs.Contains(vb[0].Dot)
	switch {
	case len(e.vals) == 0:
		if keepB {
			e.setVals(vb)
		}
	case e.vals[0].Dot == vb[0].Dot:
	case co.Contains(e.vals[0].Dot): // b replaced a's entry
		if keepB {
			e.setVals(vb)
		} else {
			e.setVals(nil)
		}
	case keepB: // concurrent entries
		e.setVals(joinSorted(e.vals, cs, vb, co, valDot))
	}
}

// removeUnnamed ends a full join: elements of s that d does not name are
// removed when d's context has seen their id, and lose the value entries
// it has seen.
func (s *Sequence) removeUnnamed(d *SeqDelta, co *causal.Context) {
	named := make(map[causal.Dot]struct{}, len(d.Elems)+len(d.Pending))
	for _, list := range [][]SeqElem{d.Elems, d.Pending} {
		for i := range list {
			named[list[i].ID] = struct{}{}
		}
	}
	var none causal.Context
	for id, e := range s.byID { // order-free: each step touches one element
		if _, ok := named[id]; ok || e.dead {
			continue
		}
		if co.Contains(id) {
			s.setDead(e, true)
		} else {
			e.setVals(joinSorted(e.vals, &none, nil, co, valDot))
		}
	}
}

// setDead changes e's liveness; a dead element drops its value.
func (s *Sequence) setDead(e *seqElem, dead bool) {
	if e.leaf != nil {
		s.tree.setDead(e, dead)
	} else {
		e.dead = dead
	}
	if dead {
		e.vals = nil
		e.one = [1]SeqVal{}
	}
}

// origin resolves an origin dot: nil for the zero dot, else the element if
// integrated; ok is false when it is missing or pending.
func (s *Sequence) origin(d causal.Dot) (e *seqElem, ok bool) {
	if d.IsZero() {
		return nil, true
	}
	e = s.byID[d]
	return e, e != nil && e.leaf != nil
}

// place integrates a new element, or buffers it until its origins are
// integrated, then integrates whatever was waiting for it.
func (s *Sequence) place(e *seqElem, left, right causal.Dot) {
	if !s.tryIntegrate(e, seqOrigins{left: left, right: right}) {
		return
	}
	work := []causal.Dot{e.id}
	for len(work) > 0 {
		id := work[len(work)-1]
		work = work[:len(work)-1]
		ws := s.waiting[id]
		delete(s.waiting, id)
		slices.SortFunc(ws, causal.Dot.Compare)
		for _, w := range ws {
			o := s.pending[w]
			delete(s.pending, w)
			if s.tryIntegrate(s.byID[w], o) {
				work = append(work, w)
			}
		}
	}
}

// tryIntegrate integrates e if both origins are integrated, else records
// it as pending on the first missing one.
func (s *Sequence) tryIntegrate(e *seqElem, o seqOrigins) bool {
	l, okL := s.origin(o.left)
	r, okR := s.origin(o.right)
	if !okL || !okR {
		missing := o.left
		if okL {
			missing = o.right
		}
		if s.pending == nil {
			s.pending, s.waiting = map[causal.Dot]seqOrigins{}, map[causal.Dot][]causal.Dot{}
		}
		s.pending[e.id] = o
		s.waiting[missing] = append(s.waiting[missing], e.id)
		return false
	}
	e.left, e.right = l, r
	s.integrate(e)
	return true
}

// integrate inserts e between its integrated origins, after the elements
// there that precede it: YATA's integration in its YjsMod form
// (reference-crdts integrateYjsMod). Scanning from the left origin to the
// right origin, an element o
//   - whose left origin lies left of e's left origin ends the scan: e goes
//     before it (and before any element the scan tentatively passed);
//   - with e's left origin and a right origin left of e's is passed
//     tentatively (e may still go before it);
//   - with both of e's origins is passed if its dot is smaller, else ends
//     the scan;
//   - with e's left origin and a right origin right of e's is passed;
//   - whose left origin lies right of e's is passed, keeping the
//     tentative state (it hangs off an element already passed).
func (s *Sequence) integrate(e *seqElem) {
	l, r := e.left, e.right
	c := s.tree.begin()
	if l != nil {
		c = s.tree.at(l).next()
	}
	pos := seqRanks{t: &s.tree, l: -2, r: -2}
	dest, scanning := c, false
	for {
		if !scanning {
			dest = c
		}
		o := c.elem()
		if o == nil || o == r {
			break
		}
		if o.left != l {
			if pos.leftOf(o.left) < pos.ownLeft(l) {
				break
			}
		} else if o.right == r {
			if e.id.Compare(o.id) < 0 {
				break
			}
			scanning = false
		} else {
			scanning = pos.rightOf(o.right) < pos.ownRight(r)
		}
		c = c.next()
	}
	s.tree.insert(dest, e)
}

// seqRanks computes origin positions for integrate, counting tombstones:
// the start is -1, the end is the number of elements. The new element's
// own origins are ranked once, lazily: most integrations need neither.
type seqRanks struct {
	t    *seqTree
	l, r int // ranks of the new element's origins; -2: not computed
}

func (p *seqRanks) leftOf(e *seqElem) int {
	if e == nil {
		return -1
	}
	return p.t.rank(e, false)
}

func (p *seqRanks) rightOf(e *seqElem) int {
	if e == nil {
		return p.t.root.n
	}
	return p.t.rank(e, false)
}

func (p *seqRanks) ownLeft(e *seqElem) int {
	if p.l == -2 {
		p.l = p.leftOf(e)
	}
	return p.l
}

func (p *seqRanks) ownRight(e *seqElem) int {
	if p.r == -2 {
		p.r = p.rightOf(e)
	}
	return p.r
}

// Snapshot returns the whole state in its canonical flat form: equal
// states give equal snapshots. It shares value entries with s: do not
// modify them.
func (s *Sequence) Snapshot() SeqDelta {
	var d SeqDelta
	if s.tree.root != nil && s.tree.root.n > 0 {
		d.Elems = make([]SeqElem, 0, s.tree.root.n)
		for l := s.tree.first; l != nil; l = l.next {
			for _, e := range l.elems {
				d.Elems = append(d.Elems, flatElem(e, e.left.dot(), e.right.dot()))
			}
		}
	}
	for _, id := range sortedDots(s.pending) {
		o := s.pending[id]
		d.Pending = append(d.Pending, flatElem(s.byID[id], o.left, o.right))
	}
	return d
}

func flatElem(e *seqElem, left, right causal.Dot) SeqElem {
	return SeqElem{ID: e.id, Left: left, Right: right, Dead: e.dead, Vals: e.vals}
}

func sortedDots[V any](m map[causal.Dot]V) []causal.Dot {
	out := make([]causal.Dot, 0, len(m))
	for d := range m {
		out = append(out, d)
	}
	slices.SortFunc(out, causal.Dot.Compare)
	return out
}

// Clone returns a deep copy; values are shared, as nothing modifies them.
func (s *Sequence) Clone() *Sequence {
	c := NewSequence()
	d := s.Snapshot()
	if err := c.load(&d); err != nil {
		panic("crdt: Sequence snapshot does not reload: " + err.Error())
	}
	return c
}
