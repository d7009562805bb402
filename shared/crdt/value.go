package crdt

import (
	"math/big"
	"slices"
	"strconv"

	"lattice/shared/causal"
	"lattice/shared/hlc"
)

// Value is the string CRDT used for string keys and hash field values: a
// multi-value register of assignments composed with a resettable causal
// counter (SEMANTICS.md A2, A3, B2, B3, B11).
//
// Assigns holds the mutually concurrent SETs. The visible base is the LWW
// winner: the greatest timestamp, an exact tie going to the smaller replica
// id.
//
// Counts holds at most one live entry per replica after complete delivery:
// the running total of that replica's increments, as an exact int64 part and
// an exact decimal part. An increment replaces its replica's previous entry.
// Totals are cumulative along a chain starting at Start, so a reset that saw
// an older entry of the chain leaves a Reset record (replica, seq, totals)
// and the live entry contributes only what was added after it. A chain goes
// on while its entry is live; a new one starts only after a reset removed
// the whole previous chain.
//
// Any write that replaces the value (SET, APPEND, DEL, ...) removes every
// assignment and count it observed and records a Reset for each count.
//
// Visible value: with no live counts, the base verbatim. With counts, the
// base (0 if absent) plus the sum of contributions, provided the base parses
// as a number; a non-numeric base stands alone and the unseen increments are
// ignored (B2). Sums are exact; a sum outside int64 reads as its exact
// decimal (B11).
//
// Laws: Join is the causal join on Assigns and Counts and the per-replica
// max-by-seq join on Resets: commutative, associative, idempotent.
//
// Tombstones: Resets stay until garbage collection by causal stability; a
// Reset is no longer needed once its replica's live chain starts after it.
type Value struct {
	Assigns []Assign `cbor:"1,keyasint,omitempty"`
	Counts  []Count  `cbor:"2,keyasint,omitempty"`
	Resets  []Reset  `cbor:"3,keyasint,omitempty"`
}

// Assign is one SET of the whole value.
type Assign struct {
	_   struct{} `cbor:",toarray"`
	Dot causal.Dot
	TS  hlc.Timestamp
	Val []byte
}

// Count is one replica's running increment total since Start: exactly
// Int + Float. Float holds the decimal increments and whatever of the
// integer ones would overflow Int.
type Count struct {
	_     struct{} `cbor:",toarray"`
	Dot   causal.Dot
	Start uint64 // seq of the first entry of this chain
	Int   int64
	Float string // exact decimal; "" is zero
}

// Reset remembers the totals of Replica's chain at Seq when a write removed them.
type Reset struct {
	_       struct{} `cbor:",toarray"`
	Replica causal.ReplicaID
	Seq     uint64
	Int     int64
	Float   string
}

func assignDot(a *Assign) causal.Dot { return a.Dot }
func countDot(c *Count) causal.Dot   { return c.Dot }

// Empty reports whether v holds no live assignment or count.
func (v *Value) Empty() bool { return len(v.Assigns) == 0 && len(v.Counts) == 0 }

// Tombstone reports whether v holds only reset records.
func (v *Value) Tombstone() bool { return v.Empty() && len(v.Resets) > 0 }

// Join merges o (with context co) into v (with context cv).
func (v *Value) Join(cv *causal.Context, o *Value, co *causal.Context) {
	v.Assigns = joinSorted(v.Assigns, cv, o.Assigns, co, assignDot)
	v.Counts = joinSorted(v.Counts, cv, o.Counts, co, countDot)
	v.Resets = joinResets(v.Resets, o.Resets)
}

func joinResets(a, b []Reset) []Reset {
	for _, r := range b {
		i, ok := slices.BinarySearchFunc(a, r.Replica, func(x Reset, id causal.ReplicaID) int { return x.Replica.Compare(id) })
		switch {
		case !ok:
			a = slices.Insert(a, i, r)
		case r.Seq > a[i].Seq:
			a[i] = r
		}
	}
	return a
}

// Dots appends every live dot of v to dst.
func (v *Value) Dots(dst []causal.Dot) []causal.Dot {
	for _, a := range v.Assigns {
		dst = append(dst, a.Dot)
	}
	for _, c := range v.Counts {
		dst = append(dst, c.Dot)
	}
	return dst
}

func (v *Value) reset(r causal.ReplicaID) (Reset, bool) {
	i, ok := slices.BinarySearchFunc(v.Resets, r, func(x Reset, id causal.ReplicaID) int { return x.Replica.Compare(id) })
	if !ok {
		return Reset{}, false
	}
	return v.Resets[i], true
}

// contribution returns what count c adds to the visible value.
func (v *Value) contribution(c *Count) (int64, Decimal) {
	f := decimalOf(c.Float)
	r, ok := v.reset(c.Dot.Replica)
	if !ok || r.Seq < c.Start {
		return c.Int, f
	}
	if r.Seq >= c.Dot.Seq { // superseded; its successor is still in flight
		return 0, Decimal{}
	}
	f = f.Sub(decimalOf(r.Float))
	if diff := c.Int - r.Int; (diff < c.Int) == (r.Int > 0) {
		return diff, f
	}
	return 0, f.Add(DecimalFromInt(c.Int)).Sub(DecimalFromInt(r.Int)) // B11: exact beyond int64
}

func decimalOf(s string) Decimal {
	if s == "" {
		return Decimal{}
	}
	d, _ := ParseDecimal(s)
	return d
}

// Base returns the winning assignment, or nil when there is none.
func (v *Value) Base() *Assign {
	best := -1
	for i := range v.Assigns {
		a := &v.Assigns[i]
		if best < 0 || Later(a.TS, a.Dot.Replica, v.Assigns[best].TS, v.Assigns[best].Dot.Replica) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	return &v.Assigns[best]
}

// Get returns the visible bytes; ok is false when v is empty.
func (v *Value) Get() (b []byte, ok bool) {
	if v.Empty() {
		return nil, false
	}
	base := v.Base()
	if len(v.Counts) == 0 {
		return base.Val, true
	}
	if n, ok := v.intSum(base); ok {
		return strconv.AppendInt(nil, n, 10), true
	}
	var sumInt big.Int
	var sumF Decimal
	for i := range v.Counts {
		n, f := v.contribution(&v.Counts[i])
		sumInt.Add(&sumInt, big.NewInt(n))
		sumF = sumF.Add(f)
	}
	if base != nil {
		if n, ok := ParseInt(base.Val); ok {
			sumInt.Add(&sumInt, big.NewInt(n))
		} else if d, ok := decimalOfFloatString(base.Val); ok {
			sumF = sumF.Add(d)
		} else {
			return base.Val, true // B2: a non-numeric SET stands alone
		}
	}
	if sumF.IsZero() && sumInt.IsInt64() {
		return strconv.AppendInt(nil, sumInt.Int64(), 10), true
	}
	var d Decimal
	d.coef.Set(&sumInt)
	return []byte(d.Add(sumF).String()), true
}

// intSum is Get's fast path for the common counter: integer base (or none),
// integer-only contributions, and a sum that fits in int64. ok is false
// whenever the exact path is needed.
func (v *Value) intSum(base *Assign) (sum int64, ok bool) {
	if base != nil {
		if sum, ok = ParseInt(base.Val); !ok {
			return 0, false
		}
	}
	for i := range v.Counts {
		c := &v.Counts[i]
		if c.Float != "" {
			return 0, false
		}
		n := c.Int
		if r, has := v.reset(c.Dot.Replica); has && r.Seq >= c.Start {
			if r.Float != "" {
				return 0, false
			}
			if r.Seq >= c.Dot.Seq {
				continue
			}
			if n, ok = sub64(c.Int, r.Int); !ok {
				return 0, false
			}
		}
		if sum, ok = add64(sum, n); !ok {
			return 0, false
		}
	}
	return sum, true
}

func add64(a, b int64) (int64, bool) {
	s := a + b
	return s, (s > a) == (b > 0)
}

func sub64(a, b int64) (int64, bool) {
	d := a - b
	return d, (d < a) == (b > 0)
}

// Numeric reports the visible value's exact decimal form, for float increments.
func (v *Value) Numeric() (Decimal, bool) {
	b, ok := v.Get()
	if !ok {
		return Decimal{}, true
	}
	return decimalOfFloatString(b)
}

// decimalOfFloatString converts a numeric string to an exact decimal: plain
// decimals exactly, anything else strtold accepts through long double.
func decimalOfFloatString(b []byte) (Decimal, bool) {
	if d, ok := ParseDecimal(string(b)); ok {
		return d, true
	}
	f, ok := ParseLongDouble(b)
	if !ok {
		return Decimal{}, false
	}
	return ParseDecimal(FormatLongDouble(f))
}

// Assign replaces the value with val, written at dot d and time ts. It
// returns the delta and appends the dots it removed to rm.
func (v *Value) Assign(d causal.Dot, ts hlc.Timestamp, val []byte, rm []causal.Dot) (Value, []causal.Dot) {
	delta, rm := v.Remove(rm)
	delta.Assigns = []Assign{{Dot: d, TS: ts, Val: val}}
	return delta, rm
}

// Remove removes everything v holds (observed remove) and returns the delta:
// the reset records of the counts it removed. Removed dots go to rm.
func (v *Value) Remove(rm []causal.Dot) (Value, []causal.Dot) {
	var delta Value
	rm = v.Dots(rm)
	for i := range v.Counts {
		c := &v.Counts[i]
		if r, ok := v.reset(c.Dot.Replica); ok && r.Seq >= c.Dot.Seq {
			continue
		}
		delta.Resets = joinResets(delta.Resets, []Reset{{Replica: c.Dot.Replica, Seq: c.Dot.Seq, Int: c.Int, Float: c.Float}})
	}
	return delta, rm
}

// Increment adds (n, f) to d.Replica's chain at dot d. Callers check the
// visible value and overflow first. Removed dots go to rm.
func (v *Value) Increment(d causal.Dot, n int64, f Decimal, rm []causal.Dot) (Value, []causal.Dot) {
	var cur *Count
	for i := range v.Counts {
		c := &v.Counts[i]
		if c.Dot.Replica == d.Replica && (cur == nil || c.Dot.Seq > cur.Dot.Seq) {
			cur = c
		}
	}
	next := Count{Dot: d, Start: d.Seq, Int: n}
	nf := f
	if cur != nil {
		rm = append(rm, cur.Dot)
		// Continue the chain even when a known reset covers part of it:
		// restarting here would fold what that reset missed into a new
		// chain, hiding it from a concurrent reset that did see it.
		next.Start = cur.Start
		nf = nf.Add(decimalOf(cur.Float))
		if sum := next.Int + cur.Int; (sum > next.Int) == (cur.Int > 0) {
			next.Int = sum
		} else {
			// B11: one replica's total may leave int64 while the visible
			// sum does not; the decimal part keeps it exact.
			nf = nf.Add(DecimalFromInt(cur.Int))
		}
	}
	if !nf.IsZero() {
		next.Float = nf.String()
	}
	return Value{Counts: []Count{next}}, rm
}

// Chain returns the int64 total of r's live chain, for overflow checks.
func (v *Value) Chain(r causal.ReplicaID) int64 {
	for i := range v.Counts {
		if v.Counts[i].Dot.Replica == r {
			return v.Counts[i].Int
		}
	}
	return 0
}

// Clone returns a deep copy.
func (v *Value) Clone() *Value {
	return &Value{Assigns: slices.Clone(v.Assigns), Counts: slices.Clone(v.Counts), Resets: slices.Clone(v.Resets)}
}
