package crdt

import "lattice/shared/causal"

// joinSorted is the causal join of two dot stores kept as slices sorted by
// dot (§6 of the delta-CRDT paper): an entry survives if both sides hold it,
// or if one side holds it and the other side's context lacks its dot.
// Entries with equal dots are equal (a dot names one event), so the left
// one is kept. The result reuses a's backing array when it can.
func joinSorted[E any](a []E, ca *causal.Context, b []E, cb *causal.Context, dot func(*E) causal.Dot) []E {
	if len(b) == 0 {
		// Fast path: drop a's entries that b's context removed.
		out := a[:0:len(a)]
		for i := range a {
			if !cb.Contains(dot(&a[i])) {
				out = append(out, a[i])
			}
		}
		return trim(out)
	}
	out := make([]E, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var c int
		switch {
		case i == len(a):
			c = 1
		case j == len(b):
			c = -1
		default:
			c = dot(&a[i]).Compare(dot(&b[j]))
		}
		switch {
		case c == 0:
			out = append(out, a[i])
			i++
			j++
		case c < 0:
			if !cb.Contains(dot(&a[i])) {
				out = append(out, a[i])
			}
			i++
		default:
			if !ca.Contains(dot(&b[j])) {
				out = append(out, b[j])
			}
			j++
		}
	}
	return trim(out)
}

// trim returns nil for an empty slice so that empty stores encode alike.
func trim[E any](s []E) []E {
	if len(s) == 0 {
		return nil
	}
	return s
}

// JoinDots joins two sorted dot sets (the dots supporting one OR-set element).
func JoinDots(a []causal.Dot, ca *causal.Context, b []causal.Dot, cb *causal.Context) []causal.Dot {
	return joinSorted(a, ca, b, cb, func(d *causal.Dot) causal.Dot { return *d })
}
