package crdt

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// White-box tests of ZIndex: table tests of Redis's ordering and range
// rules (expected replies taken from redis-server 7.0.15), and an oracle
// test against a sorted slice that follows Redis's listpack code literally.

var negZero = math.Copysign(0, -1)

// check verifies the B+ tree invariants: sorted leaves linked both ways,
// separators bounding their subtrees, sizes, equal depth, fill, and the
// member map agreeing with the leaves.
func (x *ZIndex) check() error {
	if x.root == nil {
		if x.Len() != 0 {
			return fmt.Errorf("no tree but %d members", x.Len())
		}
		return nil
	}
	var leaves []*zNode
	depth := -1
	var walk func(n *zNode, d int, lo, hi *ZEntry) (int, error)
	walk = func(n *zNode, d int, lo, hi *ZEntry) (int, error) {
		if len(n.members) != n.len() {
			return 0, fmt.Errorf("%d scores, %d members", n.len(), len(n.members))
		}
		for i := range n.len() {
			if e := n.at(i); n.leaf() || i > 0 {
				if lo != nil && zLess(e, *lo) || hi != nil && !zLess(e, *hi) {
					return 0, fmt.Errorf("entry %v outside [%v, %v)", e, lo, hi)
				}
			}
		}
		if n.leaf() {
			if depth >= 0 && d != depth {
				return 0, fmt.Errorf("leaves at depths %d and %d", depth, d)
			}
			depth = d
			for i := 1; i < n.len(); i++ {
				if !zLess(n.at(i-1), n.at(i)) {
					return 0, fmt.Errorf("leaf out of order")
				}
			}
			if n.len() > x.fan() {
				return 0, fmt.Errorf("leaf holds %d", n.len())
			}
			leaves = append(leaves, n)
			return n.len(), nil
		}
		if n != x.root && len(n.kids) < x.minFill() || len(n.kids) > x.fan() || len(n.kids) != n.len() || len(n.kids) != len(n.sizes) {
			return 0, fmt.Errorf("inner node with %d kids, %d entries, %d sizes", len(n.kids), n.len(), len(n.sizes))
		}
		total := 0
		for i, k := range n.kids {
			klo, khi := lo, hi
			if i > 0 {
				e := n.at(i)
				klo = &e
				if !k.leaf() && k.at(0) != e {
					return 0, fmt.Errorf("inner node starts with %v, its parent's separator is %v", k.at(0), e)
				}
			}
			if i+1 < len(n.kids) {
				e := n.at(i + 1)
				khi = &e
			}
			s, err := walk(k, d+1, klo, khi)
			if err != nil {
				return 0, err
			}
			if s != n.sizes[i] {
				return 0, fmt.Errorf("size %d recorded as %d", s, n.sizes[i])
			}
			total += s
		}
		return total, nil
	}
	total, err := walk(x.root, 0, nil, nil)
	if err != nil {
		return err
	}
	if total != x.Len() {
		return fmt.Errorf("tree holds %d entries, map %d", total, x.Len())
	}
	if x.first != leaves[0] || x.last != leaves[len(leaves)-1] {
		return fmt.Errorf("first or last leaf wrong")
	}
	for i, l := range leaves {
		if i > 0 && (l.prev != leaves[i-1] || leaves[i-1].next != l) {
			return fmt.Errorf("leaf links broken at %d", i)
		}
		if l.len() == 0 && len(leaves) > 1 {
			return fmt.Errorf("empty leaf %d of %d", i, len(leaves))
		}
		// Only the edge leaves may be underfull: sorted loads split them unevenly.
		if l.len() < x.minFill() && i > 0 && i < len(leaves)-1 {
			return fmt.Errorf("leaf %d holds %d < %d", i, l.len(), x.minFill())
		}
		for k := range l.len() {
			e := l.at(k)
			if s, ok := x.scores[e.Member]; !ok || math.Float64bits(s) != math.Float64bits(e.Score) {
				return fmt.Errorf("leaf entry %v, map says %v %v", e, s, ok)
			}
		}
	}
	return nil
}

func cmpEntry(a, b ZEntry) int {
	if c := cmp.Compare(a.Score, b.Score); c != 0 {
		return c
	}
	return strings.Compare(a.Member, b.Member)
}

func mustCheck(t *testing.T, x *ZIndex) {
	t.Helper()
	if err := x.check(); err != nil {
		t.Fatal(err)
	}
}

func members(es []ZEntry) string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(e.Member)
	}
	return b.String()
}

func indexOf(pairs ...any) *ZIndex {
	var x ZIndex
	for i := 0; i < len(pairs); i += 2 {
		x.Set(pairs[i+1].(string), pairs[i].(float64))
	}
	return &x
}

func TestZIndex_order(t *testing.T) {
	t.Parallel()
	x := indexOf(math.Inf(1), "f", 1.5, "a", 0.1, "b", 1e20, "c", math.Inf(1), "d",
		negZero, "e", math.Inf(-1), "g", 0.0, "h", 0.0, "B", 1.5, "a\x00", 1.5, "\xff")
	mustCheck(t, x)
	// Redis: ZRANGE z 0 -1 after the same ZADDs.
	want := "g B e h b a a\x00 \xff c d f"
	if got := members(x.RangeByRank(nil, 0, -1, false)); got != want {
		t.Fatalf("order %q, want %q", got, want)
	}
	if s, _ := x.Score("e"); !math.Signbit(s) {
		t.Errorf("-0 not kept: %v", s)
	}
	tests := []struct {
		name   string
		member string
		rank   int
		rev    int
	}{
		{name: "lowest", member: "g", rank: 0, rev: 10},
		{name: "negative zero ties with zero", member: "e", rank: 2, rev: 8},
		{name: "bytewise after prefix", member: "a\x00", rank: 6, rev: 4},
		{name: "highest", member: "f", rank: 10, rev: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := x.Rank(tc.member, false)
			rr, _ := x.Rank(tc.member, true)
			e, _ := x.ByRank(tc.rank)
			if !ok || r != tc.rank || rr != tc.rev || e.Member != tc.member {
				t.Errorf("Rank %d %v, rev %d, ByRank %q; want %d, %d", r, ok, rr, e.Member, tc.rank, tc.rev)
			}
		})
	}
}

func TestZIndex_setDelete(t *testing.T) {
	t.Parallel()
	var x ZIndex
	if _, ok := x.Rank("a", false); ok || x.Delete("a") || x.Len() != 0 {
		t.Fatal("zero ZIndex not empty")
	}
	steps := []struct {
		name  string
		op    func() bool
		want  bool
		order string
	}{
		{name: "add", op: func() bool { return x.Set("a", 2) }, want: true, order: "a"},
		{name: "add lower", op: func() bool { return x.Set("b", 1) }, want: true, order: "b a"},
		{name: "move", op: func() bool { return x.Set("b", 3) }, want: false, order: "a b"},
		{name: "same score", op: func() bool { return x.Set("b", 3) }, want: false, order: "a b"},
		{name: "zero", op: func() bool { return x.Set("c", 0) }, want: true, order: "c a b"},
		{name: "zero to negative zero", op: func() bool { return x.Set("c", negZero) }, want: false, order: "c a b"},
		{name: "delete", op: func() bool { return x.Delete("a") }, want: true, order: "c b"},
		{name: "delete missing", op: func() bool { return x.Delete("a") }, want: false, order: "c b"},
	}
	for _, s := range steps {
		if got := s.op(); got != s.want {
			t.Fatalf("%s: got %v", s.name, got)
		}
		mustCheck(t, &x)
		if got := members(x.RangeByRank(nil, 0, -1, false)); got != s.order {
			t.Fatalf("%s: order %q, want %q", s.name, got, s.order)
		}
	}
	if s, _ := x.Score("c"); !math.Signbit(s) {
		t.Error("moving 0 to -0 kept +0")
	}
}

func TestZIndex_setNaN(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("Set accepted NaN")
		}
	}()
	var x ZIndex
	x.Set("a", math.NaN())
}

// abcde is ZADD 1 a 2 b 3 c 4 d 5 e.
func abcde() *ZIndex { return indexOf(1.0, "a", 2.0, "b", 3.0, "c", 4.0, "d", 5.0, "e") }

func TestZIndex_RangeByRank(t *testing.T) {
	t.Parallel()
	x := abcde()
	tests := []struct {
		name        string
		start, stop int
		rev         bool
		want        string
	}{
		{name: "all", start: 0, stop: -1, want: "a b c d e"},
		{name: "all rev", start: 0, stop: -1, rev: true, want: "e d c b a"},
		{name: "middle", start: 1, stop: 2, want: "b c"},
		{name: "middle rev", start: 1, stop: 2, rev: true, want: "d c"},
		{name: "negative", start: -2, stop: -1, want: "d e"},
		{name: "start clamped", start: -100, stop: 1, want: "a b"},
		{name: "stop clamped", start: 3, stop: 100, want: "d e"},
		{name: "start past end", start: 5, stop: 10, want: ""},
		{name: "start after stop", start: 3, stop: 2, want: ""},
		{name: "stop before start negative", start: 0, stop: -6, want: ""},
		{name: "single", start: 4, stop: 4, rev: true, want: "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := members(x.RangeByRank(nil, tc.start, tc.stop, tc.rev)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestZIndex_RangeByScore(t *testing.T) {
	t.Parallel()
	x := abcde()
	x.Set("inf", math.Inf(1))
	x.Set("-inf", math.Inf(-1))
	inf := math.Inf(1)
	tests := []struct {
		name          string
		r             ScoreRange
		rev           bool
		offset, count int
		want          string
	}{
		{name: "all", r: ScoreRange{Min: -inf, Max: inf}, count: -1, want: "-inf a b c d e inf"},
		{name: "exclusive infinities", r: ScoreRange{Min: -inf, Max: inf, MinEx: true, MaxEx: true}, count: -1, want: "a b c d e"},
		{name: "inclusive", r: ScoreRange{Min: 2, Max: 4}, count: -1, want: "b c d"},
		{name: "exclusive", r: ScoreRange{Min: 2, Max: 4, MinEx: true, MaxEx: true}, count: -1, want: "c"},
		{name: "rev", r: ScoreRange{Min: 2, Max: 4}, rev: true, count: -1, want: "d c b"},
		{name: "limit", r: ScoreRange{Min: -inf, Max: inf}, offset: 2, count: 2, want: "b c"},
		{name: "limit rev", r: ScoreRange{Min: -inf, Max: inf}, rev: true, offset: 1, count: 3, want: "e d c"},
		{name: "limit zero count", r: ScoreRange{Min: -inf, Max: inf}, count: 0, want: ""},
		{name: "negative offset", r: ScoreRange{Min: -inf, Max: inf}, offset: -1, count: 2, want: ""},
		{name: "offset past range", r: ScoreRange{Min: 2, Max: 4}, offset: 3, count: -1, want: ""},
		{name: "offset past range rev", r: ScoreRange{Min: 2, Max: 4}, rev: true, offset: 3, count: -1, want: ""},
		{name: "min above max", r: ScoreRange{Min: 4, Max: 2}, count: -1, want: ""},
		{name: "equal bounds exclusive", r: ScoreRange{Min: 3, Max: 3, MaxEx: true}, count: -1, want: ""},
		{name: "equal bounds", r: ScoreRange{Min: 3, Max: 3}, count: -1, want: "c"},
		{name: "no hit", r: ScoreRange{Min: 2.5, Max: 2.7}, count: -1, want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := members(x.RangeByScore(nil, tc.r, tc.rev, tc.offset, tc.count))
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if n := x.CountByScore(tc.r); tc.offset == 0 && tc.count < 0 && n != len(strings.Fields(tc.want)) {
				t.Errorf("count %d", n)
			}
		})
	}
}

func TestParseLexRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		min, max string
		ok       bool
		want     LexRange
	}{
		{name: "infinities", min: "-", max: "+", ok: true,
			want: LexRange{Min: LexBound{Ex: true, Inf: -1}, Max: LexBound{Ex: true, Inf: 1}}},
		{name: "values", min: "[a", max: "(b\x00c", ok: true,
			want: LexRange{Min: LexBound{Value: "a"}, Max: LexBound{Value: "b\x00c", Ex: true}}},
		{name: "empty values", min: "[", max: "(", ok: true,
			want: LexRange{Min: LexBound{}, Max: LexBound{Ex: true}}},
		{name: "plus as C string", min: "+\x00x", max: "-\x00", ok: true,
			want: LexRange{Min: LexBound{Ex: true, Inf: 1}, Max: LexBound{Ex: true, Inf: -1}}},
		{name: "bare value", min: "a", max: "+"},
		{name: "empty", min: "", max: "+"},
		{name: "minus with more", min: "-x", max: "+"},
		{name: "bad max", min: "-", max: "+x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ParseLexRange([]byte(tc.min), []byte(tc.max))
			if ok != tc.ok || ok && got != tc.want {
				t.Errorf("got %+v %v, want %+v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func lex(t *testing.T, min, max string) LexRange {
	t.Helper()
	r, ok := ParseLexRange([]byte(min), []byte(max))
	if !ok {
		t.Fatalf("bad lex range %q %q", min, max)
	}
	return r
}

// TestZIndex_RangeByLex replays ZRANGEBYLEX, ZREVRANGEBYLEX and ZLEXCOUNT
// probes of redis-server 7.0.15, on equal scores and (unspecified by Redis,
// listpack behaviour) on mixed ones.
func TestZIndex_RangeByLex(t *testing.T) {
	t.Parallel()
	equal := indexOf(0.0, "a", 0.0, "b", 0.0, "c", 0.0, "d", 0.0, "e")
	mixed := indexOf(1.0, "a", 2.0, "b", 0.0, "c", 3.0, "d", 1.0, "e") // order c a e b d
	tests := []struct {
		name          string
		x             *ZIndex
		min, max      string
		rev           bool
		offset, count int
		want          string
		wantCount     int // ZLEXCOUNT min max, when not rev
	}{
		{name: "all", x: equal, min: "-", max: "+", count: -1, want: "a b c d e", wantCount: 5},
		{name: "limit negative offset", x: equal, min: "-", max: "+", offset: -1, count: 2, want: "", wantCount: 5},
		{name: "limit negative count", x: equal, min: "-", max: "+", offset: 1, count: -1, want: "b c d e", wantCount: 5},
		{name: "limit zero", x: equal, min: "-", max: "+", offset: 1, count: 0, want: "", wantCount: 5},
		{name: "limit past end", x: equal, min: "-", max: "+", offset: 10, count: 1, want: "", wantCount: 5},
		{name: "plus to minus", x: equal, min: "+", max: "-", count: -1, want: ""},
		{name: "minus to minus", x: equal, min: "-", max: "-", count: -1, want: ""},
		{name: "plus to plus", x: equal, min: "+", max: "+", count: -1, want: ""},
		{name: "point", x: equal, min: "[a", max: "[a", count: -1, want: "a", wantCount: 1},
		{name: "empty point", x: equal, min: "(a", max: "[a", count: -1, want: ""},
		{name: "empty string inclusive", x: equal, min: "[", max: "+", count: -1, want: "a b c d e", wantCount: 5},
		{name: "empty string exclusive", x: equal, min: "(", max: "+", count: -1, want: "a b c d e", wantCount: 5},
		{name: "half open", x: equal, min: "[b", max: "(d", count: -1, want: "b c", wantCount: 2},
		{name: "exclusive min", x: equal, min: "(b", max: "[d", count: -1, want: "c d", wantCount: 2},
		{name: "exclusive min rev", x: equal, min: "(b", max: "[d", rev: true, count: -1, want: "d c"},
		{name: "rev half open", x: equal, min: "[b", max: "(d", rev: true, count: -1, want: "c b"},
		{name: "rev limit", x: equal, min: "-", max: "+", rev: true, offset: 1, count: 2, want: "d c"},
		{name: "between members", x: equal, min: "(bb", max: "[cc", count: -1, want: "c", wantCount: 1},
		{name: "mixed", x: mixed, min: "[b", max: "[d", count: -1, want: "c a", wantCount: 2},
		{name: "mixed first above max", x: mixed, min: "-", max: "(c", count: -1, want: ""},
		{name: "mixed rev", x: mixed, min: "[b", max: "[d", rev: true, count: -1, want: "d b e"},
		{name: "mixed from c", x: mixed, min: "[c", max: "+", count: -1, want: "c a e b d", wantCount: 5},
		{name: "mixed limit", x: mixed, min: "(a", max: "+", offset: 2, count: 10, want: "e b d", wantCount: 5},
		{name: "mixed rev limit", x: mixed, min: "-", max: "+", rev: true, offset: 1, count: 2, want: "b e"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := lex(t, tc.min, tc.max)
			if got := members(tc.x.RangeByLex(nil, r, tc.rev, tc.offset, tc.count)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if n := tc.x.CountByLex(r); !tc.rev && n != tc.wantCount {
				t.Errorf("count %d, want %d", n, tc.wantCount)
			}
		})
	}
}

func TestZIndex_pop(t *testing.T) {
	t.Parallel()
	x := abcde()
	if got := members(x.PopMin(nil, 2)); got != "a b" {
		t.Errorf("PopMin %q", got)
	}
	if got := members(x.PopMax(nil, 2)); got != "e d" {
		t.Errorf("PopMax %q", got)
	}
	if got := members(x.PopMax(nil, 5)); got != "c" || x.Len() != 0 {
		t.Errorf("PopMax past end %q, %d left", got, x.Len())
	}
	mustCheck(t, x)
	if got := x.PopMin(nil, 1); len(got) != 0 {
		t.Errorf("PopMin of empty %v", got)
	}
}

// TestZIndex_sortedLoads checks the uneven splits of ascending and
// descending loads: full leaves, and the tree still valid when the load is
// then deleted in another order.
func TestZIndex_sortedLoads(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		sign   float64
		fanout int
	}{
		{name: "ascending", sign: 1},
		{name: "descending", sign: -1},
		{name: "ascending deep", sign: 1, fanout: 8},
		{name: "descending deep", sign: -1, fanout: 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := ZIndex{fanout: tc.fanout}
			const n = 20000
			for i := range n {
				x.Set(fmt.Sprint(i), tc.sign*float64(i))
			}
			mustCheck(t, &x)
			leaves := 0
			for l := x.first; l != nil; l = l.next {
				leaves++
			}
			if leaves > n/x.fan()+2 {
				t.Errorf("%d leaves for %d entries", leaves, n)
			}
			for i := 0; i < n; i += 2 {
				x.Delete(fmt.Sprint(i))
			}
			mustCheck(t, &x)
			for i := 1; i < n; i += 2 {
				x.Delete(fmt.Sprint(i))
			}
			mustCheck(t, &x)
			if x.Len() != 0 || x.root.size() != 0 {
				t.Errorf("not empty")
			}
		})
	}
}

// model is the oracle: the (member, score) pairs, sorted on demand.
type model map[string]float64

func (m model) sorted() []ZEntry {
	es := make([]ZEntry, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		es = append(es, ZEntry{Member: k, Score: m[k]})
	}
	slices.SortStableFunc(es, cmpEntry)
	return es
}

// limit applies LIMIT offset count to es.
func limit(es []ZEntry, offset, count int) []ZEntry {
	if offset < 0 || offset >= len(es) {
		return nil
	}
	es = es[offset:]
	if count >= 0 && count < len(es) {
		es = es[:count]
	}
	return es
}

func modelByScore(es []ZEntry, r ScoreRange, rev bool, offset, count int) []ZEntry {
	var in []ZEntry
	for _, e := range es {
		if (e.Score > r.Min || e.Score == r.Min && !r.MinEx) && (e.Score < r.Max || e.Score == r.Max && !r.MaxEx) {
			in = append(in, e)
		}
	}
	if rev {
		slices.Reverse(in)
	}
	return limit(in, offset, count)
}

// lexKey splits a bound into its infinity and its value.
func lexKey(b LexBound) (inf int, v string) { return b.Inf, b.Value }

// modelGteMin and modelLteMax restate zslLexValueGteMin/LteMax.
func modelGteMin(r LexRange, m string) bool {
	switch inf, v := lexKey(r.Min); {
	case inf < 0:
		return true
	case inf > 0:
		return false
	case r.Min.Ex:
		return m > v
	default:
		return m >= v
	}
}

func modelLteMax(r LexRange, m string) bool {
	switch inf, v := lexKey(r.Max); {
	case inf < 0:
		return false
	case inf > 0:
		return true
	case r.Max.Ex:
		return m < v
	default:
		return m <= v
	}
}

// modelLexEmpty restates zslIsInLexRange's test for ranges that are
// always empty.
func modelLexEmpty(r LexRange) bool {
	lo, lv := lexKey(r.Min)
	hi, hv := lexKey(r.Max)
	switch {
	case lo == hi && lo != 0 || lo == 0 && hi == 0 && lv == hv:
		return r.Min.Ex || r.Max.Ex
	case lo > 0 || hi < 0:
		return true
	case lo < 0 || hi > 0:
		return false
	}
	return lv > hv
}

// modelByLex follows t_zset.c's listpack code (zzlFirstInLexRange,
// zzlLastInLexRange, genericZrangebylexCommand) line by line.
func modelByLex(es []ZEntry, r LexRange, rev bool, offset, count int) []ZEntry {
	gte := func(m string) bool { return modelGteMin(r, m) }
	lte := func(m string) bool { return modelLteMax(r, m) }
	if len(es) == 0 || modelLexEmpty(r) || !gte(es[len(es)-1].Member) || !lte(es[0].Member) || offset < 0 {
		return nil
	}
	i, step, in, out := 0, 1, gte, lte
	if rev {
		i, step, in, out = len(es)-1, -1, lte, gte
	}
	for i >= 0 && i < len(es) && !in(es[i].Member) {
		i += step
	}
	if i < 0 || i >= len(es) || !out(es[i].Member) {
		return nil
	}
	var res []ZEntry
	for i += step * offset; i >= 0 && i < len(es) && count != 0 && out(es[i].Member); i += step {
		res = append(res, es[i])
		count--
	}
	return res
}

func modelByRank(es []ZEntry, start, stop int, rev bool) []ZEntry {
	n := len(es)
	if start < 0 {
		start += n
	}
	if stop < 0 {
		stop += n
	}
	start = max(start, 0)
	if start > stop || start >= n {
		return nil
	}
	stop = min(stop, n-1)
	if rev {
		es = slices.Clone(es)
		slices.Reverse(es)
	}
	return es[start : stop+1]
}

func sameEntries(a, b []ZEntry) bool {
	return slices.EqualFunc(a, b, func(x, y ZEntry) bool {
		return x.Member == y.Member && math.Float64bits(x.Score) == math.Float64bits(y.Score)
	})
}

// oracle draws scores and members from small pools so that equal scores,
// -0 next to +0, infinities and repeated members are common.
type oracle struct {
	r       *rand.Rand
	members int
	scores  []float64
}

func (o *oracle) member() string { return fmt.Sprintf("m%03d", o.r.IntN(o.members)) }
func (o *oracle) score() float64 { return o.scores[o.r.IntN(len(o.scores))] }

func (o *oracle) lexBound() LexBound {
	switch o.r.IntN(6) {
	case 0:
		return LexBound{Ex: true, Inf: -1}
	case 1:
		return LexBound{Ex: true, Inf: 1}
	}
	v := o.member()
	if o.r.IntN(3) == 0 {
		v = v[:o.r.IntN(len(v)+1)] // a prefix, between members
	}
	return LexBound{Value: v, Ex: o.r.IntN(2) == 0}
}

// compare checks a batch of random queries against the model.
func (o *oracle) compare(t *testing.T, x *ZIndex, m model, queries int) {
	t.Helper()
	mustCheck(t, x)
	es := m.sorted()
	if got := x.RangeByRank(nil, 0, -1, false); !sameEntries(got, es) {
		t.Fatalf("contents differ:\n got %v\nwant %v", got, es)
	}
	n := len(es)
	for range queries {
		rev := o.r.IntN(2) == 0
		offset, count := o.r.IntN(4)-1, o.r.IntN(n+3)-1
		if n > 0 {
			i := o.r.IntN(n)
			if r, _ := x.Rank(es[i].Member, rev); rev && r != n-1-i || !rev && r != i {
				t.Fatalf("Rank(%q, %v) = %d, index %d of %d", es[i].Member, rev, r, i, n)
			}
			if e, _ := x.ByRank(i); e != es[i] {
				t.Fatalf("ByRank(%d) = %v, want %v", i, e, es[i])
			}
		}
		start, stop := o.r.IntN(2*n+3)-n-1, o.r.IntN(2*n+3)-n-1
		if got, want := x.RangeByRank(nil, start, stop, rev), modelByRank(es, start, stop, rev); !sameEntries(got, want) {
			t.Fatalf("RangeByRank(%d, %d, %v) = %v, want %v", start, stop, rev, got, want)
		}
		sr := ScoreRange{Min: o.score(), Max: o.score(), MinEx: o.r.IntN(2) == 0, MaxEx: o.r.IntN(2) == 0}
		if got, want := x.RangeByScore(nil, sr, rev, offset, count), modelByScore(es, sr, rev, offset, count); !sameEntries(got, want) {
			t.Fatalf("RangeByScore(%+v, %v, %d, %d) = %v, want %v", sr, rev, offset, count, got, want)
		}
		if got, want := x.CountByScore(sr), len(modelByScore(es, sr, false, 0, -1)); got != want {
			t.Fatalf("CountByScore(%+v) = %d, want %d", sr, got, want)
		}
		lr := LexRange{Min: o.lexBound(), Max: o.lexBound()}
		if got, want := x.RangeByLex(nil, lr, rev, offset, count), modelByLex(es, lr, rev, offset, count); !sameEntries(got, want) {
			t.Fatalf("RangeByLex(%+v, %v, %d, %d) = %v, want %v", lr, rev, offset, count, got, want)
		}
		if got, want := x.CountByLex(lr), len(modelByLex(es, lr, false, 0, -1)); got != want {
			t.Fatalf("CountByLex(%+v) = %d, want %d", lr, got, want)
		}
	}
}

// step applies one random operation to both the index and the model.
// While shrinking, most operations delete a present member.
func (o *oracle) step(t *testing.T, x *ZIndex, m model, shrink bool) {
	t.Helper()
	if shrink && x.Len() > 0 && o.r.IntN(5) > 0 {
		e, _ := x.ByRank(o.r.IntN(x.Len()))
		if _, had := m[e.Member]; !had || !x.Delete(e.Member) {
			t.Fatalf("ByRank gave %q, model has it: %v", e.Member, had)
		}
		delete(m, e.Member)
		return
	}
	switch k := o.r.IntN(40); {
	case k < 22:
		mem, s := o.member(), o.score()
		_, had := m[mem]
		if added := x.Set(mem, s); added == had {
			t.Fatalf("Set(%q) added=%v, model had=%v", mem, added, had)
		}
		m[mem] = s
	case k < 38:
		mem := o.member()
		_, had := m[mem]
		if x.Delete(mem) != had {
			t.Fatalf("Delete(%q) disagrees", mem)
		}
		delete(m, mem)
	default:
		high, n := k == 39, o.r.IntN(4)
		var want []ZEntry
		for range min(n, len(m)) {
			e := m.extreme(high)
			want = append(want, e)
			delete(m, e.Member)
		}
		var got []ZEntry
		if high {
			got = x.PopMax(nil, n)
		} else {
			got = x.PopMin(nil, n)
		}
		if !sameEntries(got, want) {
			t.Fatalf("pop(%d, high=%v) = %v, want %v", n, high, got, want)
		}
	}
}

// extreme returns the lowest entry, or the highest, by linear search.
func (m model) extreme(high bool) ZEntry {
	var best ZEntry
	first := true
	for k, s := range m {
		e := ZEntry{Member: k, Score: s}
		if c := cmpEntry(e, best); first || high && c > 0 || !high && c < 0 {
			best, first = e, false
		}
	}
	return best
}

var oracleScores = []float64{math.Inf(-1), -2.5, -1, negZero, 0, 5e-324, 1, 1, 2.5, 1e300, math.Inf(1)}

func TestZIndex_oracle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		fanout         int // 0: the default
		members        int
		scores         []float64
		steps, every   int
		queriesPerStep int
	}{
		{name: "small mixed", members: 40, scores: oracleScores, steps: 10000, every: 1, queriesPerStep: 3},
		{name: "small mixed deep", fanout: 8, members: 60, scores: oracleScores, steps: 20000, every: 1, queriesPerStep: 3},
		{name: "small equal scores deep", fanout: 8, members: 60, scores: []float64{0, negZero}, steps: 10000, every: 1, queriesPerStep: 3},
		{name: "mixed deep", fanout: 8, members: 5000, scores: oracleScores, steps: 30000, every: 1000, queriesPerStep: 40},
		{name: "equal scores deep", fanout: 8, members: 5000, scores: []float64{7}, steps: 20000, every: 1000, queriesPerStep: 40},
		{name: "distinct deep", fanout: 8, members: 5000, scores: distinctScores(3000), steps: 20000, every: 1000, queriesPerStep: 40},
		{name: "mixed", members: 20000, scores: oracleScores, steps: 40000, every: 4000, queriesPerStep: 60},
		{name: "distinct", members: 20000, scores: distinctScores(5000), steps: 40000, every: 4000, queriesPerStep: 60},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := &oracle{r: rand.New(rand.NewPCG(uint64(i), 42)), members: tc.members, scores: tc.scores}
			x := ZIndex{fanout: tc.fanout}
			m := model{}
			for s := range tc.steps {
				o.step(t, &x, m, s/(tc.steps/4)%2 == 1) // grow, shrink, grow, shrink
				if s%tc.every == 0 {
					o.compare(t, &x, m, tc.queriesPerStep)
				}
			}
			o.compare(t, &x, m, tc.queriesPerStep)
		})
	}
}

func distinctScores(n int) []float64 {
	r := rand.New(rand.NewPCG(7, 7))
	s := make([]float64, n)
	for i := range s {
		s[i] = r.NormFloat64() * 1000
	}
	return append(s, oracleScores...)
}

// TestZIndex_innerRebalance drives the one path random loads rarely take:
// an underfull inner node refilled from a fuller left sibling.
func TestZIndex_innerRebalance(t *testing.T) {
	t.Parallel()
	x := ZIndex{fanout: 8}
	m := model{}
	set := func(s float64) {
		k := fmt.Sprintf("%08d", int(s))
		x.Set(k, s)
		m[k] = s
	}
	for i := range 2 * x.fan() * x.fan() {
		set(float64(2 * i))
	}
	if x.root.leaf() || len(x.root.kids) < 3 {
		t.Fatalf("tree too shallow: %d kids at the root", len(x.root.kids))
	}
	// Grow the second-to-last inner node with odd scores in its range.
	n := len(x.root.kids)
	lo, hi := x.root.scores[n-2], x.root.scores[n-1]
	for s := lo + 1; s < hi && len(x.root.kids[n-2].kids) < x.fan()-1; s += 2 {
		set(s)
	}
	if len(x.root.kids) != n {
		t.Fatalf("root changed shape")
	}
	// Empty the last inner node from the top.
	for _, e := range slices.Backward(m.sorted()) {
		if e.Score < hi {
			break
		}
		x.Delete(e.Member)
		delete(m, e.Member)
		mustCheck(t, &x)
	}
	if got, want := x.RangeByRank(nil, 0, -1, false), m.sorted(); !sameEntries(got, want) {
		t.Fatal("contents differ after draining")
	}
}

// zLess is Redis's sorted-set order, restated for the checks.
func zLess(a, b ZEntry) bool {
	return a.Score < b.Score || a.Score == b.Score && a.Member < b.Member
}
