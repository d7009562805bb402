package crdt

import (
	"math"
	"strconv"

	"lattice/shared/causal"
	"lattice/shared/hlc"
)

// A sorted-set member's score is a Value (SEMANTICS.md A6): ZADD is an
// assignment of the score, written in its shortest round-trip form
// (ScoreBytes), and ZINCRBY a counter contribution equal to the exact
// difference between the new and the old float64 score. The visible score
// is the float64 nearest to base + Σ contributions, computed exactly, so
// concurrent ZINCRBYs add up (6.4: 1.1 + 1.0 ‖ + 1.0 → 3.1) and a ZREM
// that saw only the base leaves the unseen increment (6.5: → 2.0); on one
// replica the contributions telescope back to the float64 Redis computes.
// Infinite scores cannot be counter parts: a ZINCRBY whose old or new
// score is infinite is an assignment of the new score, and an infinite
// base ignores finite contributions (inf + x = inf).

// ScoreBytes returns the canonical stored form of a score: "inf", "-inf",
// or the shortest decimal that parses back to it. Negative zero is stored
// as 0, as redis-server stores it in a small (listpack) sorted set.
func ScoreBytes(f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return []byte("inf")
	case math.IsInf(f, -1):
		return []byte("-inf")
	case f == 0:
		return []byte("0")
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64)
}

// Score returns the visible score of v; ok is false when v is empty.
func (v *Value) Score() (f float64, ok bool) {
	if v.Empty() {
		return 0, false
	}
	if base := v.Base(); base != nil {
		f, _ = ParseScore(base.Val)
	}
	if len(v.Counts) == 0 || math.IsInf(f, 0) {
		return f, true
	}
	sum := ExactDecimalOfFloat64(f)
	for i := range v.Counts {
		n, d := v.contribution(&v.Counts[i])
		sum = sum.Add(d)
		if n != 0 {
			sum = sum.Add(DecimalFromInt(n))
		}
	}
	f = Float64OfDecimal(sum)
	if f == 0 {
		f = 0 // never -0
	}
	return f, true
}

// IncrScore returns the delta of ZINCRBY from the visible score cur to
// next (already checked not NaN), written at dot d and time ts: a counter
// contribution of next - cur, exact, or an assignment of next when either
// is infinite. Removed dots go to rm.
func (v *Value) IncrScore(d causal.Dot, ts hlc.Timestamp, cur, next float64, rm []causal.Dot) (Value, []causal.Dot) {
	if math.IsInf(cur, 0) || math.IsInf(next, 0) {
		return v.Assign(d, ts, ScoreBytes(next), rm)
	}
	diff := ExactDecimalOfFloat64(next).Sub(ExactDecimalOfFloat64(cur))
	return v.Increment(d, 0, diff, rm)
}
