package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"lattice/shared/causal"
	"lattice/shared/crdt"
	"lattice/shared/hlc"
)

// crdtCommands are the CRDT-specific commands, which Redis does not have
// (SEMANTICS.md B12).
var crdtCommands = []command{
	{name: "crdt.explain", arity: 2, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdCrdtExplain},
	{name: "crdt.digest", arity: 1, flags: flagReadonly, run: cmdCrdtDigest},
}

// cmdCrdtDigest is CRDT.DIGEST: the SHA-256, in hex, of the replica's
// state (every key's CRDT state and the causal context, encoded
// canonically, without the clock). Replicas that merged the same deltas
// answer the same digest, so tests and operators compare replicas with
// it. It costs O(state).
func cmdCrdtDigest(c *call) Reply {
	b, err := EncodeDelta(&Delta{Keys: c.r.keys, CC: c.r.cc, Full: true})
	if err != nil {
		return errReply("ERR " + err.Error())
	}
	sum := sha256.Sum256(b)
	return bulkStr(hex.EncodeToString(sum[:]))
}

// explainCap bounds the fields or members CRDT.EXPLAIN lists: the first
// ones in byte order, so that the answer is the same on every replica.
const explainCap = 100

// Rules, as CRDT.EXPLAIN states them (SEMANTICS.md A2-A10, B2, B4).
const (
	ruleLWW         = "LWW: later timestamp, tie to smaller replica id"
	ruleCounter     = "counter: base + increments"
	ruleCounterText = "counter: a SET of a non-number stands alone, unseen increments are dropped"
	ruleHash        = "add-wins observed-remove; field values LWW (later timestamp, tie to smaller replica id), HINCRBY increments add"
	ruleSet         = "add-wins observed-remove"
	ruleZSet        = "add-wins observed-remove; scores LWW (later timestamp, tie to smaller replica id), ZINCRBY increments add"
	ruleList        = "every insert kept, concurrent inserts in element id order; removes take only observed elements"
	ruleHLL         = "DEL wins over concurrent adds; concurrent adds merge (register max)"
	ruleTypes       = "type conflict: later type mark wins, tie to smaller replica id; "
	ruleTTL         = "PERSIST wins, else the latest expiry; the writer of the winning mark owns the expiry"
)

// cmdCrdtExplain is CRDT.EXPLAIN key: the concurrent writes the replica
// holds for the key and the rule that chose what is visible. A missing or
// logically expired key answers null. It reads only.
func cmdCrdtExplain(c *call) Reply {
	k := c.lookup(string(c.args[1]))
	if k == nil {
		return null
	}
	t := k.Type()
	return mapReply([]Reply{
		bulkStr("key"), bulkStr(string(c.args[1])),
		bulkStr("type"), bulkStr(explainTypeName(t)),
		bulkStr("types"), explainTypes(k),
		bulkStr("rule"), bulkStr(explainRule(k, t)),
		bulkStr("ttl"), explainTTL(k),
		bulkStr("entries"), explainEntries(k, t),
	})
}

// explainTypeName is TYPE's word, except that a HyperLogLog is named.
func explainTypeName(t Type) string {
	if t == TypeHLL {
		return "hyperloglog"
	}
	return t.Name()
}

func explainTypes(k *Key) Reply {
	win := k.typeWinner()
	out := make([]Reply, len(k.Types))
	for i, m := range k.Types {
		out[i] = mapReply([]Reply{
			bulkStr("replica"), replicaReply(m.Dot.Replica),
			bulkStr("ts"), tsReply(m.TS),
			bulkStr("type"), bulkStr(explainTypeName(Type(m.N))),
			bulkStr("winner"), boolInt(i == win),
		})
	}
	return array(out)
}

// explainTTL lists the TTL marks (at: Unix ms, 0 for PERSIST), the
// visible expiry (-1: none) and its owner (null: none).
func explainTTL(k *Key) Reply {
	win := k.ttlWinner()
	marks := make([]Reply, len(k.TTL))
	for i, m := range k.TTL {
		marks[i] = mapReply([]Reply{
			bulkStr("replica"), replicaReply(m.Dot.Replica),
			bulkStr("ts"), tsReply(m.TS),
			bulkStr("at"), integer(m.N),
			bulkStr("winner"), boolInt(i == win),
		})
	}
	expires, owner := integer(-1), null
	if at, id, ok := k.Expiry(); ok {
		expires, owner = integer(at), replicaReply(id)
	}
	return mapReply([]Reply{
		bulkStr("expires"), expires,
		bulkStr("owner"), owner,
		bulkStr("rule"), bulkStr(ruleTTL),
		bulkStr("marks"), array(marks),
	})
}

// explainRule names the rule that chose the visible value, prefixed by
// the type rule when marks of several types are concurrent.
func explainRule(k *Key, t Type) string {
	var rule string
	switch t {
	case TypeString:
		rule = valueRule(k.Str)
	case TypeHash:
		rule = ruleHash
	case TypeSet:
		rule = ruleSet
	case TypeZSet:
		rule = ruleZSet
	case TypeList:
		rule = ruleList
	case TypeHLL:
		rule = ruleHLL
	}
	for _, m := range k.Types {
		if Type(m.N) != t {
			return ruleTypes + rule
		}
	}
	return rule
}

// valueRule is the rule of one string value (SEMANTICS.md A2, A3, B2).
func valueRule(v *crdt.Value) string {
	if len(v.Counts) == 0 {
		return ruleLWW
	}
	if base := v.Base(); base != nil {
		if _, ok := crdt.ParseDecimal(string(base.Val)); !ok {
			if _, ok := crdt.ParseLongDouble(base.Val); !ok {
				return ruleCounterText
			}
		}
	}
	return ruleCounter
}

func explainEntries(k *Key, t Type) Reply {
	switch t {
	case TypeString:
		return mapReply(explainValue(k.Str, nil))
	case TypeHash:
		return explainFields(k.Hash, k.hashLive, "field", nil)
	case TypeSet:
		return explainSet(k.Set)
	case TypeZSet:
		return explainFields(k.ZSet, k.zidx.Len(), "member", scoreText)
	case TypeList:
		return explainList(k.List.Seq())
	case TypeHLL:
		return explainHLL(k.HLL)
	}
	return null
}

// explainValue lists a Value's concurrent assignments (the LWW winner
// marked), its counter contributions and its reset records, after the
// visible value. show formats the visible value (nil: verbatim).
func explainValue(v *crdt.Value, show func(*crdt.Value) Reply) []Reply {
	visible := null
	if b, ok := v.Get(); ok {
		visible = bulk(b)
	}
	if show != nil {
		visible = show(v)
	}
	base := v.Base()
	assigns := make([]Reply, len(v.Assigns))
	for i := range v.Assigns {
		a := &v.Assigns[i]
		assigns[i] = mapReply([]Reply{
			bulkStr("replica"), replicaReply(a.Dot.Replica),
			bulkStr("ts"), tsReply(a.TS),
			bulkStr("value"), bulk(a.Val),
			bulkStr("winner"), boolInt(a == base),
		})
	}
	counts := make([]Reply, len(v.Counts))
	for i := range v.Counts {
		c := v.Counts[i]
		counts[i] = mapReply([]Reply{
			bulkStr("replica"), replicaReply(c.Dot.Replica),
			bulkStr("contribution"), bulk(contribution(v, c)),
		})
	}
	resets := make([]Reply, len(v.Resets))
	for i, r := range v.Resets {
		resets[i] = mapReply([]Reply{
			bulkStr("replica"), replicaReply(r.Replica),
			bulkStr("seq"), integer(int64(r.Seq)),
			bulkStr("total"), bulkStr(decimalText(r.Int, r.Float)),
		})
	}
	return []Reply{
		bulkStr("value"), visible,
		bulkStr("assigns"), array(assigns),
		bulkStr("counts"), array(counts),
		bulkStr("resets"), array(resets),
	}
}

// contribution is what one count adds to the visible value: the value's
// own rule (crdt.Value.Get) applied to that count alone, with the resets.
func contribution(v *crdt.Value, c crdt.Count) []byte {
	one := crdt.Value{Counts: []crdt.Count{c}, Resets: v.Resets}
	b, _ := one.Get()
	return b
}

// decimalText is an exact int64 + decimal total as text.
func decimalText(n int64, f string) string {
	d := crdt.DecimalFromInt(n)
	if f != "" {
		if x, ok := crdt.ParseDecimal(f); ok {
			d = d.Add(x)
		}
	}
	return d.String()
}

// scoreText shows a member's visible score as ZSCORE writes it.
func scoreText(v *crdt.Value) Reply {
	f, ok := v.Score()
	if !ok {
		return null
	}
	return bulk(crdt.AppendScore(nil, f))
}

// explainFields lists the live fields (or members) of a hash (or sorted
// set), each with its value's concurrent entries.
func explainFields(m crdt.ORMap, live int, word string, show func(*crdt.Value) Reply) Reply {
	names, truncated := firstKeys(m, func(v *crdt.Value) bool { return !v.Empty() })
	out := make([]Reply, len(names))
	for i, f := range names {
		out[i] = mapReply(append([]Reply{bulkStr(word), bulkStr(f)}, explainValue(m[f], show)...))
	}
	return mapReply([]Reply{
		bulkStr("count"), integer(int64(live)),
		bulkStr("truncated"), boolInt(truncated),
		bulkStr(word + "s"), array(out),
	})
}

// explainSet lists members with the dots of their concurrent adds.
func explainSet(s crdt.ORSet) Reply {
	names, truncated := firstKeys(s, func([]causal.Dot) bool { return true })
	out := make([]Reply, len(names))
	for i, m := range names {
		out[i] = mapReply([]Reply{bulkStr("member"), bulkStr(m), bulkStr("adds"), dotsReply(s[m])})
	}
	return mapReply([]Reply{
		bulkStr("count"), integer(int64(len(s))),
		bulkStr("truncated"), boolInt(truncated),
		bulkStr("members"), array(out),
	})
}

func explainList(s *crdt.Sequence) Reply {
	live, dead := s.Len(), s.Tombstones()
	return mapReply([]Reply{
		bulkStr("length"), integer(int64(live)),
		bulkStr("tombstones"), integer(int64(dead)),
		bulkStr("pending"), integer(int64(s.Records() - live - dead)),
	})
}

// explainHLL lists the DEL tombstones and the register entries: each with
// the tombstones its writers saw, its non-zero registers and estimate, and
// whether it is the visible one (it saw exactly the latest tombstones).
func explainHLL(h *crdt.HLLKey) Reply {
	entries := make([]Reply, len(h.Entries))
	for i := range h.Entries {
		e := &h.Entries[i]
		entries[i] = mapReply([]Reply{
			bulkStr("seen"), dotsReply(e.Seen),
			bulkStr("registers"), integer(int64(e.Regs.NonZero())),
			bulkStr("count"), integer(int64(e.Regs.Count())),
			bulkStr("visible"), boolInt(slices.Equal(e.Seen, h.Dels)),
		})
	}
	return mapReply([]Reply{
		bulkStr("tombstones"), dotsReply(h.Dels),
		bulkStr("entries"), array(entries),
	})
}

// firstKeys returns the first explainCap keys of m in byte order among
// those keep accepts, and whether there were more; O(n log cap).
func firstKeys[V any](m map[string]V, keep func(V) bool) (names []string, truncated bool) {
	for name, v := range m {
		if !keep(v) {
			continue
		}
		if len(names) == explainCap && name > names[explainCap-1] {
			truncated = true
			continue
		}
		i, _ := slices.BinarySearch(names, name)
		names = slices.Insert(names, i, name)
		if len(names) > explainCap {
			names, truncated = names[:explainCap], true
		}
	}
	return names, truncated
}

func replicaReply(id causal.ReplicaID) Reply { return bulkStr(id.String()) }
func tsReply(ts hlc.Timestamp) Reply         { return bulkStr(ts.String()) }

func dotsReply(ds []causal.Dot) Reply {
	out := make([]Reply, len(ds))
	for i, d := range ds {
		out[i] = mapReply([]Reply{bulkStr("replica"), replicaReply(d.Replica), bulkStr("seq"), integer(int64(d.Seq))})
	}
	return array(out)
}
