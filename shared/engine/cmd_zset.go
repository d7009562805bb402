package engine

import (
	"math"

	"lattice/shared/crdt"
)

// zsetCommands: sorted sets (SEMANTICS.md A6). Membership is add-wins
// observed-remove; a member's score is a crdt.Value that ZADD assigns
// (LWW) and ZINCRBY increments (a counter). Reads go through the key's
// ZIndex, which holds the visible scores in Redis's order, so every reply
// is the same on every replica that holds the same writes, and ranges cost
// O(log n + k) as in Redis.
var zsetCommands = []command{
	{name: "zadd", arity: -4, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdZAdd},
	{name: "zincrby", arity: 4, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdZIncrBy},
	{name: "zrem", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdZRem},
	{name: "zscore", arity: 3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdZScore},
	{name: "zmscore", arity: -3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdZMScore},
	{name: "zcard", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdZCard},
	{name: "zcount", arity: 4, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdZCount},
	{name: "zlexcount", arity: 4, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdZLexCount},
	{name: "zrange", arity: -4, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdZRange},
	{name: "zrangebyscore", arity: -4, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdZRangeByScore},
	{name: "zrevrangebyscore", arity: -4, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdZRevRangeByScore},
	{name: "zrangebylex", arity: -4, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdZRangeByLex},
	{name: "zrevrangebylex", arity: -4, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdZRevRangeByLex},
	{name: "zrevrange", arity: -4, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdZRevRange},
	{name: "zrank", arity: 3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdZRank},
	{name: "zrevrank", arity: 3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdZRevRank},
	{name: "zpopmin", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdZPopMin},
	{name: "zpopmax", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, run: cmdZPopMax},
	{name: "zrangestore", arity: -5, flags: flagWrite, firstKey: 1, lastKey: 2, step: 1, run: cmdZRangeStore},
	{name: "zremrangebyrank", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, run: cmdZRemRangeByRank},
	{name: "zremrangebyscore", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, run: cmdZRemRangeByScore},
	{name: "zremrangebylex", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, run: cmdZRemRangeByLex},
	{name: "zrandmember", arity: -2, flags: flagReadonly | flagRandom, firstKey: 1, lastKey: 1, step: 1, run: cmdZRandMember},
}

// zScoreText is a score as Redis prints it (addReplyDouble's text).
func zScoreText(f float64) string { return string(crdt.AppendScore(nil, f)) }

// zScoreReply is a score reply: a double in RESP3, a bulk string in RESP2.
func zScoreReply(f float64) Reply { return double(zScoreText(f)) }

// zEntriesReply lists entries as Redis's range replies do: members only,
// or member and score pairs, flat in RESP2 and nested in RESP3.
func zEntriesReply(es []crdt.ZEntry, withScores bool) Reply {
	if !withScores {
		out := make([]Reply, len(es))
		for i, e := range es {
			out[i] = bulkStr(e.Member)
		}
		return array(out)
	}
	return pairs(zFlatPairs(es))
}

// zFlatPairs is member, score, member, score...
func zFlatPairs(es []crdt.ZEntry) []Reply {
	out := make([]Reply, 0, 2*len(es))
	for _, e := range es {
		out = append(out, bulkStr(e.Member), zScoreReply(e.Score))
	}
	return out
}

// zremEntries removes entries of sorted set name, which this replica sees
// in k: each removal takes only the score writes it observed, so a
// concurrent ZINCRBY of a removed member survives (A6). Removing them all
// deletes the key at once.
func (c *call) zremEntries(name string, k *Key, es []crdt.ZEntry) {
	if len(es) == 0 {
		return
	}
	if len(es) == k.zidx.Len() {
		c.del(name)
		return
	}
	for _, e := range es {
		c.zrem(name, e.Member)
	}
}

// zaddOpts are ZADD's options; ZINCRBY is ZADD INCR with no option.
type zaddOpts struct {
	nx, xx, gt, lt, ch, incr bool
}

// set records option b and reports whether b is one (strcasecmp, so an
// option ends at a NUL byte).
func (o *zaddOpts) set(b []byte) bool {
	switch {
	case isOpt(b, "nx"):
		o.nx = true
	case isOpt(b, "xx"):
		o.xx = true
	case isOpt(b, "ch"):
		o.ch = true
	case isOpt(b, "incr"):
		o.incr = true
	case isOpt(b, "gt"):
		o.gt = true
	case isOpt(b, "lt"):
		o.lt = true
	default:
		return false
	}
	return true
}

// zaddResult is what zsetAdd did to one member.
type zaddResult int

const (
	zaddNop     zaddResult = iota // skipped by NX, XX, GT or LT
	zaddSame                      // processed, score unchanged: no write
	zaddAdded                     // new member
	zaddUpdated                   // score changed
	zaddNaN                       // INCR produced NaN: nothing changed
)

func cmdZAdd(c *call) Reply { return c.zaddGeneric(zaddOpts{}) }

// cmdZIncrBy is ZADD INCR, as in Redis, which even parses ZADD's options
// there: "ZINCRBY k nx m" is a syntax error, not a bad float.
func cmdZIncrBy(c *call) Reply { return c.zaddGeneric(zaddOpts{incr: true}) }

// zaddGeneric is zaddGenericCommand: every argument and the key's type
// are checked before the first write, so a command applies fully or not
// at all.
func (c *call) zaddGeneric(o zaddOpts) Reply {
	at, scores, errR, ok := c.parseZAdd(&o)
	if !ok {
		return errR
	}
	name := string(c.args[1])
	if _, wrong := c.lookupType(name, TypeZSet); wrong {
		return errWrongType
	}
	var added, updated, processed int64
	var last float64
	for j, score := range scores {
		res, next := c.zaddOne(name, string(c.args[at+2*j+1]), score, o)
		switch res {
		case zaddNaN:
			return errScoreNaN
		case zaddAdded:
			added++
		case zaddUpdated:
			updated++
		}
		if res != zaddNop {
			processed++
			last = next
		}
	}
	switch {
	case o.incr && processed == 0:
		return null
	case o.incr:
		return zScoreReply(last)
	case o.ch:
		return integer(added + updated)
	}
	return integer(added)
}

// parseZAdd reads the options, then checks in Redis's order: the pair
// count, the option conflicts, every score. It returns the index of the
// first score and the scores.
func (c *call) parseZAdd(o *zaddOpts) (int, []float64, Reply, bool) {
	at := 2
	for at < len(c.args) && o.set(c.args[at]) {
		at++
	}
	n := len(c.args) - at
	switch {
	case n == 0 || n%2 != 0:
		return 0, nil, errSyntax, false
	case o.nx && o.xx:
		return 0, nil, errZAddNXXX, false
	case o.nx && (o.gt || o.lt) || o.gt && o.lt:
		return 0, nil, errZAddGTLTNX, false
	case o.incr && n > 2:
		return 0, nil, errZAddIncr, false
	}
	scores := make([]float64, n/2)
	for j := range scores {
		f, ok := crdt.ParseScore(c.args[at+2*j])
		if !ok {
			return 0, nil, errNotFloat, false
		}
		scores[j] = f
	}
	return at, scores, Reply{}, true
}

// zaddOne is zsetAdd for one member and returns the member's new score.
// An unchanged score writes nothing, as Redis changes nothing. A changed
// one is an assignment (LWW against concurrent ZADDs), or with INCR a
// counter contribution (concurrent increments add up, A6). A new member's
// INCR score is the increment itself, so "-0" is replied as Redis does.
func (c *call) zaddOne(name, member string, score float64, o zaddOpts) (zaddResult, float64) {
	var cur float64
	var found bool
	if k := c.lookup(name); k != nil {
		cur, found = k.zidx.Score(member)
	}
	if !found {
		if o.xx {
			return zaddNop, 0
		}
		if o.incr {
			c.zincr(name, member, 0, score)
		} else {
			c.zadd(name, member, score)
		}
		return zaddAdded, score
	}
	if o.nx {
		return zaddNop, 0
	}
	if o.incr {
		var ok bool
		if score, ok = crdt.AddScore(cur, score); !ok {
			return zaddNaN, 0
		}
	}
	switch {
	case o.lt && score >= cur, o.gt && score <= cur:
		return zaddNop, 0
	case score == cur:
		return zaddSame, score
	case o.incr:
		c.zincr(name, member, cur, score)
	default:
		c.zadd(name, member, score)
	}
	return zaddUpdated, score
}

// cmdZRem removes the members this replica sees (observed remove: a
// concurrent ZINCRBY of one survives with its increment, A6).
func cmdZRem(c *call) Reply {
	name := string(c.args[1])
	k, wrong := c.lookupType(name, TypeZSet)
	if wrong {
		return errWrongType
	}
	if k == nil {
		return zero
	}
	var n int64
	for _, m := range c.args[2:] {
		if k = c.lookup(name); k == nil {
			break
		}
		if _, ok := k.zidx.Score(string(m)); ok {
			c.zrem(name, string(m))
			n++
		}
	}
	return integer(n)
}

func cmdZScore(c *call) Reply {
	k, wrong := c.lookupType(string(c.args[1]), TypeZSet)
	if wrong {
		return errWrongType
	}
	if k == nil {
		return null
	}
	f, ok := k.zidx.Score(string(c.args[2]))
	if !ok {
		return null
	}
	return zScoreReply(f)
}

// cmdZMScore treats a missing key as an empty sorted set.
func cmdZMScore(c *call) Reply {
	k, wrong := c.lookupType(string(c.args[1]), TypeZSet)
	if wrong {
		return errWrongType
	}
	out := make([]Reply, 0, len(c.args)-2)
	for _, m := range c.args[2:] {
		if k == nil {
			out = append(out, null)
		} else if f, ok := k.zidx.Score(string(m)); ok {
			out = append(out, zScoreReply(f))
		} else {
			out = append(out, null)
		}
	}
	return array(out)
}

func cmdZCard(c *call) Reply {
	k, wrong := c.lookupType(string(c.args[1]), TypeZSet)
	if wrong {
		return errWrongType
	}
	if k == nil {
		return zero
	}
	return integer(int64(k.zidx.Len()))
}

// cmdZCount parses the range before looking at the key, as Redis does.
func cmdZCount(c *call) Reply {
	r, ok := crdt.ParseScoreRange(c.args[2], c.args[3])
	if !ok {
		return errMinMaxFloat
	}
	k, wrong := c.lookupType(string(c.args[1]), TypeZSet)
	if wrong {
		return errWrongType
	}
	if k == nil {
		return zero
	}
	return integer(int64(k.zidx.CountByScore(r)))
}

func cmdZLexCount(c *call) Reply {
	r, ok := crdt.ParseLexRange(c.args[2], c.args[3])
	if !ok {
		return errMinMaxLex
	}
	k, wrong := c.lookupType(string(c.args[1]), TypeZSet)
	if wrong {
		return errWrongType
	}
	if k == nil {
		return zero
	}
	return integer(int64(k.zidx.CountByLex(r)))
}

func cmdZRank(c *call) Reply    { return c.zrank(false) }
func cmdZRevRank(c *call) Reply { return c.zrank(true) }

func (c *call) zrank(rev bool) Reply {
	k, wrong := c.lookupType(string(c.args[1]), TypeZSet)
	if wrong {
		return errWrongType
	}
	if k == nil {
		return null
	}
	r, ok := k.zidx.Rank(string(c.args[2]), rev)
	if !ok {
		return null
	}
	return integer(int64(r))
}

// zrangeBy is the kind of a range: by rank, score or lex, or not yet
// chosen (ZRANGE and ZRANGESTORE take BYSCORE and BYLEX options).
type zrangeBy int

const (
	zrangeAuto zrangeBy = iota
	zrangeRank
	zrangeScore
	zrangeLex
)

// zrangeDir is a range's direction; auto takes the REV option.
type zrangeDir int

const (
	zrangeDirAuto zrangeDir = iota
	zrangeForward
	zrangeReverse
)

// zrangeReq is a parsed range request of the ZRANGE family and of the
// ZREMRANGEBY commands.
type zrangeReq struct {
	by          zrangeBy
	rev         bool
	withScores  bool
	offset      int64
	limit       int64 // -1: no LIMIT (or LIMIT x -1, which Redis reads alike)
	start, stop int64
	score       crdt.ScoreRange
	lex         crdt.LexRange
}

// parseZRange is zrangeGenericCommand's parsing: the options after the
// key and its two bounds (args[from+3:]), then the conflicts, then the
// bounds (swapped for a reverse score or lex range, given max first).
// store is ZRANGESTORE, which refuses WITHSCORES.
func (c *call) parseZRange(from int, store bool, by zrangeBy, dir zrangeDir) (zrangeReq, Reply, bool) {
	q := zrangeReq{limit: -1}
	for j := from + 3; j < len(c.args); j++ {
		a := c.args[j]
		switch {
		case !store && isOpt(a, "withscores"):
			q.withScores = true
		case isOpt(a, "limit") && len(c.args)-j-1 >= 2:
			var ok1, ok2 bool
			q.offset, ok1 = crdt.ParseInt(c.args[j+1])
			q.limit, ok2 = crdt.ParseInt(c.args[j+2])
			if !ok1 || !ok2 {
				return q, errNotInt, false
			}
			j += 2
		case dir == zrangeDirAuto && isOpt(a, "rev"):
			dir = zrangeReverse
		case by == zrangeAuto && isOpt(a, "bylex"):
			by = zrangeLex
		case by == zrangeAuto && isOpt(a, "byscore"):
			by = zrangeScore
		default:
			return q, errSyntax, false
		}
	}
	if by == zrangeAuto {
		by = zrangeRank
	}
	q.by, q.rev = by, dir == zrangeReverse
	switch {
	case q.limit != -1 && by == zrangeRank:
		return q, errLimitByRank, false
	case q.withScores && by == zrangeLex:
		return q, errScoresByLex, false
	}
	lo, hi := c.args[from+1], c.args[from+2]
	if q.rev && by != zrangeRank {
		lo, hi = hi, lo
	}
	errR, ok := q.parseBounds(lo, hi)
	return q, errR, ok
}

// parseBounds parses the two bounds of q's kind.
func (q *zrangeReq) parseBounds(lo, hi []byte) (Reply, bool) {
	var ok bool
	switch q.by {
	case zrangeScore:
		if q.score, ok = crdt.ParseScoreRange(lo, hi); !ok {
			return errMinMaxFloat, false
		}
	case zrangeLex:
		if q.lex, ok = crdt.ParseLexRange(lo, hi); !ok {
			return errMinMaxLex, false
		}
	default:
		var ok2 bool
		q.start, ok = crdt.ParseInt(lo)
		q.stop, ok2 = crdt.ParseInt(hi)
		if !ok || !ok2 {
			return errNotInt, false
		}
	}
	return Reply{}, true
}

// entries returns the entries of q in x, in reply order, in O(log n + k).
func (q *zrangeReq) entries(x *crdt.ZIndex) []crdt.ZEntry {
	switch q.by {
	case zrangeScore:
		return x.RangeByScore(nil, q.score, q.rev, int(q.offset), int(q.limit))
	case zrangeLex:
		return x.RangeByLex(nil, q.lex, q.rev, int(q.offset), int(q.limit))
	}
	return x.RangeByRank(nil, int(q.start), int(q.stop), q.rev)
}

func cmdZRange(c *call) Reply { return c.zrange(zrangeAuto, zrangeDirAuto) }
func cmdZRangeByScore(c *call) Reply {
	return c.zrange(zrangeScore, zrangeForward)
}
func cmdZRevRangeByScore(c *call) Reply {
	return c.zrange(zrangeScore, zrangeReverse)
}
func cmdZRangeByLex(c *call) Reply    { return c.zrange(zrangeLex, zrangeForward) }
func cmdZRevRangeByLex(c *call) Reply { return c.zrange(zrangeLex, zrangeReverse) }
func cmdZRevRange(c *call) Reply      { return c.zrange(zrangeRank, zrangeReverse) }

// zrange answers the ZRANGE family: arguments are checked before the key.
func (c *call) zrange(by zrangeBy, dir zrangeDir) Reply {
	q, errR, ok := c.parseZRange(1, false, by, dir)
	if !ok {
		return errR
	}
	k, wrong := c.lookupType(string(c.args[1]), TypeZSet)
	if wrong {
		return errWrongType
	}
	if k == nil {
		return emptyArr
	}
	return zEntriesReply(q.entries(k.zidx), q.withScores)
}

// cmdZRangeStore replaces dst with the range of src (the RENAME/COPY rule
// of B7): it removes what this replica saw of dst, of any type, then adds
// each entry as a new ZADD, so a concurrent write to dst elsewhere
// survives. An empty range only deletes dst. The range is read first, as
// src may be dst.
func cmdZRangeStore(c *call) Reply {
	q, errR, ok := c.parseZRange(2, true, zrangeAuto, zrangeDirAuto)
	if !ok {
		return errR
	}
	k, wrong := c.lookupType(string(c.args[2]), TypeZSet)
	if wrong {
		return errWrongType
	}
	var es []crdt.ZEntry
	if k != nil {
		es = q.entries(k.zidx)
	}
	dst := string(c.args[1])
	if c.lookup(dst) != nil {
		c.del(dst)
	}
	for _, e := range es {
		c.zadd(dst, e.Member, e.Score)
	}
	return integer(int64(len(es)))
}

func cmdZRemRangeByRank(c *call) Reply  { return c.zremRange(zrangeRank) }
func cmdZRemRangeByScore(c *call) Reply { return c.zremRange(zrangeScore) }
func cmdZRemRangeByLex(c *call) Reply   { return c.zremRange(zrangeLex) }

// zremRange removes a range, found in O(log n + k): the bounds are parsed
// before the key is looked at, as in Redis.
func (c *call) zremRange(by zrangeBy) Reply {
	q := zrangeReq{by: by, limit: -1}
	if errR, ok := q.parseBounds(c.args[2], c.args[3]); !ok {
		return errR
	}
	name := string(c.args[1])
	k, wrong := c.lookupType(name, TypeZSet)
	if wrong {
		return errWrongType
	}
	if k == nil {
		return zero
	}
	es := q.entries(k.zidx)
	c.zremEntries(name, k, es)
	return integer(int64(len(es)))
}

func cmdZPopMin(c *call) Reply { return c.zpop(false) }
func cmdZPopMax(c *call) Reply { return c.zpop(true) }

// zpop reads the lowest (highest) entries, then removes each: a pop
// replicates as the removal of what it returned, so two replicas popping
// concurrently may return the same member (at-least-once, like list pops,
// A7). Without a count the reply is flat in RESP3 too; with one, RESP3
// nests the pairs, as Redis does.
func (c *call) zpop(high bool) Reply {
	if len(c.args) > 3 {
		return errSyntax
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
	k, wrong := c.lookupType(name, TypeZSet)
	if wrong {
		return errWrongType
	}
	if k == nil || count == 0 {
		return emptyArr
	}
	es := k.zidx.RangeByRank(nil, 0, int(max(count, 1)-1), high)
	c.zremEntries(name, k, es)
	if count < 0 {
		return array(zFlatPairs(es))
	}
	return pairs(zFlatPairs(es))
}

// cmdZRandMember draws from the members this replica sees, with the
// replica's random source, as SRANDMEMBER and HRANDFIELD do: a count at
// least the set's size answers the whole set, highest score first (as
// Redis does), a smaller one distinct members, a negative one -count
// members that may repeat, bounded by maxRandomReply.
func cmdZRandMember(c *call) Reply {
	name := string(c.args[1])
	if len(c.args) == 2 {
		k, wrong := c.lookupType(name, TypeZSet)
		if wrong {
			return errWrongType
		}
		if k == nil {
			return null
		}
		e, _ := k.zidx.ByRank(c.randIndex(k.zidx.Len()))
		return bulkStr(e.Member)
	}
	n, errR, ok := parseRandCount(c.args[2])
	if !ok {
		return errR
	}
	if len(c.args) > 4 || len(c.args) == 4 && !isOpt(c.args[3], "withscores") {
		return errSyntax
	}
	withScores := len(c.args) == 4
	if withScores && (n < -math.MaxInt64/2 || n > math.MaxInt64/2) {
		return errOutOfRange
	}
	k, wrong := c.lookupType(name, TypeZSet)
	if wrong {
		return errWrongType
	}
	if k == nil || n == 0 {
		return emptyArr
	}
	picked, errR, ok := c.zrandomPick(k.zidx, n)
	if !ok {
		return errR
	}
	return zEntriesReply(picked, withScores)
}

// zrandomPick is randomPick over the ranks of x, in O(k log n) rather than
// O(n): it draws ranks as randomPick draws indexes, the distinct case by a
// partial Fisher-Yates shuffle that records only the positions it swapped.
func (c *call) zrandomPick(x *crdt.ZIndex, n int64) ([]crdt.ZEntry, Reply, bool) {
	size := x.Len()
	if n >= int64(size) {
		return x.RangeByRank(nil, 0, -1, true), Reply{}, true
	}
	if n < -maxRandomReply {
		return nil, errOutOfRange, false
	}
	byRank := func(i int) crdt.ZEntry {
		e, _ := x.ByRank(i)
		return e
	}
	if n < 0 {
		out := make([]crdt.ZEntry, -n)
		for i := range out {
			out[i] = byRank(c.randIndex(size))
		}
		return out, Reply{}, true
	}
	swapped := map[int]int{}
	at := func(i int) int {
		if v, ok := swapped[i]; ok {
			return v
		}
		return i
	}
	out := make([]crdt.ZEntry, n)
	for i := range out {
		j := i + c.randIndex(size-i)
		vi, vj := at(i), at(j)
		swapped[i], swapped[j] = vj, vi
		out[i] = byRank(vj)
	}
	return out, Reply{}, true
}
