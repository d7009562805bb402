package compat

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// gen draws random commands over a small key, field and member space, so
// that commands collide: the same key is written as a string and read as a
// hash (WRONGTYPE), counters overflow, sets intersect.
type gen struct {
	r    *rand.Rand
	base int64 // Unix seconds at the start of the run: absolute expiries are base + offset
}

func newGen(seed uint64) *gen {
	return &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), base: time.Now().Unix()}
}

// pick returns one of the choices, uniformly.
func pick[T any](g *gen, choices ...T) T { return choices[g.r.IntN(len(choices))] }

// chance is true with probability p.
func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// Keys: mostly a handful of short names, sometimes the empty name or one
// with bytes that need escaping.
func (g *gen) key() string {
	if g.chance(0.03) {
		return pick(g, "", "bin\x00\r\n\xff", "k:1 x", "{a}")
	}
	return pick(g, "a", "b", "c", "d", "e")
}

func (g *gen) keys(min, max int) []string {
	n := min + g.r.IntN(max-min+1)
	out := make([]string, n)
	for i := range out {
		out[i] = g.key()
	}
	return out
}

func (g *gen) field() string {
	if g.chance(0.03) {
		return pick(g, "", "f\x00\n", "F1")
	}
	return pick(g, "f1", "f2", "f3", "f4", "10")
}

func (g *gen) member() string {
	if g.chance(0.03) {
		return pick(g, "", "m\x00\r\n", "M1")
	}
	// Numeric members make Redis use an intset; only the order differs.
	return pick(g, "m1", "m2", "m3", "m4", "1", "2", "-3", "100")
}

// value is a string value: often numeric, so that INCR and friends apply.
func (g *gen) value() string {
	switch g.r.IntN(10) {
	case 0, 1, 2:
		return pick(g, "v", "hello", "", "abc", " 1", "01", "0x10", "+1", "1 ", "x y")
	case 3, 4, 5:
		return pick(g, "0", "1", "-1", "10", "42", "-100", "3.5", "1e3", "-0",
			"9223372036854775807", "-9223372036854775808", "9223372036854775806", "18446744073709551616")
	case 6:
		return g.binary()
	case 7:
		return strings.Repeat(pick(g, "a", "xy", "0"), 1+g.r.IntN(200))
	default:
		return strconv.Itoa(g.r.IntN(2000) - 1000)
	}
}

func (g *gen) binary() string {
	b := make([]byte, g.r.IntN(12))
	for i := range b {
		b[i] = byte(g.r.IntN(256))
	}
	return string(b)
}

// integer is an INCRBY-style argument: small, near the int64 limits, or
// not an integer at all.
func (g *gen) integer() string {
	switch g.r.IntN(8) {
	case 0:
		return pick(g, "9223372036854775807", "-9223372036854775808", "9223372036854775806",
			"-9223372036854775807", "9223372036854775808", "4611686018427387904")
	case 1:
		return pick(g, "abc", "", "1.5", " 1", "1 ", "+1", "01", "0x1", "-0", "1e3")
	default:
		return strconv.Itoa(g.r.IntN(200) - 100)
	}
}

// float is an INCRBYFLOAT-style argument.
func (g *gen) float() string {
	switch g.r.IntN(6) {
	case 0:
		return pick(g, "inf", "-inf", "nan", "abc", "", "1e400", "0x1p3", " 1", "1.5x", "1e308", "-1e308", "5e-324")
	case 1:
		return strconv.Itoa(g.r.IntN(200) - 100)
	default:
		return strconv.FormatFloat((g.r.Float64()-0.5)*1000, 'f', g.r.IntN(6), 64)
	}
}

// index is a range or position argument (GETRANGE, SETRANGE offsets).
func (g *gen) index() string {
	switch g.r.IntN(8) {
	case 0:
		return pick(g, "abc", "", "1.5", "9223372036854775807", "-9223372036854775808", "9223372036854775808")
	case 1:
		return strconv.Itoa(g.r.IntN(400) - 200)
	default:
		return strconv.Itoa(g.r.IntN(20) - 8)
	}
}

// count is a COUNT-like argument for SPOP, SRANDMEMBER and HRANDFIELD.
// Large negative counts are left out: redis-server 7.0 builds a reply of
// that many elements until memory runs out, where the engine refuses.
func (g *gen) count() string {
	switch g.r.IntN(8) {
	case 0:
		return pick(g, "abc", "", "1.5", "-9223372036854775808", "9223372036854775807", "-0")
	default:
		return strconv.Itoa(g.r.IntN(14) - 5)
	}
}

// seconds is a relative TTL: at least 100 s ahead, so nothing expires
// during a run, or in the past (which deletes at once), or invalid. Future
// values are spread widely so that two of them are rarely equal, which
// keeps GT/LT comparisons away from the millisecond the two sides may read
// differently.
func (g *gen) seconds() string {
	switch g.r.IntN(10) {
	case 0:
		return pick(g, "0", "-1", "-100")
	case 1:
		return pick(g, "abc", "", "1.5", "9223372036854775807", "9223372036854775", "-9223372036854775808")
	default:
		return strconv.Itoa(100 + g.r.IntN(1_000_000))
	}
}

func (g *gen) millis() string {
	switch g.r.IntN(10) {
	case 0:
		return pick(g, "0", "-1", "-100000")
	case 1:
		return pick(g, "abc", "", "1.5", "9223372036854775807", "9223372036854775806", "-9223372036854775808")
	default:
		return strconv.Itoa(100_000 + g.r.IntN(1_000_000_000))
	}
}

// unixSeconds is an absolute expiry: in the future, in the past, or odd.
func (g *gen) unixSeconds() string {
	switch g.r.IntN(10) {
	case 0:
		return pick(g, "0", "1", "-1", strconv.FormatInt(g.base-1000, 10))
	case 1:
		return pick(g, "abc", "", "9223372036854775807", "9223372036854775")
	default:
		return strconv.FormatInt(g.base+100+int64(g.r.IntN(1_000_000)), 10)
	}
}

func (g *gen) unixMillis() string {
	switch g.r.IntN(10) {
	case 0:
		return pick(g, "0", "1", "-1", strconv.FormatInt((g.base-1000)*1000, 10))
	case 1:
		return pick(g, "abc", "", "9223372036854775807", "9223372036854775806")
	default:
		return strconv.FormatInt((g.base+100)*1000+int64(g.r.IntN(1_000_000_000)), 10)
	}
}

// pattern is a KEYS or MATCH glob.
func (g *gen) pattern() string {
	return pick(g, "*", "*", "a", "?", "[a-c]", "[^a]", "*[bd]*", "k:*", "\\*", "b*", "[", "[a-", "*\x00*", "", "{a}", "[!a]", "a\\")
}

// scanType is SCAN's TYPE filter.
func (g *gen) scanType() string {
	return pick(g, "string", "hash", "set", "list", "zset", "none", "STRING", "foo")
}

// cursor is 0 (compared by iterating to the end) or something Redis
// rejects, with now and then a valid non-zero cursor (shape only).
func (g *gen) cursor() string {
	if g.chance(0.85) {
		return "0"
	}
	return pick(g, "abc", "", "1.5", "18446744073709551616", "-1", "7", " 0")
}

// expireOpts draws the NX/XX/GT/LT options of the EXPIRE family, sometimes
// conflicting or unknown.
func (g *gen) expireOpts() []string {
	switch g.r.IntN(10) {
	case 0, 1, 2, 3, 4:
		return nil
	case 5:
		return []string{pick(g, "NX", "XX", "GT", "LT", "nx", "gt", "foo")}
	case 6:
		return []string{pick(g, "NX", "XX", "GT", "LT"), pick(g, "NX", "XX", "GT", "LT")}
	default:
		return []string{pick(g, "NX", "XX", "GT", "LT")}
	}
}

// setOpts draws SET's options: mostly valid, sometimes conflicting.
func (g *gen) setOpts() []string {
	var out []string
	if g.chance(0.3) {
		out = append(out, pick(g, "NX", "XX", "nx", "xx"))
	}
	if g.chance(0.2) {
		out = append(out, pick(g, "GET", "get"))
	}
	if g.chance(0.4) {
		out = append(out, g.expiry(false)...)
	}
	if g.chance(0.05) {
		g.r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		out = append(out, pick(g, "NX", "XX", "EX", "KEEPTTL", "PX", "foo", "GET", "PERSIST"))
	}
	return out
}

// expiry is one expiry option of SET (persist false) or GETEX (true).
func (g *gen) expiry(persist bool) []string {
	switch g.r.IntN(6) {
	case 0:
		return []string{pick(g, "EX", "ex"), g.seconds()}
	case 1:
		return []string{"PX", g.millis()}
	case 2:
		return []string{"EXAT", g.unixSeconds()}
	case 3:
		return []string{"PXAT", g.unixMillis()}
	}
	if persist {
		return []string{"PERSIST"}
	}
	return []string{"KEEPTTL"}
}

// fieldValues returns n field-value pairs, flattened.
func (g *gen) fieldValues(n int) []string {
	var out []string
	for range n {
		out = append(out, g.field(), g.value())
	}
	return out
}

func (g *gen) members(min, max int) []string {
	n := min + g.r.IntN(max-min+1)
	out := make([]string, n)
	for i := range out {
		out[i] = g.member()
	}
	return out
}

func flat(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, v)
		case []string:
			out = append(out, v...)
		}
	}
	return out
}
