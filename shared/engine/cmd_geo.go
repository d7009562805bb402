package engine

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"lattice/shared/crdt"
)

// geoCommands: geo, built on sorted sets as in Redis (SEMANTICS.md A6): a
// point is a member whose score is its 52-bit interleaved geohash, so geo
// keys are sorted sets (TYPE zset) and converge by the sorted-set rules:
// concurrent GEOADDs of one member keep the later write's position (LWW on
// the score), a remove takes only what it saw, adds win.
//
// The arithmetic (geohash.go) is Redis 7.0.15's: geohash.c,
// geohash_helper.c and geo.c with the 7.0.6 speedups it carries (the
// haversine shortcut for equal longitudes, BYBOX testing latitude first,
// distances printed by fixedpoint_d2string), its C conversions of scores
// no GEOADD writes, and its two sorts (glibc's merge sort, Redis's partial
// quicksort), so that replies match redis-server byte for byte. The one
// known difference is libm: glibc's sin, cos and asin are not correctly
// rounded on about 0.1% of arguments, ours are (geoSinCos), so a
// STOREDIST score can differ in its last bits (0.2% of distances
// measured), and a distance printed with four decimals only in the rare
// case it lies within an ulp of a rounding boundary.
var geoCommands = []command{
	{name: "geoadd", arity: -5, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, run: cmdGeoAdd},
	{name: "geopos", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdGeoPos},
	{name: "geohash", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdGeoHash},
	{name: "geodist", arity: -4, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdGeoDist},
	{name: "geosearch", arity: -7, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdGeoSearch},
	{name: "geosearchstore", arity: -8, flags: flagWrite, firstKey: 1, lastKey: 2, step: 1, run: cmdGeoSearchStore},
}

// GEOHASH's alphabet and length.
const (
	geoAlphabet  = "0123456789bcdefghjkmnpqrstuvwxyz"
	geoHashChars = 11
)

// cmdGeoAdd is ZADD with scores computed from coordinates: every point is
// checked before anything is written (as Redis checks them before the
// type), NX skips present members, XX missing ones, CH counts changed
// scores too. As ZADD, an unchanged score writes nothing, as Redis
// changes nothing; a changed one is an assignment, LWW against
// concurrent GEOADDs and ZADDs of the member.
func cmdGeoAdd(c *call) Reply {
	nx, xx, ch, at := geoAddOptions(c.args)
	if (len(c.args)-at)%3 != 0 || nx && xx || at == len(c.args) {
		return errSyntax
	}
	scores := make([]float64, 0, (len(c.args)-at)/3)
	for i := at; i < len(c.args); i += 3 {
		x, y, errR, ok := geoLonLat(c.args[i], c.args[i+1])
		if !ok {
			return errR
		}
		scores = append(scores, geoScore(x, y))
	}
	name := string(c.args[1])
	if _, wrong := c.lookupType(name, TypeZSet); wrong {
		return errWrongType
	}
	var added, changed int64
	for j, s := range scores {
		member := string(c.args[at+3*j+2])
		cur, exists := geoMemberScore(c.lookup(name), member)
		switch {
		case exists && nx, !exists && xx:
			continue
		case !exists:
			added++
		case cur == s:
			continue
		default:
			changed++
		}
		c.zadd(name, member, s)
	}
	if ch {
		return integer(added + changed)
	}
	return integer(added)
}

// geoAddOptions reads GEOADD's options up to the first other argument,
// the first longitude.
func geoAddOptions(args [][]byte) (nx, xx, ch bool, at int) {
	for at = 2; at < len(args); at++ {
		switch {
		case isOpt(args[at], "nx"):
			nx = true
		case isOpt(args[at], "xx"):
			xx = true
		case isOpt(args[at], "ch"):
			ch = true
		default:
			return nx, xx, ch, at
		}
	}
	return nx, xx, ch, at
}

// geoMemberScore returns member's score in sorted set k (nil: empty).
func geoMemberScore(k *Key, member string) (float64, bool) {
	if k == nil || k.zidx == nil {
		return 0, false
	}
	return k.zidx.Score(member)
}

// geoLonLat parses a longitude and a latitude (string2d) and checks the
// range Redis can encode.
func geoLonLat(lon, lat []byte) (x, y float64, errR Reply, ok bool) {
	if x, ok = crdt.ParseScore(lon); !ok {
		return 0, 0, errNotFloat, false
	}
	if y, ok = crdt.ParseScore(lat); !ok {
		return 0, 0, errNotFloat, false
	}
	if x < geoLonMin || x > geoLonMax || y < geoLatMin || y > geoLatMax {
		return 0, 0, errGeoLonLat(geoPrintF(x), geoPrintF(y)), false
	}
	return x, y, Reply{}, true
}

// geoPrintF is C's printf "%f".
func geoPrintF(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'f', 6, 64)
}

// geoScore is the sorted-set score of a valid point: its 52-bit geohash.
func geoScore(x, y float64) float64 {
	h, _ := geoEncode(geoWorldLon, geoWorldLat, x, y, geoStepMax)
	return float64(h.align52())
}

// cmdGeoPos answers each member's decoded position (the centre of its
// cell), printed as Redis prints a long double for humans.
func cmdGeoPos(c *call) Reply {
	k, wrong := c.lookupType(string(c.args[1]), TypeZSet)
	if wrong {
		return errWrongType
	}
	out := make([]Reply, 0, len(c.args)-2)
	for _, m := range c.args[2:] {
		s, ok := geoMemberScore(k, string(m))
		if !ok {
			out = append(out, nullArray)
			continue
		}
		x, y := geoDecodeScore(s)
		out = append(out, array([]Reply{geoCoord(x), geoCoord(y)}))
	}
	return array(out)
}

// geoCoord is addReplyHumanLongDouble: "%.17Lf" without trailing zeros, a
// bulk string in RESP2 and a double in RESP3.
func geoCoord(f float64) Reply {
	return double(crdt.FormatLongDouble(new(big.Float).SetFloat64(f)))
}

// cmdGeoHash answers standard 11-character geohashes: Redis decodes its
// own cell (latitudes ±85.05) and encodes the centre again over ±90; the
// 11th character stands for bits Redis does not have and is always '0'.
func cmdGeoHash(c *call) Reply {
	k, wrong := c.lookupType(string(c.args[1]), TypeZSet)
	if wrong {
		return errWrongType
	}
	out := make([]Reply, 0, len(c.args)-2)
	for _, m := range c.args[2:] {
		s, ok := geoMemberScore(k, string(m))
		if !ok {
			out = append(out, null)
			continue
		}
		x, y := geoDecodeScore(s)
		h, _ := geoEncode(geoRange{-180, 180}, geoRange{-90, 90}, x, y, geoStepMax)
		var buf [geoHashChars]byte
		for i := range geoHashChars - 1 {
			buf[i] = geoAlphabet[(h.bits>>(52-(i+1)*5))&0x1f]
		}
		buf[geoHashChars-1] = geoAlphabet[0]
		out = append(out, bulk(buf[:]))
	}
	return array(out)
}

// cmdGeoDist checks the unit before the key, as Redis does.
func cmdGeoDist(c *call) Reply {
	toMeters := 1.0
	switch {
	case len(c.args) > 5:
		return errSyntax
	case len(c.args) == 5:
		var ok bool
		if toMeters, ok = geoUnit(c.args[4]); !ok {
			return errGeoUnit
		}
	}
	k, wrong := c.lookupType(string(c.args[1]), TypeZSet)
	if wrong {
		return errWrongType
	}
	s1, ok1 := geoMemberScore(k, string(c.args[2]))
	s2, ok2 := geoMemberScore(k, string(c.args[3]))
	if !ok1 || !ok2 {
		return null
	}
	x1, y1 := geoDecodeScore(s1)
	x2, y2 := geoDecodeScore(s2)
	return bulkStr(geoFormatDist(geoDistance(x1, y1, x2, y2) / toMeters))
}

// geoUnit returns the meters in one unit (strcasecmp: a C string).
func geoUnit(b []byte) (float64, bool) {
	switch {
	case isOpt(b, "m"):
		return 1, true
	case isOpt(b, "km"):
		return 1000, true
	case isOpt(b, "ft"):
		return 0.3048, true
	case isOpt(b, "mi"):
		return 1609.34, true
	}
	return 0, false
}

// geoFormatDist is fixedpoint_d2string(d, 4): d×10⁴ rounded once in
// float64, then to an integer by llrint (ties to even; NaN and overflow
// give LLONG_MIN), printed with four decimals. It differs from printf
// "%.4f" on values whose product rounds onto a tie.
func geoFormatDist(d float64) string {
	if d == 0 {
		return "0.0000"
	}
	v := geoLLRint(d * 10000)
	u := uint64(v)
	if v < 0 {
		u = -u // two's complement: LLONG_MIN gives 2^63, as Redis computes
	}
	s := strconv.FormatUint(u, 10)
	if len(s) < 5 {
		s = strings.Repeat("0", 5-len(s)) + s
	}
	s = s[:len(s)-4] + "." + s[len(s)-4:]
	if v < 0 {
		s = "-" + s
	}
	return s
}

// geoLLRint is x86-64 llrint: round to nearest even, and the "integer
// indefinite" LLONG_MIN for NaN and values out of range.
func geoLLRint(x float64) int64 {
	r := math.RoundToEven(x)
	if !(r >= -(1<<63) && r < 1<<63) {
		return math.MinInt64
	}
	return int64(r)
}

// Sorts of GEOSEARCH results.
const (
	geoSortNone = iota
	geoSortAsc
	geoSortDesc
)

// geoQuery is a parsed GEOSEARCH or GEOSEARCHSTORE.
type geoQuery struct {
	shape                         geoShape
	withDist, withHash, withCoord bool
	fromMember, fromLoc, byRadius bool
	byBox, any, storeDist         bool
	sort                          int
	count                         int64
	store                         bool
	cmdName                       string
}

// geoPoint is one search result.
type geoPoint struct {
	x, y, dist, score float64
	member            string
}

func cmdGeoSearch(c *call) Reply      { return c.geoSearch(1, false) }
func cmdGeoSearchStore(c *call) Reply { return c.geoSearch(2, true) }

// geoSearch is georadiusGeneric for GEOSEARCH (source at argument 1) and
// GEOSEARCHSTORE (destination 1, source 2): the type of the source is
// checked first, then the options in order, then their combinations.
func (c *call) geoSearch(src int, store bool) Reply {
	k, wrong := c.lookupType(string(c.args[src]), TypeZSet)
	if wrong {
		return errWrongType
	}
	q := geoQuery{store: store, cmdName: string(cstr(c.args[0]))}
	if errR, ok := q.parse(k, c.args[src+1:]); !ok {
		return errR
	}
	if errR, ok := q.check(); !ok {
		return errR
	}
	if k == nil {
		if store {
			c.del(string(c.args[1]))
			return zero
		}
		return emptyArr
	}
	if q.count != 0 && q.sort == geoSortNone && !q.any {
		q.sort = geoSortAsc // the nearest COUNT, unless ANY
	}
	var limit int64
	if q.any {
		limit = q.count
	}
	pts := geoMembersOfAllNeighbors(k.zidx, geoAreasByShape(&q.shape), &q.shape, limit)
	if len(pts) == 0 && !store {
		return emptyArr
	}
	n := len(pts)
	if q.count != 0 && int64(n) > q.count {
		n = int(q.count)
	}
	geoSortPoints(pts, q.sort, n)
	pts = pts[:n]
	for i := range pts {
		pts[i].dist /= q.shape.conversion
	}
	if store {
		return c.geoStore(&q, pts)
	}
	return q.reply(pts)
}

// parse reads the options as Redis does, one by one: an option whose
// arguments are missing, or that conflicts with an earlier FROM or BY
// option, is a syntax error; FROMMEMBER on a missing key is not checked.
func (q *geoQuery) parse(k *Key, opts [][]byte) (Reply, bool) {
	for i := 0; i < len(opts); i++ {
		left := len(opts) - 1 - i // arguments after this one
		a := opts[i]
		switch {
		case isOpt(a, "withdist"):
			q.withDist = true
		case isOpt(a, "withhash"):
			q.withHash = true
		case isOpt(a, "withcoord"):
			q.withCoord = true
		case isOpt(a, "any"):
			q.any = true
		case isOpt(a, "asc"):
			q.sort = geoSortAsc
		case isOpt(a, "desc"):
			q.sort = geoSortDesc
		case isOpt(a, "count") && left >= 1:
			n, ok := crdt.ParseInt(opts[i+1])
			if !ok {
				return errNotInt, false
			}
			if n <= 0 {
				return errGeoCount, false
			}
			q.count, i = n, i+1
		case isOpt(a, "storedist") && q.store:
			q.storeDist = true
		case isOpt(a, "frommember") && left >= 1 && !q.fromLoc:
			if k != nil {
				s, ok := geoMemberScore(k, string(opts[i+1]))
				if !ok {
					return errGeoMember, false
				}
				q.shape.x, q.shape.y = geoDecodeScore(s)
			}
			q.fromMember, i = true, i+1
		case isOpt(a, "fromlonlat") && left >= 2 && !q.fromMember:
			x, y, errR, ok := geoLonLat(opts[i+1], opts[i+2])
			if !ok {
				return errR, false
			}
			q.shape.x, q.shape.y, q.fromLoc, i = x, y, true, i+2
		case isOpt(a, "byradius") && left >= 2 && !q.byBox:
			if errR, ok := q.parseRadius(opts[i+1], opts[i+2]); !ok {
				return errR, false
			}
			q.byRadius, i = true, i+2
		case isOpt(a, "bybox") && left >= 3 && !q.byRadius:
			if errR, ok := q.parseBox(opts[i+1], opts[i+2], opts[i+3]); !ok {
				return errR, false
			}
			q.byBox, i = true, i+3
		default:
			return errSyntax, false
		}
	}
	return Reply{}, true
}

func (q *geoQuery) parseRadius(radius, unit []byte) (Reply, bool) {
	r, ok := crdt.ParseScore(radius)
	switch {
	case !ok:
		return errGeoNeedRadius, false
	case r < 0:
		return errGeoRadiusNeg, false
	}
	conv, ok := geoUnit(unit)
	if !ok {
		return errGeoUnit, false
	}
	q.shape.box, q.shape.radius, q.shape.conversion = false, r, conv
	return Reply{}, true
}

func (q *geoQuery) parseBox(width, height, unit []byte) (Reply, bool) {
	w, ok := crdt.ParseScore(width)
	if !ok {
		return errGeoNeedWidth, false
	}
	h, ok := crdt.ParseScore(height)
	switch {
	case !ok:
		return errGeoNeedHeight, false
	case h < 0 || w < 0:
		return errGeoBoxNeg, false
	}
	conv, ok := geoUnit(unit)
	if !ok {
		return errGeoUnit, false
	}
	q.shape.box, q.shape.width, q.shape.height, q.shape.conversion = true, w, h, conv
	return Reply{}, true
}

// check refuses incomplete or conflicting options, in Redis's order.
func (q *geoQuery) check() (Reply, bool) {
	switch {
	case q.store && (q.withDist || q.withHash || q.withCoord):
		return errGeoStoreWith, false
	case !q.fromMember && !q.fromLoc:
		return errGeoFrom(q.cmdName), false
	case !q.byRadius && !q.byBox:
		return errGeoBy(q.cmdName), false
	case q.any && q.count == 0:
		return errGeoAnyCount, false
	}
	return Reply{}, true
}

// reply lists members, or [member, dist?, hash?, [lon, lat]?] arrays
// when any WITH option is set.
func (q *geoQuery) reply(pts []geoPoint) Reply {
	out := make([]Reply, len(pts))
	for i, p := range pts {
		m := bulkStr(p.member)
		if !q.withDist && !q.withHash && !q.withCoord {
			out[i] = m
			continue
		}
		e := []Reply{m}
		if q.withDist {
			e = append(e, bulkStr(geoFormatDist(p.dist)))
		}
		if q.withHash {
			e = append(e, integer(geoInt64(p.score)))
		}
		if q.withCoord {
			e = append(e, array([]Reply{geoCoord(p.x), geoCoord(p.y)}))
		}
		out[i] = array(e)
	}
	return array(out)
}

// geoStore replaces the destination with the results (the RENAME/COPY rule
// of SUNIONSTORE, B7): it removes what this replica saw of the
// destination, of any type, then adds each result as a new write. No
// result deletes the destination.
func (c *call) geoStore(q *geoQuery, pts []geoPoint) Reply {
	dst := string(c.args[1])
	c.del(dst)
	for _, p := range pts {
		s := p.score
		if q.storeDist {
			s = p.dist
		}
		if math.IsNaN(s) {
			continue // a NaN distance (see geoDistance): Redis asserts; a sorted set cannot hold it
		}
		c.zadd(dst, p.member, s)
	}
	return integer(int64(len(pts)))
}

// geoInt64 is C's (long long) conversion of a double on x86-64: truncation,
// and LLONG_MIN for NaN and values out of range.
func geoInt64(f float64) int64 {
	if !(f >= -(1<<63) && f < 1<<63) {
		return math.MinInt64
	}
	return int64(f)
}

// geoMembersOfAllNeighbors scans the search cell and its eight neighbours
// in Redis's order (centre, N, S, E, W, NE, NW, SE, SW), skipping cleared
// cells and a cell equal to the last one scanned; with limit (ANY) it
// stops once that many points are found.
func geoMembersOfAllNeighbors(z *crdt.ZIndex, a geoAreas, s *geoShape, limit int64) []geoPoint {
	cells := [9]geoBits{a.hash, a.n.north, a.n.south, a.n.east, a.n.west,
		a.n.northEast, a.n.northWest, a.n.southEast, a.n.southWest}
	var pts []geoPoint
	last := 0 // as in Redis, 0 also means none: a cell equal to the centre is scanned again
	for i, h := range cells {
		if h.zero() {
			continue
		}
		if last != 0 && h == cells[last] {
			continue
		}
		if limit > 0 && int64(len(pts)) >= limit {
			break
		}
		pts = geoPointsInCell(z, h, s, pts, limit)
		last = i
	}
	return pts
}

// geoPointsInCell appends the members whose score lies in cell h (min ≤
// score < max) and that lie inside the shape, in the set's order.
func geoPointsInCell(z *crdt.ZIndex, h geoBits, s *geoShape, pts []geoPoint, limit int64) []geoPoint {
	lo := h.align52()
	h.bits++
	hi := h.align52()
	r := crdt.ScoreRange{Min: float64(lo), Max: float64(hi), MaxEx: true}
	for _, e := range z.RangeByScore(nil, r, false, 0, -1) {
		x, y := geoDecodeScore(e.Score)
		if d, ok := s.contains(x, y); ok {
			pts = append(pts, geoPoint{x: x, y: y, dist: d, score: e.Score, member: e.Member})
		}
		if limit > 0 && int64(len(pts)) >= limit {
			break
		}
	}
	return pts
}

// geoSortPoints orders the first n points by distance: glibc's qsort (a
// stable merge sort) when all are returned, Redis's pqsort otherwise, each
// with Redis's comparator, so that ties (and NaN) land as in Redis.
func geoSortPoints(pts []geoPoint, sort, n int) {
	if sort == geoSortNone {
		return
	}
	cmp := geoCmpAsc
	if sort == geoSortDesc {
		cmp = func(a, b *geoPoint) int { return -geoCmpAsc(a, b) }
	}
	if n == len(pts) {
		geoMSort(pts, make([]geoPoint, len(pts)), cmp)
		return
	}
	geoPQSort(pts, 0, len(pts), cmp, 0, n-1)
}

// geoCmpAsc is sort_gp_asc: NaN compares as "less" both ways.
func geoCmpAsc(a, b *geoPoint) int {
	switch {
	case a.dist > b.dist:
		return 1
	case a.dist == b.dist:
		return 0
	}
	return -1
}

// geoMSort is glibc 2.36's msort_with_tmp: top-down merge sort taking the
// left element on ties.
func geoMSort(a, tmp []geoPoint, cmp func(a, b *geoPoint) int) {
	n := len(a)
	if n <= 1 {
		return
	}
	n1 := n / 2
	geoMSort(a[:n1], tmp, cmp)
	geoMSort(a[n1:], tmp, cmp)
	i, j, k := 0, n1, 0
	for i < n1 && j < n {
		if cmp(&a[i], &a[j]) <= 0 {
			tmp[k], i = a[i], i+1
		} else {
			tmp[k], j = a[j], j+1
		}
		k++
	}
	k += copy(tmp[k:], a[i:n1])
	copy(a, tmp[:k])
}

// geoPQSort is Redis's pqsort (NetBSD's Bentley-McIlroy qsort that skips
// the partitions outside [lr, rr]) over a[base:base+n], in element
// indexes instead of byte pointers.
func geoPQSort(a []geoPoint, base, n int, cmp func(a, b *geoPoint) int, lr, rr int) {
	swap := func(i, j int) { a[i], a[j] = a[j], a[i] }
	vecswap := func(i, j, m int) {
		for k := range m {
			swap(i+k, j+k)
		}
	}
	for {
		if n < 7 {
			for pm := base + 1; pm < base+n; pm++ {
				for pl := pm; pl > base && cmp(&a[pl-1], &a[pl]) > 0; pl-- {
					swap(pl, pl-1)
				}
			}
			return
		}
		swap(base, geoPivot(a, base, n, cmp))
		pa, pb, pc, pd := base+1, base+1, base+n-1, base+n-1
		for {
			for ; pb <= pc; pb++ {
				r := cmp(&a[pb], &a[base])
				if r > 0 {
					break
				}
				if r == 0 {
					swap(pa, pb)
					pa++
				}
			}
			for ; pb <= pc; pc-- {
				r := cmp(&a[pc], &a[base])
				if r < 0 {
					break
				}
				if r == 0 {
					swap(pc, pd)
					pd--
				}
			}
			if pb > pc {
				break
			}
			swap(pb, pc)
			pb, pc = pb+1, pc-1
		}
		pn := base + n
		r := min(pa-base, pb-pa)
		vecswap(base, pb-r, r)
		r = min(pd-pc, pn-pd-1)
		vecswap(pb, pn-r, r)
		if r = pb - pa; r > 1 && geoOverlaps(base, r, lr, rr) {
			geoPQSort(a, base, r, cmp, lr, rr)
		}
		if r = pd - pc; r <= 1 || !geoOverlaps(pn-r, r, lr, rr) {
			return
		}
		base, n = pn-r, r
	}
}

// geoPivot is the median of three (or of three medians past 40 elements).
func geoPivot(a []geoPoint, base, n int, cmp func(a, b *geoPoint) int) int {
	pm := base + n/2
	if n == 7 {
		return pm
	}
	pl, pn := base, base+n-1
	if n > 40 {
		d := n / 8
		pl = geoMed3(a, pl, pl+d, pl+2*d, cmp)
		pm = geoMed3(a, pm-d, pm, pm+d, cmp)
		pn = geoMed3(a, pn-2*d, pn-d, pn, cmp)
	}
	return geoMed3(a, pl, pm, pn, cmp)
}

func geoMed3(a []geoPoint, i, j, k int, cmp func(a, b *geoPoint) int) int {
	if cmp(&a[i], &a[j]) < 0 {
		switch {
		case cmp(&a[j], &a[k]) < 0:
			return j
		case cmp(&a[i], &a[k]) < 0:
			return k
		}
		return i
	}
	switch {
	case cmp(&a[j], &a[k]) > 0:
		return j
	case cmp(&a[i], &a[k]) < 0:
		return i
	}
	return k
}

// geoOverlaps reports whether elements [start, start+n) meet [lr, rr].
func geoOverlaps(start, n, lr, rr int) bool {
	return !(lr < start && rr < start || lr >= start+n && rr >= start+n)
}
