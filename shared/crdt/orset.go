package crdt

import (
	"lattice/shared/causal"
)

// ORSet is the add-wins observed-remove set (Shapiro et al. 2011, OR-Set;
// delta form in Almeida et al. 2018, §7.2 "AWORSet"). Each member maps to
// the dots of the adds that support it. SADD of any member, present or not,
// mints a new dot and replaces the dots it observed, so a concurrent SREM,
// which removes only observed dots, cannot remove it (add wins,
// SEMANTICS.md A4). A member is present while it has a dot.
//
// Laws: Join is the causal join per member: commutative, associative,
// idempotent. No tombstones: removed dots live on only in the context.
type ORSet map[string][]causal.Dot

// Add supports member with dot d, replacing the dots observed. It returns
// the delta entry and appends removed dots to rm.
func (s ORSet) Add(d causal.Dot, member string, rm []causal.Dot) ([]causal.Dot, []causal.Dot) {
	rm = append(rm, s[member]...)
	return []causal.Dot{d}, rm
}

// Remove removes every observed dot of member; the delta entry is empty.
func (s ORSet) Remove(member string, rm []causal.Dot) []causal.Dot {
	return append(rm, s[member]...)
}

// Join merges delta or state o into s. When full is false only members
// named in o are visited (o is a delta: its context holds only dots of
// members it names). When keep is true, members left without dots stay as
// empty entries (used to accumulate deltas, so a later join still visits
// them). It returns the change in the number of present members.
func (s ORSet) Join(cs *causal.Context, o ORSet, co *causal.Context, full, keep bool) (delta int) {
	if full {
		for m, dots := range s {
			if _, ok := o[m]; !ok {
				nd := JoinDots(dots, cs, nil, co)
				delta += s.store(m, dots, nd, keep)
			}
		}
	}
	for m, od := range o {
		dots, had := s[m]
		nd := JoinDots(dots, cs, od, co)
		if !had && len(nd) == 0 && !keep {
			continue
		}
		delta += s.store(m, dots, nd, keep)
	}
	return delta
}

func (s ORSet) store(m string, old, nd []causal.Dot, keep bool) int {
	before := len(old) > 0
	if len(nd) == 0 && !keep {
		delete(s, m)
	} else {
		s[m] = nd
	}
	switch after := len(nd) > 0; {
	case before && !after:
		return -1
	case !before && after:
		return 1
	}
	return 0
}
