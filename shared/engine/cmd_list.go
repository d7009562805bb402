package engine

import (
	"bytes"

	"lattice/shared/causal"
	"lattice/shared/crdt"
)

// listCommands: lists (SEMANTICS.md A7, B7). Every pushed or inserted
// value is a new element with its own id, so equal values are distinct
// and concurrent pushes all survive. A pop, LREM or LTRIM removes the
// elements it saw, by id: two replicas popping concurrently may return the
// same element (at-least-once), which is then gone from both. LSET writes
// the value of one element (LWW against a concurrent LSET; a concurrent
// pop wins). Index access costs O(log n) (crdt.Sequence); only the
// commands that Redis also runs in O(n) (search by value) walk the list.
var listCommands = []command{
	{name: "lpush", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdLPush},
	{name: "rpush", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdRPush},
	{name: "lpushx", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdLPushX},
	{name: "rpushx", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdRPushX},
	{name: "lpop", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdLPop},
	{name: "rpop", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdRPop},
	{name: "llen", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdLLen},
	{name: "lrange", arity: 4, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdLRange},
	{name: "lindex", arity: 3, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdLIndex},
	{name: "lset", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, run: cmdLSet},
	{name: "linsert", arity: 5, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, run: cmdLInsert},
	{name: "lrem", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, run: cmdLRem},
	{name: "ltrim", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, run: cmdLTrim},
	{name: "lpos", arity: -3, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdLPos},
	{name: "lmove", arity: 5, flags: flagWrite, firstKey: 1, lastKey: 2, step: 1, run: cmdLMove},
	{name: "rpoplpush", arity: 3, flags: flagWrite, firstKey: 1, lastKey: 2, step: 1, run: cmdRPopLPush},
	// LMPOP's keys follow a count (Redis: movablekeys, positions 0 0 0).
	{name: "lmpop", arity: -4, flags: flagWrite, run: cmdLMPop},
}

func cmdLPush(c *call) Reply  { return c.pushValues(false, false) }
func cmdRPush(c *call) Reply  { return c.pushValues(true, false) }
func cmdLPushX(c *call) Reply { return c.pushValues(false, true) }
func cmdRPushX(c *call) Reply { return c.pushValues(true, true) }

// pushValues pushes every value as a new element, at the tail when back,
// one after the other as Redis does (LPUSH a b gives b a). With existing
// (LPUSHX, RPUSHX) a missing key is left alone. It answers the length.
func (c *call) pushValues(back, existing bool) Reply {
	name := string(c.args[1])
	k, wrong := c.lookupType(name, TypeList)
	if wrong {
		return errWrongType
	}
	if k == nil && existing {
		return zero
	}
	for _, v := range c.args[2:] {
		c.push(name, back, v)
	}
	return integer(int64(c.seq(name).Len()))
}

func cmdLPop(c *call) Reply { return c.pop(false) }
func cmdRPop(c *call) Reply { return c.pop(true) }

// pop is LPOP and RPOP, with or without a count: the count is checked
// first, then the key (a missing key answers a null array with a count).
func (c *call) pop(back bool) Reply {
	if len(c.args) > 3 {
		if back {
			return errArity("rpop")
		}
		return errArity("lpop")
	}
	count := int64(-1)
	if len(c.args) == 3 {
		n, ok := crdt.ParseInt(c.args[2])
		if !ok || n < 0 {
			return errNotPositive
		}
		count = n
	}
	name := string(c.args[1])
	k, wrong := c.lookupType(name, TypeList)
	switch {
	case wrong:
		return errWrongType
	case k == nil && count < 0:
		return null
	case k == nil:
		return nullArray
	case count < 0:
		return c.popN(name, back, 1)[0]
	}
	return array(c.popN(name, back, count))
}

// popN removes up to n elements from the head (or the tail when back) of
// list name, each by its id (A7), and returns their values in pop order.
// Removing the last one deletes the key.
func (c *call) popN(name string, back bool, n int64) []Reply {
	n = min(n, int64(c.seq(name).Len()))
	out := make([]Reply, 0, n)
	for range n {
		s := c.seq(name)
		i := 0
		if back {
			i = s.Len() - 1
		}
		id, v := s.At(i)
		c.lremove(name, id)
		out = append(out, bulk(v))
	}
	return out
}

func cmdLLen(c *call) Reply {
	k, wrong := c.lookupType(string(c.args[1]), TypeList)
	if wrong {
		return errWrongType
	}
	return integer(int64(k.listSeq().Len()))
}

// listRange converts Redis's inclusive start and end (negative: from the
// tail) into the half-open [lo, hi) they select in a list of n elements;
// ok is false when the range is empty.
func listRange(start, end, n int64) (lo, hi int64, ok bool) {
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start = max(start, 0)
	if start > end || start >= n {
		return 0, 0, false
	}
	return start, min(end, n-1) + 1, true
}

// parseStartEnd parses LRANGE's and LTRIM's indexes, before the key is
// looked up, as Redis does.
func parseStartEnd(a, b []byte) (start, end int64, ok bool) {
	if start, ok = crdt.ParseInt(a); !ok {
		return 0, 0, false
	}
	end, ok = crdt.ParseInt(b)
	return start, end, ok
}

// cmdLRange costs O(log n) to find the start, then O(1) per element.
func cmdLRange(c *call) Reply {
	start, end, ok := parseStartEnd(c.args[2], c.args[3])
	if !ok {
		return errNotInt
	}
	k, wrong := c.lookupType(string(c.args[1]), TypeList)
	if wrong {
		return errWrongType
	}
	s := k.listSeq()
	lo, hi, ok := listRange(start, end, int64(s.Len()))
	if !ok {
		return emptyArr
	}
	out := make([]Reply, 0, hi-lo)
	for _, v := range s.Range(int(lo), int(hi)) {
		out = append(out, bulk(v))
	}
	return array(out)
}

// listIndex converts a Redis index (negative: from the tail) into a
// position in a list of n elements; ok is false when it is outside.
func listIndex(i, n int64) (int64, bool) {
	if i < 0 {
		i += n
	}
	return i, i >= 0 && i < n
}

// cmdLIndex looks the key up before parsing the index, as Redis does.
func cmdLIndex(c *call) Reply {
	k, wrong := c.lookupType(string(c.args[1]), TypeList)
	if wrong {
		return errWrongType
	}
	if k == nil {
		return null
	}
	i, ok := crdt.ParseInt(c.args[2])
	if !ok {
		return errNotInt
	}
	s := k.listSeq()
	i, ok = listIndex(i, int64(s.Len()))
	if !ok {
		return null
	}
	_, v := s.At(int(i))
	return bulk(v)
}

// cmdLSet writes the value of the element at the index: of that element,
// wherever concurrent inserts move it (B7).
func cmdLSet(c *call) Reply {
	name := string(c.args[1])
	k, wrong := c.lookupType(name, TypeList)
	if wrong {
		return errWrongType
	}
	if k == nil {
		return errNoSuchKey
	}
	i, isInt := crdt.ParseInt(c.args[2])
	if !isInt {
		return errNotInt
	}
	s := k.listSeq()
	i, in := listIndex(i, int64(s.Len()))
	if !in {
		return errIndexRange
	}
	id, _ := s.At(int(i))
	c.lset(name, id, c.args[3])
	return ok
}

// cmdLInsert inserts next to the first element equal to the pivot from the
// head, found in O(n) as in Redis; -1 when there is none.
func cmdLInsert(c *call) Reply {
	var after bool
	switch {
	case isOpt(c.args[2], "after"):
		after = true
	case !isOpt(c.args[2], "before"):
		return errSyntax
	}
	name := string(c.args[1])
	k, wrong := c.lookupType(name, TypeList)
	if wrong {
		return errWrongType
	}
	if k == nil {
		return zero
	}
	var pivot causal.Dot
	found := false
	scanList(k.listSeq(), false, func(_ int, id causal.Dot, v []byte) bool {
		if bytes.Equal(v, c.args[3]) {
			pivot, found = id, true
		}
		return !found
	})
	if !found {
		return integer(-1)
	}
	c.insert(name, pivot, after, c.args[4])
	return integer(int64(c.seq(name).Len()))
}

// cmdLRem removes up to count elements equal to the value, from the head
// (count > 0), from the tail (count < 0) or all of them (0). It removes
// the elements it saw, by id, so an equal value pushed concurrently
// elsewhere stays (B7).
func cmdLRem(c *call) Reply {
	count, ok := crdt.ParseInt(c.args[2])
	if !ok {
		return errNotInt
	}
	name := string(c.args[1])
	k, wrong := c.lookupType(name, TypeList)
	if wrong {
		return errWrongType
	}
	if k == nil {
		return zero
	}
	fromTail := count < 0
	if fromTail {
		count = -count // math.MinInt64 stays negative: no limit, as in Redis
	}
	var ids []causal.Dot
	scanList(k.listSeq(), fromTail, func(_ int, id causal.Dot, v []byte) bool {
		if bytes.Equal(v, c.args[3]) {
			ids = append(ids, id)
		}
		return count == 0 || int64(len(ids)) != count
	})
	for _, id := range ids {
		c.lremove(name, id)
	}
	return integer(int64(len(ids)))
}

// cmdLTrim removes the observed elements outside the range, one by one
// (B7): an element pushed concurrently elsewhere survives the trim.
func cmdLTrim(c *call) Reply {
	start, end, valid := parseStartEnd(c.args[2], c.args[3])
	if !valid {
		return errNotInt
	}
	name := string(c.args[1])
	k, wrong := c.lookupType(name, TypeList)
	if wrong {
		return errWrongType
	}
	if k == nil {
		return ok
	}
	s := k.listSeq()
	n := int64(s.Len())
	lo, hi, keep := listRange(start, end, n)
	if !keep {
		lo, hi = n, n
	}
	ids := make([]causal.Dot, 0, lo+n-hi)
	for id := range s.Range(0, int(lo)) {
		ids = append(ids, id)
	}
	for id := range s.Range(int(hi), int(n)) {
		ids = append(ids, id)
	}
	for _, id := range ids {
		c.lremove(name, id)
	}
	return ok
}

// lposOpts are LPOS's options; count is -1 when COUNT is absent.
type lposOpts struct {
	rank, count, maxlen int64
}

// parseLPos parses LPOS's options in Redis's order and wording.
func parseLPos(args [][]byte) (lposOpts, Reply, bool) {
	o := lposOpts{rank: 1, count: -1}
	for j := 0; j < len(args); j++ {
		if j+1 == len(args) {
			return o, errSyntax, false
		}
		n, ok := crdt.ParseInt(args[j+1])
		switch {
		case isOpt(args[j], "rank"):
			if !ok {
				return o, errNotInt, false
			}
			if n == 0 {
				return o, errRankZero, false
			}
			o.rank = n
		case isOpt(args[j], "count"):
			if !ok || n < 0 {
				return o, errCountNegative, false
			}
			o.count = n
		case isOpt(args[j], "maxlen"):
			if !ok || n < 0 {
				return o, errMaxlenNegative, false
			}
			o.maxlen = n
		default:
			return o, errSyntax, false
		}
		j++
	}
	return o, Reply{}, true
}

// cmdLPos follows Redis's loop exactly, including its wrapping arithmetic
// for RANK -9223372036854775808 (every match, from the tail).
func cmdLPos(c *call) Reply {
	o, errR, ok := parseLPos(c.args[3:])
	if !ok {
		return errR
	}
	k, wrong := c.lookupType(string(c.args[1]), TypeList)
	switch {
	case wrong:
		return errWrongType
	case k == nil && o.count >= 0:
		return emptyArr
	case k == nil:
		return null
	}
	rank, fromTail := o.rank, o.rank < 0
	if fromTail {
		rank = -rank
	}
	var matches, scanned int64
	found := -1
	out := []Reply{}
	scanList(k.listSeq(), fromTail, func(i int, _ causal.Dot, v []byte) bool {
		if o.maxlen != 0 && scanned >= o.maxlen {
			return false
		}
		scanned++
		if !bytes.Equal(v, c.args[2]) {
			return true
		}
		matches++
		if matches < rank {
			return true
		}
		if o.count < 0 {
			found = i
			return false
		}
		out = append(out, integer(int64(i)))
		return o.count == 0 || matches-rank+1 < o.count
	})
	switch {
	case o.count >= 0:
		return array(out)
	case found < 0:
		return null
	}
	return integer(int64(found))
}

// parseWhere parses LEFT or RIGHT; back is true for RIGHT (the tail).
func parseWhere(b []byte) (back, ok bool) {
	switch {
	case isOpt(b, "left"):
		return false, true
	case isOpt(b, "right"):
		return true, true
	}
	return false, false
}

func cmdLMove(c *call) Reply {
	from, ok := parseWhere(c.args[3])
	if !ok {
		return errSyntax
	}
	to, ok := parseWhere(c.args[4])
	if !ok {
		return errSyntax
	}
	return c.move(from, to)
}

func cmdRPopLPush(c *call) Reply { return c.move(true, false) }

// move is LMOVE: it pops from the source and pushes a new element with
// the value to the destination, in one delta (B6). The push comes first,
// so that rotating a one-element list never empties the key (Redis keeps
// it, and its TTL).
func (c *call) move(from, to bool) Reply {
	src, dst := string(c.args[1]), string(c.args[2])
	sk, wrong := c.lookupType(src, TypeList)
	if wrong {
		return errWrongType
	}
	if sk == nil {
		return null
	}
	if _, wrong := c.lookupType(dst, TypeList); wrong {
		return errWrongType
	}
	s := sk.listSeq()
	i := 0
	if from {
		i = s.Len() - 1
	}
	id, v := s.At(i)
	c.push(dst, to, v)
	c.lremove(src, id)
	return bulk(v)
}

// cmdLMPop pops from the first non-empty list among the keys; a key of
// another type answers WRONGTYPE only when reached.
func cmdLMPop(c *call) Reply {
	numkeys, ok := crdt.ParseInt(c.args[1])
	if !ok || numkeys < 1 {
		return errNumkeys
	}
	if numkeys > int64(len(c.args)-3) {
		return errSyntax
	}
	where := 2 + int(numkeys)
	back, ok := parseWhere(c.args[where])
	if !ok {
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
		k, wrong := c.lookupType(name, TypeList)
		if wrong {
			return errWrongType
		}
		if k != nil {
			return array([]Reply{bulk(key), array(c.popN(name, back, count))})
		}
	}
	return nullArray
}

// listBlock is how many elements a walk from the tail reads at a time:
// the Sequence iterates forward only, so the walk reads blocks backwards,
// each found in O(log n), and visits each block in reverse.
const listBlock = 256

// scanList visits the live elements of s with their index, from the head,
// or from the tail when fromTail, until visit returns false. A whole walk
// costs O(n) either way, as in Redis. s must not change during the walk.
func scanList(s *crdt.Sequence, fromTail bool, visit func(i int, id causal.Dot, v []byte) bool) {
	if !fromTail {
		i := 0
		for id, v := range s.Range(0, s.Len()) {
			if !visit(i, id, v) {
				return
			}
			i++
		}
		return
	}
	type elem struct {
		id causal.Dot
		v  []byte
	}
	buf := make([]elem, 0, min(s.Len(), listBlock))
	for hi := s.Len(); hi > 0; hi -= listBlock {
		lo := max(hi-listBlock, 0)
		buf = buf[:0]
		for id, v := range s.Range(lo, hi) {
			buf = append(buf, elem{id, v})
		}
		for j := len(buf) - 1; j >= 0; j-- {
			if !visit(lo+j, buf[j].id, buf[j].v) {
				return
			}
		}
	}
}
