package compat

import (
	"strconv"
	"strings"
)

// Generators of sorted-set, list and HyperLogLog arguments. Sorted sets
// and lists live in the same keys as strings, hashes and sets (a..e), so
// that every command also meets the other types (WRONGTYPE). HyperLogLogs
// live in keys of their own (hllKeys): the engine answers string commands
// on a HyperLogLog differently from redis-server on purpose (it is not a
// string there), so string commands never name them; the HyperLogLog
// commands write only them, and read the shared keys too (WRONGTYPE,
// "not a valid HyperLogLog"); the generic key commands reach both.

// hllKeys are the keys HyperLogLogs are written to.
var hllKeys = []string{"h1", "h2", "h3"}

// isHLLKey reports whether a key belongs to the HyperLogLog key space.
func isHLLKey(k string) bool {
	for _, h := range hllKeys {
		if k == h {
			return true
		}
	}
	return false
}

func (g *gen) hllKey() string { return pick(g, hllKeys...) }

// zkey is a sorted-set command's key: mostly one of a few keys where
// sorted sets are the usual type (so that ranges have something to
// return), sometimes a shared key holding any type (WRONGTYPE, sets as
// sources of the algebra).
func (g *gen) zkey() string {
	if g.chance(0.25) {
		return g.key()
	}
	return pick(g, "z1", "z2", "z3")
}

func (g *gen) zkeys(min, max int) []string {
	n := min + g.r.IntN(max-min+1)
	out := make([]string, n)
	for i := range out {
		out[i] = g.zkey()
	}
	return out
}

// lkey is a list command's key, as zkey.
func (g *gen) lkey() string {
	if g.chance(0.25) {
		return g.key()
	}
	return pick(g, "l1", "l2", "l3")
}

func (g *gen) lkeys(min, max int) []string {
	n := min + g.r.IntN(max-min+1)
	out := make([]string, n)
	for i := range out {
		out[i] = g.lkey()
	}
	return out
}

// anyKey is a key of any space, for the generic key commands.
func (g *gen) anyKey() string {
	switch g.r.IntN(8) {
	case 0, 1:
		return g.hllKey()
	case 2:
		return g.zkey()
	case 3:
		return g.lkey()
	}
	return g.key()
}

func (g *gen) anyKeys(min, max int) []string {
	n := min + g.r.IntN(max-min+1)
	out := make([]string, n)
	for i := range out {
		out[i] = g.anyKey()
	}
	return out
}

// keyPair is RENAME/COPY's source and destination, both in one key
// space, so that a HyperLogLog never lands where string commands run.
func (g *gen) keyPair() []string {
	if g.chance(0.25) {
		return []string{g.hllKey(), g.hllKey()}
	}
	other := func() string { return pick(g, g.key(), g.zkey(), g.lkey()) }
	return []string{other(), other()}
}

// hllSources are the keys PFCOUNT and PFMERGE read: mostly HyperLogLogs,
// sometimes a shared key (a string, hash, set, ... or nothing).
func (g *gen) hllSources(min, max int) []string {
	n := min + g.r.IntN(max-min+1)
	out := make([]string, n)
	for i := range out {
		out[i] = g.hllKey()
		if g.chance(0.2) {
			out[i] = g.key()
		}
	}
	return out
}

// hllElems are PFADD's elements: a few shared ones (re-adds change
// nothing), many distinct ones (counts grow, sparse turns dense), binary.
func (g *gen) hllElems() []string {
	var out []string
	switch g.r.IntN(10) {
	case 0:
		return nil // PFADD of no element creates the key
	case 1:
		for range 200 + g.r.IntN(400) {
			out = append(out, "x"+strconv.Itoa(g.r.IntN(100_000)))
		}
		return out
	}
	for range 1 + g.r.IntN(4) {
		switch g.r.IntN(4) {
		case 0:
			out = append(out, g.binary())
		case 1:
			out = append(out, g.member())
		default:
			out = append(out, "e"+strconv.Itoa(g.r.IntN(60)))
		}
	}
	return out
}

// score is a ZADD/ZINCRBY score: small numbers that tie, infinities,
// the forms strtod accepts, and ones Redis refuses.
func (g *gen) score() string {
	switch g.r.IntN(10) {
	case 0:
		return pick(g, "abc", "", "nan", "NaN", "1.5x", " 1", "1 ", "--1", "1e", "0x", "1e400", "-1e400")
	case 1:
		return pick(g, "inf", "-inf", "+inf", "INF", "-Infinity", "infinity", "1e308", "-1e308", "5e-324",
			"0x10", "0X1p-2", "1E3", ".5", "5.", "+1", "-0", "0.1", "3.000", "1e-5", "123456789012345678")
	case 2, 3:
		return strconv.FormatFloat((g.r.Float64()-0.5)*20, 'f', g.r.IntN(3), 64)
	default:
		return strconv.Itoa(g.r.IntN(7) - 2)
	}
}

// scorePairs are n score-member pairs, flattened.
func (g *gen) scorePairs(n int) []string {
	var out []string
	for range n {
		out = append(out, g.score(), g.member())
	}
	if g.chance(0.03) {
		out = out[:len(out)-1] // odd count: syntax error
	}
	return out
}

// zaddOpts are ZADD's flags, sometimes conflicting (NX with XX, GT, LT;
// GT with LT) or unknown, and INCR (which takes one pair only).
func (g *gen) zaddOpts() []string {
	var out []string
	if g.chance(0.3) {
		out = append(out, pick(g, "NX", "XX", "nx", "xx"))
	}
	if g.chance(0.25) {
		out = append(out, pick(g, "GT", "LT", "gt", "lt"))
	}
	if g.chance(0.25) {
		out = append(out, pick(g, "CH", "ch"))
	}
	if g.chance(0.2) {
		out = append(out, pick(g, "INCR", "incr"))
	}
	if g.chance(0.05) {
		out = append(out, pick(g, "NX", "XX", "GT", "LT", "CH", "INCR", "foo"))
	}
	g.r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func (g *gen) zadd() []string {
	opts := g.zaddOpts()
	n := 1 + g.r.IntN(4)
	for _, o := range opts {
		if strings.EqualFold(o, "incr") && g.chance(0.8) {
			n = 1
		}
	}
	return flat(g.zkey(), opts, g.scorePairs(n))
}

// scoreBound is a ZRANGEBYSCORE-style bound: inclusive, exclusive,
// infinite, or invalid.
func (g *gen) scoreBound(low bool) string {
	switch g.r.IntN(10) {
	case 0:
		return pick(g, "[1", "abc", "", "((1", "(", "nan", "1x", " 1")
	case 1, 2:
		if low {
			return pick(g, "-inf", "(-inf", "-INF", "+inf")
		}
		return pick(g, "+inf", "inf", "(+inf", "-inf")
	case 3, 4:
		return "(" + strconv.Itoa(g.r.IntN(7)-2)
	case 5:
		return strconv.FormatFloat((g.r.Float64()-0.5)*10, 'f', 1, 64)
	default:
		return strconv.Itoa(g.r.IntN(7) - 2)
	}
}

// lexBound is a ZRANGEBYLEX-style bound over the member space.
func (g *gen) lexBound(low bool) string {
	switch g.r.IntN(8) {
	case 0:
		return pick(g, "m1", "", "[", "(", "abc", "{m1")
	case 1:
		if low {
			return pick(g, "-", "+")
		}
		return pick(g, "+", "-")
	}
	return pick(g, "[", "(") + pick(g, "m1", "m2", "m3", "m", "1", "2", "100", "", "n", "M1")
}

// limit is a LIMIT offset count clause, sometimes odd or invalid.
func (g *gen) limit() []string {
	if g.chance(0.05) {
		return pick(g, []string{"LIMIT"}, []string{"LIMIT", "0"}, []string{"LIMIT", "abc", "1"}, []string{"LIMIT", "0", "1.5"})
	}
	return []string{pick(g, "LIMIT", "limit"), strconv.Itoa(g.r.IntN(5) - 1), strconv.Itoa(g.r.IntN(6) - 2)}
}

// zrange is ZRANGE's arguments after the key: by rank, BYSCORE or BYLEX,
// with REV, LIMIT and WITHSCORES in any order, now and then invalid
// combinations (LIMIT by rank, WITHSCORES with BYLEX).
func (g *gen) zrange(store bool) []string {
	var bounds, opts []string
	rev := g.chance(0.3)
	by := g.r.IntN(3)
	switch by {
	case 0:
		bounds = []string{g.index(), g.index()}
		if g.chance(0.05) {
			opts = append(opts, g.limit()...)
		}
	case 1:
		lo, hi := g.scoreBound(true), g.scoreBound(false)
		if rev {
			lo, hi = hi, lo
		}
		bounds = []string{lo, hi}
		opts = append(opts, pick(g, "BYSCORE", "byscore"))
	default:
		lo, hi := g.lexBound(true), g.lexBound(false)
		if rev {
			lo, hi = hi, lo
		}
		bounds = []string{lo, hi}
		opts = append(opts, pick(g, "BYLEX", "bylex"))
	}
	if rev {
		opts = append(opts, pick(g, "REV", "rev"))
	}
	if by > 0 && g.chance(0.3) {
		opts = append(opts, g.limit()...)
	}
	if (!store || g.chance(0.05)) && g.chance(0.4) {
		opts = append(opts, pick(g, "WITHSCORES", "withscores"))
	}
	if g.chance(0.03) {
		opts = append(opts, pick(g, "BYSCORE", "BYLEX", "REV", "LIMIT", "foo"))
	}
	return append(bounds, opts...)
}

// byScore is ZRANGEBYSCORE/ZREVRANGEBYSCORE's options.
func (g *gen) byScoreOpts() []string {
	var out []string
	if g.chance(0.4) {
		out = append(out, pick(g, "WITHSCORES", "withscores"))
	}
	if g.chance(0.3) {
		out = append(out, g.limit()...)
	}
	if len(out) > 2 && g.chance(0.5) {
		out = append(out[1:], out[0]) // LIMIT before WITHSCORES
	}
	if g.chance(0.03) {
		out = append(out, pick(g, "foo", "LIMIT", "BYSCORE"))
	}
	return out
}

func (g *gen) byLexOpts() []string {
	var out []string
	if g.chance(0.3) {
		out = append(out, g.limit()...)
	}
	if g.chance(0.03) {
		out = append(out, pick(g, "WITHSCORES", "foo", "LIMIT"))
	}
	return out
}

func (g *gen) withScores() []string {
	switch g.r.IntN(10) {
	case 0, 1, 2, 3:
		return []string{pick(g, "WITHSCORES", "withscores")}
	case 4:
		if g.chance(0.3) {
			return []string{pick(g, "WITHSCORE", "foo", "LIMIT")}
		}
	}
	return nil
}

// zsources are numkeys and keys of the sorted-set algebra, with sets among
// them (Redis accepts sets as sources with score 1), sometimes a wrong
// numkeys.
func (g *gen) zsources() []string {
	keys := g.zkeys(1, 3)
	numkeys := strconv.Itoa(len(keys))
	if g.chance(0.08) {
		numkeys = pick(g, "0", "-1", "abc", "5", "", strconv.Itoa(len(keys)+1))
	}
	return flat(numkeys, keys)
}

// weightsAggregate are WEIGHTS and AGGREGATE options of ZUNION and ZINTER.
func (g *gen) weightsAggregate(n int) []string {
	var out []string
	if g.chance(0.3) {
		out = append(out, pick(g, "WEIGHTS", "weights"))
		for range n {
			out = append(out, pick(g, "1", "2", "0", "-1", "0.5", "inf", "-inf", "abc", "1e308"))
		}
		if g.chance(0.05) {
			out = out[:len(out)-1]
		}
	}
	if g.chance(0.3) {
		out = append(out, pick(g, "AGGREGATE", "aggregate"), pick(g, "SUM", "MIN", "MAX", "max", "foo"))
	}
	if g.chance(0.03) {
		out = append(out, pick(g, "WEIGHTS", "AGGREGATE", "foo"))
	}
	return out
}

// zalgebra builds ZUNION/ZINTER (store false: WITHSCORES allowed) and
// their STORE forms (with a destination).
func (g *gen) zalgebra(store, weighted bool) []string {
	var out []string
	if store {
		out = append(out, g.zkey())
	}
	src := g.zsources()
	out = append(out, src...)
	if weighted {
		out = append(out, g.weightsAggregate(len(src)-1)...)
	}
	if !store {
		out = append(out, g.withScores()...)
	}
	return out
}

func (g *gen) zintercard() []string {
	out := g.zsources()
	if g.chance(0.3) {
		out = append(out, pick(g, "LIMIT", "limit"), pick(g, "0", "1", "2", "-1", "abc"))
	}
	return out
}

// zrandOpts is ZRANDMEMBER's count and WITHSCORES.
func (g *gen) zrandOpts() []string {
	if g.chance(0.4) {
		return nil
	}
	out := []string{g.count()}
	if g.chance(0.4) {
		out = append(out, pick(g, "WITHSCORES", "withscores", "foo"))
	}
	return out
}

// popCount is the count of ZPOPMIN/LPOP and friends, or none.
func (g *gen) popCount() []string {
	if g.chance(0.5) {
		return nil
	}
	return []string{g.count()}
}

// elem is a list element: mostly a few short values (so that LINSERT,
// LREM and LPOS find them), sometimes any value.
func (g *gen) elem() string {
	if g.chance(0.2) {
		return g.value()
	}
	return pick(g, "x", "y", "z", "1", "2", "")
}

func (g *gen) elems(min, max int) []string {
	n := min + g.r.IntN(max-min+1)
	out := make([]string, n)
	for i := range out {
		out[i] = g.elem()
	}
	return out
}

// side is LMOVE's LEFT or RIGHT, sometimes lowercase or invalid.
func (g *gen) side() string {
	if g.chance(0.03) {
		return pick(g, "UP", "", "L")
	}
	return pick(g, "LEFT", "RIGHT", "left", "right")
}

func (g *gen) lpos() []string {
	out := []string{g.lkey(), g.elem()}
	var opts [][]string
	if g.chance(0.4) {
		opts = append(opts, []string{"RANK", pick(g, "1", "2", "-1", "-2", "0", "3", "abc", "-9223372036854775808")})
	}
	if g.chance(0.4) {
		opts = append(opts, []string{pick(g, "COUNT", "count"), pick(g, "0", "1", "2", "5", "-1", "abc")})
	}
	if g.chance(0.3) {
		opts = append(opts, []string{"MAXLEN", pick(g, "0", "1", "2", "10", "-1", "abc")})
	}
	g.r.Shuffle(len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
	for _, o := range opts {
		out = append(out, o...)
	}
	if g.chance(0.03) {
		out = append(out, pick(g, "RANK", "foo", "COUNT"))
	}
	return out
}

func (g *gen) lmpop() []string {
	keys := g.lkeys(1, 3)
	numkeys := strconv.Itoa(len(keys))
	if g.chance(0.08) {
		numkeys = pick(g, "0", "-1", "abc", "5")
	}
	out := flat(numkeys, keys, g.side())
	if g.chance(0.4) {
		out = append(out, pick(g, "COUNT", "count"), pick(g, "1", "2", "3", "10", "0", "-1", "abc"))
	}
	if g.chance(0.03) {
		out = append(out, pick(g, "COUNT", "foo"))
	}
	return out
}

func (g *gen) insertWhere() string {
	if g.chance(0.03) {
		return pick(g, "UNDER", "", "BEFOREx")
	}
	return pick(g, "BEFORE", "AFTER", "before", "after")
}

// Geo (cmd_geo.go): sorted sets of geohash scores, in the sorted-set keys.

// lonLat is a longitude and latitude: a few places close together (so
// searches find several), random ones, the edges of the valid range, and
// invalid ones.
func (g *gen) lonLat() []string {
	switch g.r.IntN(12) {
	case 0:
		return pick(g, []string{"181", "0"}, []string{"0", "86"}, []string{"abc", "1"}, []string{"1", ""},
			[]string{"-180", "-85.05112878"}, []string{"180", "85.05112878"}, []string{"nan", "0"}, []string{"inf", "0"},
			[]string{"-0", "0x10"}, []string{" 1", "1e1"})
	case 1, 2:
		return []string{strconv.FormatFloat((g.r.Float64()-0.5)*360, 'f', g.r.IntN(8), 64),
			strconv.FormatFloat((g.r.Float64()-0.5)*170, 'f', g.r.IntN(8), 64)}
	}
	return pick(g, []string{"13.361389", "38.115556"}, []string{"15.087269", "37.502669"},
		[]string{"13.5", "38"}, []string{"14", "37.9"}, []string{"2.3522", "48.8566"}, []string{"13.361389", "38.115557"})
}

func (g *gen) geoadd() []string {
	out := []string{g.zkey()}
	if g.chance(0.2) {
		out = append(out, pick(g, "NX", "XX", "nx"))
	}
	if g.chance(0.2) {
		out = append(out, pick(g, "CH", "ch"))
	}
	if g.chance(0.03) {
		out = append(out, pick(g, "NX", "XX", "GT", "foo"))
	}
	for range 1 + g.r.IntN(3) {
		out = append(out, g.lonLat()...)
		out = append(out, g.geoMember())
	}
	if g.chance(0.03) {
		out = out[:len(out)-1]
	}
	return out
}

// geoMember is a member: mostly the places geoadd writes.
func (g *gen) geoMember() string {
	if g.chance(0.3) {
		return g.member()
	}
	return pick(g, "Palermo", "Catania", "p1", "p2", "p3")
}

func (g *gen) geoMembers(min, max int) []string {
	n := min + g.r.IntN(max-min+1)
	out := make([]string, n)
	for i := range out {
		out[i] = g.geoMember()
	}
	return out
}

func (g *gen) geoUnit() string {
	if g.chance(0.03) {
		return pick(g, "cm", "", "KMS")
	}
	return pick(g, "m", "km", "ft", "mi", "KM", "M")
}

func (g *gen) geodist() []string {
	out := []string{g.zkey(), g.geoMember(), g.geoMember()}
	if g.chance(0.6) {
		out = append(out, g.geoUnit())
	}
	if g.chance(0.03) {
		out = append(out, "extra")
	}
	return out
}

// geosearch is GEOSEARCH's arguments after the key (store: GEOSEARCHSTORE,
// no WITH* options, sometimes STOREDIST).
func (g *gen) geosearch(store bool) []string {
	var out []string
	if g.chance(0.5) {
		out = append(out, pick(g, "FROMMEMBER", "frommember"), g.geoMember())
	} else {
		out = append(out, pick(g, "FROMLONLAT", "fromlonlat"))
		out = append(out, g.lonLat()...)
	}
	if g.chance(0.5) {
		out = append(out, pick(g, "BYRADIUS", "byradius"), pick(g, "0", "10", "100", "200", "1000", "-1", "abc", "0.5"), g.geoUnit())
	} else {
		out = append(out, "BYBOX", pick(g, "10", "200", "400", "0", "-1", "abc"), pick(g, "10", "200", "400", "0", "-1"), g.geoUnit())
	}
	if g.chance(0.4) {
		out = append(out, pick(g, "ASC", "DESC", "asc"))
	}
	if g.chance(0.3) {
		out = append(out, "COUNT", pick(g, "1", "2", "3", "0", "-1", "abc"))
		if g.chance(0.3) {
			out = append(out, "ANY")
		}
	}
	if store {
		if g.chance(0.3) {
			out = append(out, pick(g, "STOREDIST", "storedist"))
		}
	} else {
		for _, o := range []string{"WITHCOORD", "WITHDIST", "WITHHASH"} {
			if g.chance(0.3) {
				out = append(out, o)
			}
		}
	}
	if g.chance(0.05) {
		g.r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		out = append(out, pick(g, "ANY", "BYRADIUS", "FROMMEMBER", "WITHDIST", "STOREDIST", "foo"))
	}
	return out
}
