package engine

import (
	"cmp"
	"math"
	"slices"

	"lattice/shared/crdt"
)

// zsetOpCommands: sorted-set algebra, as redis-server 7.0.15's
// zunionInterDiffGenericCommand (t_zset.c) computes it, over the entries
// this replica sees. Inputs may be sorted sets or plain sets (every member
// scores 1). The *STORE commands write the destination as new writes
// (SEMANTICS.md B7, like SUNIONSTORE): a concurrent ZADD to it elsewhere
// survives. The other commands' key positions are movable (numkeys comes
// first), so the table gives 0 0 0 as Redis's COMMAND INFO does.
var zsetOpCommands = []command{
	{name: "zunionstore", arity: -4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, run: cmdZUnionStore},
	{name: "zinterstore", arity: -4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, run: cmdZInterStore},
	{name: "zdiffstore", arity: -4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, run: cmdZDiffStore},
	{name: "zunion", arity: -3, flags: flagReadonly, run: cmdZUnion},
	{name: "zinter", arity: -3, flags: flagReadonly, run: cmdZInter},
	{name: "zdiff", arity: -3, flags: flagReadonly, run: cmdZDiff},
	{name: "zintercard", arity: -3, flags: flagReadonly, run: cmdZInterCard},
}

// zAggregate is the AGGREGATE option.
type zAggregate int

const (
	aggSum zAggregate = iota
	aggMin
	aggMax
)

// zSource is one input of the algebra: a sorted set, a set, or a missing
// key (k nil), with its weight.
type zSource struct {
	k      *Key
	set    bool // k is a plain set: every member scores 1
	weight float64
}

// zQuery is a parsed command: its inputs and options.
type zQuery struct {
	name       string // lowercase command name, for the numkeys error
	op         setOp
	store      bool // *STORE: WITHSCORES is refused
	card       bool // ZINTERCARD: only LIMIT is accepted
	srcs       []zSource
	agg        zAggregate
	withScores bool
	limit      int64
}

func cmdZUnionStore(c *call) Reply { return c.zStore("zunionstore", opUnion) }
func cmdZInterStore(c *call) Reply { return c.zStore("zinterstore", opInter) }
func cmdZDiffStore(c *call) Reply  { return c.zStore("zdiffstore", opDiff) }
func cmdZUnion(c *call) Reply      { return c.zAlgebra("zunion", opUnion) }
func cmdZInter(c *call) Reply      { return c.zAlgebra("zinter", opInter) }
func cmdZDiff(c *call) Reply       { return c.zAlgebra("zdiff", opDiff) }

// cmdZInterCard counts the intersection, stopping at LIMIT when positive.
func cmdZInterCard(c *call) Reply {
	q := &zQuery{name: "zintercard", op: opInter, card: true}
	if errR, ok := c.zParse(q, 1); !ok {
		return errR
	}
	return integer(int64(len(q.inter())))
}

// zAlgebra answers ZUNION, ZINTER and ZDIFF: members in Redis's order
// (score, then member bytes), with their scores under WITHSCORES. A score
// is printed as computed, so a weight of -1 on a score of 0 shows "-0", as
// in Redis.
func (c *call) zAlgebra(name string, op setOp) Reply {
	q := &zQuery{name: name, op: op}
	if errR, ok := c.zParse(q, 1); !ok {
		return errR
	}
	return zEntriesReply(q.run(), q.withScores)
}

// zStore replaces the destination with the result (B7): it removes what
// this replica saw of the destination, of any type, then adds each entry as
// a new write in the result's order. The result is computed first, since
// the destination may be one of the inputs; an empty one only deletes.
func (c *call) zStore(name string, op setOp) Reply {
	q := &zQuery{name: name, op: op, store: true}
	if errR, ok := c.zParse(q, 2); !ok {
		return errR
	}
	result := q.run()
	dst := string(c.args[1])
	if c.lookup(dst) != nil {
		c.del(dst)
	}
	for _, e := range result {
		c.zadd(dst, e.Member, e.Score)
	}
	return integer(int64(len(result)))
}

// zParse reads numkeys at args[at], the keys after it, then the options,
// checking in Redis's order: numkeys, its count against the arguments,
// every key's type, then the options left to right.
func (c *call) zParse(q *zQuery, at int) (Reply, bool) {
	n, ok := crdt.ParseInt(c.args[at])
	switch {
	case !ok:
		return errNotInt, false
	case n < 1:
		return errNeedInputKey(q.name), false
	case n > int64(len(c.args)-at-1):
		return errSyntax, false
	}
	keys := c.args[at+1 : at+1+int(n)]
	q.srcs = make([]zSource, len(keys))
	for i, name := range keys {
		src, wrong := c.zSourceOf(string(name))
		if wrong {
			return errWrongType, false
		}
		q.srcs[i] = src
	}
	return q.parseOptions(c.args[at+1+int(n):])
}

// zSourceOf looks up an input; wrong means a type other than a sorted set
// or a set.
func (c *call) zSourceOf(name string) (zSource, bool) {
	src := zSource{weight: 1}
	k := c.lookup(name)
	if k == nil {
		return src, false
	}
	switch k.Type() {
	case TypeZSet:
		src.k = k
	case TypeSet:
		src.k, src.set = k, true
	default:
		return src, true
	}
	return src, false
}

// parseOptions parses WEIGHTS, AGGREGATE, WITHSCORES and LIMIT where the
// command accepts them (anything else is a syntax error); a repeated option
// takes its last value, as in Redis.
func (q *zQuery) parseOptions(args [][]byte) (Reply, bool) {
	for len(args) > 0 {
		algebra := q.op != opDiff && !q.card
		switch {
		case algebra && len(args) > len(q.srcs) && isOpt(args[0], "weights"):
			for i := range q.srcs {
				w, ok := crdt.ParseScore(args[1+i])
				if !ok {
					return errWeightFloat, false
				}
				q.srcs[i].weight = w
			}
			args = args[1+len(q.srcs):]
		case algebra && len(args) >= 2 && isOpt(args[0], "aggregate"):
			switch {
			case isOpt(args[1], "sum"):
				q.agg = aggSum
			case isOpt(args[1], "min"):
				q.agg = aggMin
			case isOpt(args[1], "max"):
				q.agg = aggMax
			default:
				return errSyntax, false
			}
			args = args[2:]
		case !q.store && !q.card && isOpt(args[0], "withscores"):
			q.withScores = true
			args = args[1:]
		case q.card && len(args) >= 2 && isOpt(args[0], "limit"):
			limit, ok := crdt.ParseInt(args[1])
			if !ok || limit < 0 {
				return errLimitNegative, false
			}
			q.limit = limit
			args = args[2:]
		default:
			return errSyntax, false
		}
	}
	return Reply{}, true
}

// len is the input's cardinality (0 for a missing key).
func (s *zSource) len() int {
	switch {
	case s.k == nil:
		return 0
	case s.set:
		return len(s.k.Set)
	}
	return s.k.zidx.Len()
}

// score returns member's unweighted score in the input.
func (s *zSource) score(member string) (float64, bool) {
	switch {
	case s.k == nil:
		return 0, false
	case s.set:
		return 1, isMember(s.k, member)
	}
	return s.k.zidx.Score(member)
}

// entries returns the input's members with unweighted scores; the order
// does not matter to any result.
func (s *zSource) entries() []crdt.ZEntry {
	switch {
	case s.k == nil:
		return nil
	case s.set:
		out := make([]crdt.ZEntry, 0, len(s.k.Set))
		for m := range s.k.Set {
			out = append(out, crdt.ZEntry{Member: m, Score: 1})
		}
		return out
	}
	return s.k.zidx.RangeByRank(nil, 0, -1, false)
}

// run computes the result in Redis's order: score, then member bytes
// (-0 equal to 0).
func (q *zQuery) run() []crdt.ZEntry {
	var out []crdt.ZEntry
	switch q.op {
	case opUnion:
		out = q.union()
	case opInter:
		out = q.inter()
	default:
		out = q.diff()
	}
	slices.SortFunc(out, func(a, b crdt.ZEntry) int {
		if c := cmp.Compare(a.Score, b.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.Member, b.Member)
	})
	return out
}

// bySize orders the inputs smallest first, keeping the given order among
// equal sizes (Redis's qsort is glibc's merge sort, which is stable). The
// order matters: sums are added in it, and float addition is not
// associative.
func (q *zQuery) bySize() {
	slices.SortStableFunc(q.srcs, func(a, b zSource) int { return cmp.Compare(a.len(), b.len()) })
}

// weighted is an input's score times its weight, where a NaN product
// (0 × inf) counts as 0, as in Redis.
func weighted(score, weight float64) float64 {
	if s := score * weight; !math.IsNaN(s) {
		return s
	}
	return 0
}

// aggregate folds val into target as Redis's zunionInterAggregate does:
// a NaN sum (inf + -inf) becomes 0, and MIN and MAX keep target when val
// is NaN.
func (q *zQuery) aggregate(target, val float64) float64 {
	switch q.agg {
	case aggMin:
		if val < target {
			return val
		}
		return target
	case aggMax:
		if val > target {
			return val
		}
		return target
	}
	if s := target + val; !math.IsNaN(s) {
		return s
	}
	return 0
}

// union adds up (or takes the MIN or MAX of) each member's weighted
// scores, input by input in size order; run sorts the result.
func (q *zQuery) union() []crdt.ZEntry {
	q.bySize()
	acc := map[string]float64{}
	for i := range q.srcs {
		src := &q.srcs[i]
		for _, e := range src.entries() {
			s := weighted(e.Score, src.weight)
			if cur, ok := acc[e.Member]; ok {
				s = q.aggregate(cur, s)
			}
			acc[e.Member] = s
		}
	}
	out := make([]crdt.ZEntry, 0, len(acc))
	for m, s := range acc {
		out = append(out, crdt.ZEntry{Member: m, Score: s})
	}
	return out
}

// inter walks the smallest input and looks each member up in the others,
// in size order; ZINTERCARD stops at its LIMIT.
func (q *zQuery) inter() []crdt.ZEntry {
	q.bySize()
	var out []crdt.ZEntry
	first := &q.srcs[0]
	for _, e := range first.entries() {
		s := weighted(e.Score, first.weight)
		in := true
		for j := 1; j < len(q.srcs) && in; j++ {
			var v float64
			if v, in = q.srcs[j].score(e.Member); in {
				s = q.aggregate(s, v*q.srcs[j].weight)
			}
		}
		if !in {
			continue
		}
		out = append(out, crdt.ZEntry{Member: e.Member, Score: s})
		if q.card && int64(len(out)) == q.limit {
			break
		}
	}
	return out
}

// diff keeps the members of the first input found in no other, with their
// scores in the first input.
func (q *zQuery) diff() []crdt.ZEntry {
	var out []crdt.ZEntry
	for _, e := range q.srcs[0].entries() {
		if !slices.ContainsFunc(q.srcs[1:], func(s zSource) bool { _, ok := s.score(e.Member); return ok }) {
			out = append(out, e)
		}
	}
	return out
}
