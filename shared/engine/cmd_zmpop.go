package engine

import "lattice/shared/crdt"

// zmpopCommands: ZMPOP (Redis 7.0), the sorted-set counterpart of LMPOP.
// Hosts build BZMPOP, BZPOPMIN and BZPOPMAX on it: they run it when the
// client arrives and again, on one key, when a write wakes the client. A
// pop replicates as the removal of what it returned (at-least-once, A6,
// as ZPOPMIN does).
var zmpopCommands = []command{
	// ZMPOP's keys follow a count (Redis: movablekeys, positions 0 0 0).
	{name: "zmpop", arity: -4, flags: flagWrite, run: cmdZMPop},
}

// cmdZMPop is ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]: it pops
// up to count entries (default 1) from the first non-empty sorted set
// among the keys, lowest (MIN) or highest (MAX) first, and answers the key
// and the member-score pairs, nested in RESP2 too, as Redis does (t_zset.c
// zmpopGenericCommand); a null array when every key is missing. A key of
// another type answers WRONGTYPE only when reached.
func cmdZMPop(c *call) Reply {
	numkeys, ok := crdt.ParseInt(c.args[1])
	if !ok || numkeys < 1 {
		return errNumkeys
	}
	if numkeys > int64(len(c.args)-3) {
		return errSyntax
	}
	where := 2 + int(numkeys)
	var high bool
	switch {
	case isOpt(c.args[where], "min"):
	case isOpt(c.args[where], "max"):
		high = true
	default:
		return errSyntax
	}
	count := int64(-1)
	for j := where + 1; j < len(c.args); j++ {
		if count != -1 || !isOpt(c.args[j], "count") || j+1 == len(c.args) {
			return errSyntax
		}
		j++
		if count, ok = crdt.ParseInt(c.args[j]); !ok || count < 1 {
			return errLMPopCount
		}
	}
	count = max(count, 1)
	for _, key := range c.args[2:where] {
		name := string(key)
		k, wrong := c.lookupType(name, TypeZSet)
		if wrong {
			return errWrongType
		}
		if k == nil {
			continue
		}
		es := k.zidx.RangeByRank(nil, 0, int(min(count, int64(k.zidx.Len()))-1), high)
		c.zremEntries(name, k, es)
		out := make([]Reply, len(es))
		for i, e := range es {
			out[i] = array([]Reply{bulkStr(e.Member), zScoreReply(e.Score)})
		}
		return array([]Reply{bulk(key), array(out)})
	}
	return nullArray
}
