package engine

import (
	"encoding/binary"
	"slices"
	"strings"

	"lattice/shared/causal"
	"lattice/shared/crdt"
	"lattice/shared/hlc"
)

// The hand-written encoder of deltas. Every write's delta is encoded on the
// hub's owner goroutine (for the log and the peers), where the reflection
// encoder cost as much as running the command. appendDelta writes exactly
// the bytes codec.Marshal writes (CBOR core deterministic encoding: shortest
// integers, map keys sorted by their encoded bytes, omitempty fields left
// out, nil slices as empty arrays) for the shapes of everyday deltas, and
// declines the rest (lists, HyperLogLogs), which go through codec. Tests
// run every delta through both and compare (fastEncodeCheck).

// fastEncodeCheck makes EncodeDelta compare the two encoders on every call;
// the engine's tests set it.
var fastEncodeCheck bool

// CBOR major types, shifted into the initial byte.
const (
	cborUint  = 0 << 5
	cborNeg   = 1 << 5
	cborBytes = 2 << 5
	cborArray = 4 << 5
	cborMap   = 5 << 5
	cborTrue  = 0xf5
	cborNull  = 0xf6
)

func appendHead(b []byte, major byte, n uint64) []byte {
	switch {
	case n < 24:
		return append(b, major|byte(n))
	case n <= 0xff:
		return append(b, major|24, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, major|25), uint16(n))
	case n <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, major|26), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, major|27), n)
}

func appendInt(b []byte, v int64) []byte {
	if v < 0 {
		return appendHead(b, cborNeg, uint64(-(v + 1)))
	}
	return appendHead(b, cborUint, uint64(v))
}

func appendBytes(b []byte, s []byte) []byte {
	return append(appendHead(b, cborBytes, uint64(len(s))), s...)
}

func appendString(b []byte, s string) []byte {
	return append(appendHead(b, cborBytes, uint64(len(s))), s...)
}

func appendDot(b []byte, d causal.Dot) []byte {
	b = append(b, cborArray|2)
	b = appendBytes(b, d.Replica[:])
	return appendHead(b, cborUint, d.Seq)
}

func appendTS(b []byte, t hlc.Timestamp) []byte {
	b = append(b, cborArray|2)
	b = appendInt(b, t.Wall)
	return appendHead(b, cborUint, uint64(t.Logical))
}

func appendContext(b []byte, c *causal.Context) []byte {
	n := 0
	if len(c.VV) > 0 {
		n++
	}
	if len(c.Cloud) > 0 {
		n++
	}
	b = appendHead(b, cborMap, uint64(n))
	if len(c.VV) > 0 {
		b = appendHead(append(b, 1), cborArray, uint64(len(c.VV)))
		for _, e := range c.VV {
			b = append(b, cborArray|2)
			b = appendBytes(b, e.Replica[:])
			b = appendHead(b, cborUint, e.Seq)
		}
	}
	if len(c.Cloud) > 0 {
		b = appendHead(append(b, 2), cborArray, uint64(len(c.Cloud)))
		for _, d := range c.Cloud {
			b = appendDot(b, d)
		}
	}
	return b
}

func appendMarks(b []byte, ms crdt.Marks) []byte {
	b = appendHead(b, cborArray, uint64(len(ms)))
	for _, m := range ms {
		b = append(b, cborArray|3)
		b = appendDot(b, m.Dot)
		b = appendTS(b, m.TS)
		b = appendInt(b, m.N)
	}
	return b
}

// appendValue writes a Value, or null for a nil one (a map value).
func appendValue(b []byte, v *crdt.Value) []byte {
	if v == nil {
		return append(b, cborNull)
	}
	n := 0
	for _, l := range []int{len(v.Assigns), len(v.Counts), len(v.Resets)} {
		if l > 0 {
			n++
		}
	}
	b = appendHead(b, cborMap, uint64(n))
	if len(v.Assigns) > 0 {
		b = appendHead(append(b, 1), cborArray, uint64(len(v.Assigns)))
		for _, a := range v.Assigns {
			b = append(b, cborArray|3)
			b = appendDot(b, a.Dot)
			b = appendTS(b, a.TS)
			b = appendBytes(b, a.Val)
		}
	}
	if len(v.Counts) > 0 {
		b = appendHead(append(b, 2), cborArray, uint64(len(v.Counts)))
		for _, c := range v.Counts {
			b = append(b, cborArray|4)
			b = appendDot(b, c.Dot)
			b = appendHead(b, cborUint, c.Start)
			b = appendInt(b, c.Int)
			b = appendString(b, c.Float)
		}
	}
	if len(v.Resets) > 0 {
		b = appendHead(append(b, 3), cborArray, uint64(len(v.Resets)))
		for _, r := range v.Resets {
			b = append(b, cborArray|4)
			b = appendBytes(b, r.Replica[:])
			b = appendHead(b, cborUint, r.Seq)
			b = appendInt(b, r.Int)
			b = appendString(b, r.Float)
		}
	}
	return b
}

// sortedNames returns m's keys in core deterministic order: byte strings
// sort by their encoding, so by length, then bytewise.
func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	return names
}

func appendORMap(b []byte, m crdt.ORMap) []byte {
	b = appendHead(b, cborMap, uint64(len(m)))
	if len(m) == 1 {
		for f, v := range m {
			return appendValue(appendString(b, f), v)
		}
	}
	for _, f := range sortedNames(m) {
		b = appendValue(appendString(b, f), m[f])
	}
	return b
}

func appendORSet(b []byte, s crdt.ORSet) []byte {
	b = appendHead(b, cborMap, uint64(len(s)))
	one := func(b []byte, member string, dots []causal.Dot) []byte {
		b = appendHead(appendString(b, member), cborArray, uint64(len(dots)))
		for _, d := range dots {
			b = appendDot(b, d)
		}
		return b
	}
	if len(s) == 1 {
		for m, ds := range s {
			return one(b, m, ds)
		}
	}
	for _, m := range sortedNames(s) {
		b = one(b, m, s[m])
	}
	return b
}

// appendKey writes a key, or reports false for one the fast path leaves
// to codec (a list or a HyperLogLog).
func appendKey(b []byte, k *Key) ([]byte, bool) {
	if k == nil || k.List != nil || k.HLL != nil {
		return b, false
	}
	n := 0
	for _, set := range []bool{len(k.Types) > 0, len(k.TTL) > 0, k.Str != nil, len(k.Hash) > 0, len(k.Set) > 0,
		len(k.ZSet) > 0, k.Ev != ""} {
		if set {
			n++
		}
	}
	b = appendHead(b, cborMap, uint64(n))
	if len(k.Types) > 0 {
		b = appendMarks(append(b, 1), k.Types)
	}
	if len(k.TTL) > 0 {
		b = appendMarks(append(b, 2), k.TTL)
	}
	if k.Str != nil {
		b = appendValue(append(b, 3), k.Str)
	}
	if len(k.Hash) > 0 {
		b = appendORMap(append(b, 4), k.Hash)
	}
	if len(k.Set) > 0 {
		b = appendORSet(append(b, 5), k.Set)
	}
	if len(k.ZSet) > 0 {
		b = appendORMap(append(b, 6), k.ZSet)
	}
	if k.Ev != "" {
		b = appendString(append(b, 9), k.Ev)
	}
	return b, true
}

// appendDelta writes the envelope of d (EncodeDelta's bytes), or reports
// false when d holds something the fast path leaves to codec.
func appendDelta(b []byte, d *Delta) ([]byte, bool) {
	if d == nil || d.Applied != nil {
		return b, false
	}
	b = append(b, cborMap|2, 1)
	b = appendInt(b, DeltaVersion)
	b = append(b, 2)
	n := 2 // CC and TS are always there
	if len(d.Keys) > 0 {
		n++
	}
	if d.Full {
		n++
	}
	if d.Origin != nil {
		n++
	}
	b = appendHead(b, cborMap, uint64(n))
	if len(d.Keys) > 0 {
		b = appendHead(append(b, 1), cborMap, uint64(len(d.Keys)))
		var ok bool
		if len(d.Keys) == 1 {
			for name, k := range d.Keys {
				if b, ok = appendKey(appendString(b, name), k); !ok {
					return b, false
				}
			}
		} else {
			for _, name := range sortedNames(d.Keys) {
				if b, ok = appendKey(appendString(b, name), d.Keys[name]); !ok {
					return b, false
				}
			}
		}
	}
	b = appendContext(append(b, 2), &d.CC)
	b = appendTS(append(b, 3), d.TS)
	if d.Full {
		b = append(b, 4, cborTrue)
	}
	if d.Origin != nil {
		b = appendDot(append(b, 5), *d.Origin)
	}
	return b, true
}
