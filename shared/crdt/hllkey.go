package crdt

import (
	"fmt"
	"slices"

	"lattice/shared/causal"
)

// HLLKey is a HyperLogLog under the DEL-wins rule (SEMANTICS.md A9,
// reference §9): a DEL, or a write of another type over the key, kills
// every add it observed and every add concurrent with it; only adds made
// after seeing it survive.
//
// Dels is a causal dot store of delete tombstones: a DEL mints one and
// removes the ones it observed, so after complete delivery Dels holds the
// mutually concurrent latest DELs. Each entry of Entries holds registers
// and Seen, the Dels its writers held. An entry is visible when Seen
// equals Dels: its writers saw exactly the latest deletes. At most one
// entry is visible; PFADD and PFMERGE write into it (a delta carries only
// the registers they raised).
//
// Death is permanent, which is what lets Join drop dead entries at once
// and keep the state canonical. An entry is dead when Dels holds a
// tombstone its writers never saw (not in Ctx, the causal context they
// wrote with: every later delete that removes that tombstone is unseen
// too), or when Seen names a tombstone that has been removed (the removing
// delete came after it and its writers did not see that either). A
// tombstone in Dels but outside Seen that the writers did see was replaced
// by a delete they saw and the receiver has not got yet: the entry waits,
// like one whose Seen is ahead of Dels. Writers with equal Seen saw the
// same tombstones (each removed one was removed by a chain of deletes
// ending in Seen), so merging their entries, contexts joined, changes
// nobody's fate.
//
// Laws: Join is the causal join on Dels, register max on entries with
// equal Seen, then the removal of dead entries: commutative, associative,
// idempotent. Tombstones: Dels stay, even on a deleted key, until garbage
// collection by causal stability.
type HLLKey struct {
	Dels    []causal.Dot `cbor:"1,keyasint,omitempty"`
	Entries []HLLEntry   `cbor:"2,keyasint,omitempty"`
}

// HLLEntry is registers written by adds that saw the tombstones Seen
// live and knew the dots of Ctx.
type HLLEntry struct {
	_    struct{} `cbor:",toarray"`
	Seen []causal.Dot
	Regs HLL
	Ctx  causal.Context
}

// Visible returns the visible entry's registers, or nil: the key holds no
// HyperLogLog.
func (k *HLLKey) Visible() *HLL {
	if k == nil {
		return nil
	}
	for i := range k.Entries {
		if slices.Equal(k.Entries[i].Seen, k.Dels) {
			return &k.Entries[i].Regs
		}
	}
	return nil
}

// Empty reports whether k holds nothing, not even a tombstone.
func (k *HLLKey) Empty() bool { return k == nil || len(k.Dels) == 0 && len(k.Entries) == 0 }

// Write returns the delta of PFADD or PFMERGE raising registers regs
// (which it keeps) in the visible entry, or creating it; cc is the
// writer's causal context (copied).
func (k *HLLKey) Write(regs HLL, cc *causal.Context) HLLKey {
	return HLLKey{Entries: []HLLEntry{{Seen: slices.Clone(k.Dels), Regs: regs, Ctx: cc.Clone()}}}
}

// Delete returns the delta of a DEL with tombstone dot d and appends the
// tombstones it replaces to rm.
func (k *HLLKey) Delete(d causal.Dot, rm []causal.Dot) (HLLKey, []causal.Dot) {
	if k != nil {
		rm = append(rm, k.Dels...)
	}
	return HLLKey{Dels: []causal.Dot{d}}, rm
}

// Join merges o (with context co) into k (with context ck).
func (k *HLLKey) Join(ck *causal.Context, o *HLLKey, co *causal.Context) {
	k.Dels = JoinDots(k.Dels, ck, o.Dels, co)
	for i := range o.Entries {
		oe := &o.Entries[i]
		j, ok := slices.BinarySearchFunc(k.Entries, oe.Seen, func(e HLLEntry, s []causal.Dot) int { return compareDots(e.Seen, s) })
		if ok {
			k.Entries[j].Regs.Join(&oe.Regs)
			k.Entries[j].Ctx.Join(&oe.Ctx)
			continue
		}
		k.Entries = slices.Insert(k.Entries, j, HLLEntry{Seen: slices.Clone(oe.Seen), Regs: *oe.Regs.Clone(), Ctx: oe.Ctx.Clone()})
	}
	k.Entries = slices.DeleteFunc(k.Entries, func(e HLLEntry) bool {
		for _, d := range k.Dels {
			if !containsDot(e.Seen, d) && !e.Ctx.Contains(d) {
				return true
			}
		}
		for _, s := range e.Seen {
			if (ck.Contains(s) || co.Contains(s)) && !containsDot(k.Dels, s) {
				return true
			}
		}
		return false
	})
	if len(k.Entries) == 0 {
		k.Entries = nil
	}
}

// Dots appends the live tombstone dots (what a DEL observes).
func (k *HLLKey) Dots(dst []causal.Dot) []causal.Dot {
	if k == nil {
		return dst
	}
	return append(dst, k.Dels...)
}

// Validate checks a decoded HLLKey: sorted unique dots and Seen lists,
// entries sorted by Seen, canonical registers.
func (k *HLLKey) Validate() error {
	if !validDots(k.Dels) {
		return fmt.Errorf("%w: tombstones not sorted", ErrMalformedHLL)
	}
	for i := range k.Entries {
		e := &k.Entries[i]
		if !validDots(e.Seen) {
			return fmt.Errorf("%w: seen tombstones not sorted", ErrMalformedHLL)
		}
		if i > 0 && compareDots(k.Entries[i-1].Seen, e.Seen) >= 0 {
			return fmt.Errorf("%w: entries not sorted", ErrMalformedHLL)
		}
		if err := e.Regs.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Clone returns a deep copy.
func (k *HLLKey) Clone() *HLLKey {
	c := &HLLKey{Dels: slices.Clone(k.Dels)}
	for _, e := range k.Entries {
		c.Entries = append(c.Entries, HLLEntry{Seen: slices.Clone(e.Seen), Regs: *e.Regs.Clone(), Ctx: e.Ctx.Clone()})
	}
	return c
}

func validDots(ds []causal.Dot) bool {
	for i := 1; i < len(ds); i++ {
		if ds[i-1].Compare(ds[i]) >= 0 {
			return false
		}
	}
	for _, d := range ds {
		if d.Seq == 0 {
			return false
		}
	}
	return true
}

func containsDot(ds []causal.Dot, d causal.Dot) bool {
	_, ok := slices.BinarySearchFunc(ds, d, causal.Dot.Compare)
	return ok
}

func compareDots(a, b []causal.Dot) int {
	return slices.CompareFunc(a, b, causal.Dot.Compare)
}

// Raises returns the register elem sets (index and value) and whether that
// raises h's register: PFADD's per-element effect.
func (h *HLL) Raises(elem []byte) (i int, v uint8, ok bool) {
	i, v = hllPosition(elem)
	return i, v, v > h.Register(i)
}
