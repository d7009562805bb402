package engine

import (
	"bytes"
	"fmt"

	"lattice/shared/causal"
	"lattice/shared/crdt"
	"lattice/shared/hlc"
)

// validate checks the invariants Merge relies on, so that a hostile or
// corrupt delta is refused whole instead of breaking the join laws: every
// dot in the store is non-zero and inside the delta's own context, type
// codes are known, no timestamp is later than the delta's TS, and decimal
// parts parse.
func validate(d *Delta) error {
	for name, k := range d.Keys {
		if k == nil {
			return fmt.Errorf("%w: key %q is null", ErrMalformedDelta, name)
		}
		if err := validateKey(d, k); err != nil {
			return fmt.Errorf("%w: key %q: %w", ErrMalformedDelta, name, err)
		}
	}
	return nil
}

func validateKey(d *Delta, k *Key) error {
	if len(k.Ev) > maxEvent {
		return fmt.Errorf("event name of %d bytes", len(k.Ev))
	}
	check := func(dot causal.Dot) error {
		if dot.Seq == 0 || !d.CC.Contains(dot) {
			return fmt.Errorf("dot %v not in the delta's context", dot)
		}
		return nil
	}
	checkTS := func(ts hlc.Timestamp) error {
		if d.TS.Less(ts) {
			return fmt.Errorf("timestamp %v after the delta's %v", ts, d.TS)
		}
		return nil
	}
	for _, m := range k.Types {
		if m.N < int64(TypeString) || m.N > int64(typeMax) {
			return fmt.Errorf("unknown type code %d", m.N)
		}
	}
	for _, ms := range []crdt.Marks{k.Types, k.TTL} {
		if !sortedUnique(ms, func(m crdt.Mark) causal.Dot { return m.Dot }) {
			return fmt.Errorf("marks not sorted")
		}
		for _, m := range ms {
			if err := check(m.Dot); err != nil {
				return err
			}
			if err := checkTS(m.TS); err != nil {
				return err
			}
		}
	}
	if k.Str != nil {
		if err := validateValue(k.Str, check, checkTS); err != nil {
			return err
		}
	}
	for _, v := range k.Hash {
		if v == nil {
			return fmt.Errorf("null hash field")
		}
		if err := validateValue(v, check, checkTS); err != nil {
			return err
		}
	}
	for m, v := range k.ZSet {
		if v == nil {
			return fmt.Errorf("null sorted-set member")
		}
		if err := validateValue(v, check, checkTS); err != nil {
			return err
		}
		for _, a := range v.Assigns {
			if f, ok := crdt.ParseScore(a.Val); !ok || !bytes.Equal(crdt.ScoreBytes(f), a.Val) {
				return fmt.Errorf("member %q: score %q not canonical", m, a.Val)
			}
		}
	}
	if k.List != nil {
		if err := k.List.flat.Validate(&d.CC, d.TS); err != nil {
			return err
		}
	}
	if k.HLL != nil {
		if err := k.HLL.Validate(); err != nil {
			return err
		}
		for _, dot := range k.HLL.Dels {
			if err := check(dot); err != nil {
				return err
			}
		}
	}
	for _, ds := range k.Set {
		if !sortedUnique(ds, func(d causal.Dot) causal.Dot { return d }) {
			return fmt.Errorf("set dots not sorted")
		}
		for _, dot := range ds {
			if err := check(dot); err != nil {
				return err
			}
		}
	}
	return nil
}

func validateValue(v *crdt.Value, check func(causal.Dot) error, checkTS func(hlc.Timestamp) error) error {
	if !sortedUnique(v.Assigns, func(a crdt.Assign) causal.Dot { return a.Dot }) ||
		!sortedUnique(v.Counts, func(c crdt.Count) causal.Dot { return c.Dot }) {
		return fmt.Errorf("value entries not sorted")
	}
	for _, a := range v.Assigns {
		if err := check(a.Dot); err != nil {
			return err
		}
		if err := checkTS(a.TS); err != nil {
			return err
		}
	}
	for _, c := range v.Counts {
		if err := check(c.Dot); err != nil {
			return err
		}
		if c.Start == 0 || c.Start > c.Dot.Seq {
			return fmt.Errorf("count chain start %d after its dot %v", c.Start, c.Dot)
		}
		if !validDecimal(c.Float) {
			return fmt.Errorf("malformed decimal %q", c.Float)
		}
	}
	for i, r := range v.Resets {
		if i > 0 && v.Resets[i-1].Replica.Compare(r.Replica) >= 0 {
			return fmt.Errorf("resets not sorted")
		}
		if !validDecimal(r.Float) {
			return fmt.Errorf("malformed decimal %q", r.Float)
		}
	}
	return nil
}

func validDecimal(s string) bool {
	if s == "" {
		return true
	}
	d, ok := crdt.ParseDecimal(s)
	return ok && d.String() == s
}

func sortedUnique[E any](s []E, dot func(E) causal.Dot) bool {
	for i := 1; i < len(s); i++ {
		if dot(s[i-1]).Compare(dot(s[i])) >= 0 {
			return false
		}
	}
	return true
}
