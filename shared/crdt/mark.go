package crdt

import (
	"lattice/shared/causal"
	"lattice/shared/hlc"
)

// Mark is one entry of a multi-value register (Shapiro et al. 2011, MV-register
// in causal form): a write at TS carrying N. The engine keeps two of them per
// key: the type register (N is the type code) and the TTL register (N is the
// expiry time in Unix milliseconds, 0 meaning PERSIST).
//
// A write replaces every mark it has observed, so the marks that survive a
// join are exactly the mutually concurrent writes. How one is chosen among
// them is the reader's rule, stated where it is read: LWW by (TS, smaller
// replica id) for types (SEMANTICS.md B4); PERSIST, else the longest TTL, for
// expiry (SEMANTICS.md A10).
type Mark struct {
	_   struct{} `cbor:",toarray"`
	Dot causal.Dot
	TS  hlc.Timestamp
	N   int64
}

// Marks is a causal dot store of marks, sorted by dot.
type Marks []Mark

func markDot(m *Mark) causal.Dot { return m.Dot }

// Join is the causal join; see the package doc for its laws.
func (s Marks) Join(cs *causal.Context, o Marks, co *causal.Context) Marks {
	return joinSorted(s, cs, o, co, markDot)
}

// Dots appends the dots of every mark to dst.
func (s Marks) Dots(dst []causal.Dot) []causal.Dot {
	for _, m := range s {
		dst = append(dst, m.Dot)
	}
	return dst
}

// LWW returns the index of the mark that last-writer-wins picks: the
// greatest TS, and on an exact tie the smaller replica id (SEMANTICS.md A2).
// It returns -1 for an empty store.
func (s Marks) LWW() int {
	best := -1
	for i := range s {
		if best < 0 || Later(s[i].TS, s[i].Dot.Replica, s[best].TS, s[best].Dot.Replica) {
			best = i
		}
	}
	return best
}

// Later reports whether a write (ta, ra) wins over (tb, rb) under LWW: later
// timestamp wins, an exact tie goes to the smaller replica id.
func Later(ta hlc.Timestamp, ra causal.ReplicaID, tb hlc.Timestamp, rb causal.ReplicaID) bool {
	if c := ta.Compare(tb); c != 0 {
		return c > 0
	}
	return ra.Compare(rb) < 0
}
