package engine

import "lattice/shared/crdt"

// hllCommands: HyperLogLog (SEMANTICS.md A9, reference §9). Concurrent
// PFADDs and PFMERGEs merge register-wise; a DEL wins over them (c.del
// writes the tombstone). A write carries only the registers it raises, so
// a command that raises none writes nothing, except PFADD or PFMERGE on a
// missing key, which creates it empty as Redis does. The registers and the
// estimator are Redis's (crdt.HLL), so the replies match redis-server's for
// the same elements.
var hllCommands = []command{
	{name: "pfadd", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdPFAdd},
	{name: "pfcount", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: -1, step: 1, run: cmdPFCount},
	{name: "pfmerge", arity: -2, flags: flagWrite, firstKey: 1, lastKey: -1, step: 1, run: cmdPFMerge},
}

// hllOf returns the visible registers of key name, nil when it is missing.
// Redis accepts any string holding a valid HyperLogLog and refuses other
// strings with its own WRONGTYPE text; a string key here never holds one,
// since a HyperLogLog has its own type.
func (c *call) hllOf(name string) (*crdt.HLL, Reply, bool) {
	k := c.lookup(name)
	if k == nil {
		return nil, Reply{}, true
	}
	switch k.Type() {
	case TypeHLL:
		return k.HLL.Visible(), Reply{}, true
	case TypeString:
		return nil, errNotHLL, false
	}
	return nil, errWrongType, false
}

// cmdPFAdd answers 1 when it creates the key or raises a register, as
// Redis does. The delta holds the raised registers only.
func cmdPFAdd(c *call) Reply {
	name := string(c.args[1])
	h, errR, ok := c.hllOf(name)
	if !ok {
		return errR
	}
	created := h == nil
	if created {
		h = &crdt.HLL{}
	}
	var delta crdt.HLL
	changed := false
	for _, elem := range c.args[2:] {
		if i, v, raises := h.Raises(elem); raises {
			delta.Raise(i, v)
			changed = true
		}
	}
	if !created && !changed {
		return zero
	}
	c.pfwrite(name, delta)
	return one
}

// cmdPFCount counts one HyperLogLog, or the union of several without
// writing it; missing keys count as empty.
func cmdPFCount(c *call) Reply {
	var union *crdt.HLL
	for _, a := range c.args[1:] {
		h, errR, ok := c.hllOf(string(a))
		if !ok {
			return errR
		}
		switch {
		case h == nil:
		case union == nil && len(c.args) == 2:
			union = h // one key: read it in place
		case union == nil:
			union = h.Clone()
		default:
			union.Join(h)
		}
	}
	if union == nil {
		return zero
	}
	return integer(int64(union.Count()))
}

// cmdPFMerge raises the destination's registers to the union of the
// sources' (Redis checks the destination's type first, then each source's).
// A missing destination is created, even with no sources.
func cmdPFMerge(c *call) Reply {
	dst := string(c.args[1])
	cur, errR, valid := c.hllOf(dst)
	if !valid {
		return errR
	}
	var delta crdt.HLL
	for _, a := range c.args[2:] {
		h, errR, valid := c.hllOf(string(a))
		if !valid {
			return errR
		}
		if h != nil {
			delta.Join(h)
		}
	}
	if cur == nil {
		c.pfwrite(dst, delta)
		return ok
	}
	var rise crdt.HLL
	for i, v := range delta.All() {
		if v > cur.Register(i) {
			rise.Raise(i, v)
		}
	}
	if rise.NonZero() > 0 {
		c.pfwrite(dst, rise)
	}
	return ok
}
