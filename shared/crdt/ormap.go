package crdt

import "lattice/shared/causal"

// ORMap maps hash fields to Values (Almeida et al. 2018, §7.3 "ORMap"): the
// field set is add-wins observed-remove, each field's content is a Value
// (LWW string or counter, SEMANTICS.md A5). A field is present while its
// Value is non-empty. A field emptied by a remove keeps its counter reset
// records as a tombstone until garbage collection.
//
// Laws: Join is Value's join per field: commutative, associative, idempotent.
type ORMap map[string]*Value

// Join merges delta or state o into m; full and keep are as for ORSet.Join.
// It returns the change in the number of present fields.
func (m ORMap) Join(cm *causal.Context, o ORMap, co *causal.Context, full, keep bool) (delta int) {
	if full {
		for f, v := range m {
			if _, ok := o[f]; !ok {
				before := !v.Empty()
				v.Join(cm, &Value{}, co)
				delta += m.settle(f, v, before, keep)
			}
		}
	}
	for f, ov := range o {
		v, had := m[f]
		before := had && !v.Empty()
		if !had {
			v = &Value{}
			m[f] = v
		}
		v.Join(cm, ov, co)
		delta += m.settle(f, v, before, keep)
	}
	return delta
}

func (m ORMap) settle(f string, v *Value, before, keep bool) int {
	after := !v.Empty()
	if !after && len(v.Resets) == 0 && !keep {
		delete(m, f)
	}
	switch {
	case before && !after:
		return -1
	case !before && after:
		return 1
	}
	return 0
}
