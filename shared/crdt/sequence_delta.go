package crdt

import (
	"fmt"

	"lattice/shared/causal"
	"lattice/shared/hlc"
)

// Records returns the number of element records s keeps: live elements,
// tombstones and pending ones. A sequence with none holds nothing.
func (s *Sequence) Records() int {
	if s == nil {
		return 0
	}
	n := len(s.pending)
	if s.tree.root != nil {
		n += s.tree.root.n
	}
	return n
}

// Accumulate joins delta o (context co) into delta d (context cd), both
// flat, for a transaction's combined delta: records of one element become
// one record, dead if either is, with the causal join of their value
// entries. index maps ids to positions in d.Elems; the caller keeps it
// with d (nil: build it).
func (d *SeqDelta) Accumulate(cd *causal.Context, o *SeqDelta, co *causal.Context, index map[causal.Dot]int) map[causal.Dot]int {
	if index == nil {
		index = make(map[causal.Dot]int, len(d.Elems)+len(o.Elems))
		for i := range d.Elems {
			index[d.Elems[i].ID] = i
		}
	}
	for _, part := range [][]SeqElem{o.Elems, o.Pending} {
		for _, r := range part {
			i, ok := index[r.ID]
			if !ok {
				index[r.ID] = len(d.Elems)
				r.Vals = append([]SeqVal(nil), r.Vals...)
				d.Elems = append(d.Elems, r)
				continue
			}
			e := &d.Elems[i]
			if e.Dead || r.Dead {
				e.Dead, e.Vals = true, nil
				continue
			}
			e.Vals = joinSorted(e.Vals, cd, r.Vals, co, valDot)
		}
	}
	return index
}

// Validate checks a decoded delta against its context and timestamp:
// non-zero ids, no element its own origin, value entries sorted and inside
// the context and no later than ts, and every tombstone's id inside the
// context (a removal is told by context).
func (d *SeqDelta) Validate(cc *causal.Context, ts hlc.Timestamp) error {
	for _, part := range [][]SeqElem{d.Elems, d.Pending} {
		for i := range part {
			r := &part[i]
			switch {
			case r.ID.Seq == 0:
				return fmt.Errorf("%w: zero element id", errSeqID)
			case r.Left == r.ID || r.Right == r.ID:
				return fmt.Errorf("%w: element %v is its own origin", errSeqOrigin, r.ID)
			case r.Dead && len(r.Vals) > 0:
				return fmt.Errorf("%w: tombstone %v with values", errSeqVals, r.ID)
			case r.Dead && !cc.Contains(r.ID):
				return fmt.Errorf("%w: tombstone %v outside the context", errSeqID, r.ID)
			case !validVals(r.Vals):
				return errSeqVals
			}
			for _, v := range r.Vals {
				if !cc.Contains(v.Dot) || ts.Less(v.TS) {
					return fmt.Errorf("%w: value entry %v outside the context or after the delta", errSeqVals, v.Dot)
				}
			}
		}
	}
	return nil
}
