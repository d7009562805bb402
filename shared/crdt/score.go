package crdt

import (
	"errors"
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
)

// Sorted-set scores, parsed, printed and added exactly as redis-server 7.0.15
// does it (checked against it over RESP2 and RESP3), and the exact decimal
// bridge that lets the engine keep a score in a Value: ZADD is an assignment
// and ZINCRBY a counter contribution equal to the exact difference between
// the new and the old float64 score (SEMANTICS.md A6). Contributions then
// add up exactly whatever order they arrive in, and on one replica they
// telescope back to the float64 Redis computed.
//
// Redis rules found by probing redis-server 7.0.15:
//
//   - ZADD, ZINCRBY and ZADD INCR scores (string2d): strtod must consume the
//     whole argument; no leading space; decimal or hex ("0x1p3", "0x10"),
//     "inf"/"infinity" in any case and with a sign; NaN in every spelling,
//     overflow ("1e400") and nonzero literals that round to zero ("1e-400")
//     are refused; subnormals ("5e-324") are kept. Refusal reply:
//     "ERR value is not a valid float".
//   - ZRANGEBYSCORE and ZCOUNT bounds (zslParseRange): a leading '(' makes
//     the bound exclusive; the rest is strtod over a C string, so leading
//     space is skipped, the argument ends at its first NUL byte, "" and "("
//     mean 0, overflow gives ±inf and underflow 0; only NaN and unconsumed
//     bytes are refused. Refusal reply: "ERR min or max is not a float".
//   - Replies (addReplyDouble): "inf" and "-inf" for infinities, otherwise
//     printf "%.17g": 17 significant digits, trailing zeros dropped, an
//     exponent ("1e+20", "1.0000000000000001e-05") when it is below -4 or
//     at least 17. RESP2 sends that text as a bulk string, RESP3 as a double
//     (",1e+20\r\n"); the text is the same. 1.5 -> "1.5", 0.1 ->
//     "0.10000000000000001", 1e16 -> "10000000000000000", 1e17 -> "1e+17".
//   - Negative zero prints "-0", but a set in listpack encoding (at most 128
//     members of at most 64 bytes, the default limits) stores an integral
//     score as an integer, so "-0" reads back as "0" there; a skiplist set
//     keeps "-0". ZADD INCR and ZINCRBY reply with the computed sum before it
//     is stored ("-0" on a new member), later reads give the stored score.
//   - ZINCRBY and ZADD INCR add in float64; a NaN sum (inf + -inf) is
//     refused with "ERR resulting score is not a number (NaN)" and nothing
//     changes. An infinite sum is stored.

// ScoreRange is a ZRANGEBYSCORE interval: Min and Max, each inclusive unless
// its Ex flag is set. Scores compare as float64, so -0 equals +0.
type ScoreRange struct {
	Min, Max     float64
	MinEx, MaxEx bool
}

func (r ScoreRange) gteMin(s float64) bool {
	if r.MinEx {
		return s > r.Min
	}
	return s >= r.Min
}

func (r ScoreRange) lteMax(s float64) bool {
	if r.MaxEx {
		return s < r.Max
	}
	return s <= r.Max
}

// ParseScore parses a ZADD or ZINCRBY score as Redis's string2d does. It
// reports false where Redis replies "ERR value is not a valid float".
func ParseScore(b []byte) (float64, bool) {
	f, ok, erange := strtod(string(b))
	if !ok || math.IsNaN(f) || erange {
		return 0, false
	}
	return f, true
}

// ParseScoreRange parses ZRANGEBYSCORE or ZCOUNT bounds as Redis's
// zslParseRange does. It reports false where Redis replies "ERR min or max
// is not a float".
func ParseScoreRange(min, max []byte) (ScoreRange, bool) {
	var r ScoreRange
	var ok1, ok2 bool
	r.Min, r.MinEx, ok1 = parseScoreBound(min)
	r.Max, r.MaxEx, ok2 = parseScoreBound(max)
	return r, ok1 && ok2
}

// parseScoreBound is one zslParseRange bound: "(" then strtod over the C
// string, which must stop at its end.
func parseScoreBound(b []byte) (f float64, ex, ok bool) {
	s := string(b)
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	if ex = strings.HasPrefix(s, "("); ex {
		s = s[1:]
	}
	if s == "" { // no conversion, and endptr already points at the NUL
		return 0, ex, true
	}
	f, ok, _ = strtod(strings.TrimLeft(s, " \t\n\v\f\r"))
	if !ok || math.IsNaN(f) {
		return 0, false, false
	}
	return f, ex, true
}

// strtod converts s as glibc's strtod does when it consumes all of s:
// ok is false when it would not, erange when it sets ERANGE (overflow to
// ±inf, or a nonzero literal rounded to zero). Leading space is the
// caller's business. NaN spellings report ok = false: every caller refuses
// NaN anyway.
func strtod(s string) (f float64, ok, erange bool) {
	body := s
	neg := false
	if body != "" && (body[0] == '+' || body[0] == '-') {
		neg = body[0] == '-'
		body = body[1:]
	}
	switch strings.ToLower(body) {
	case "inf", "infinity":
		return math.Inf(sign(neg)), true, false
	}
	if !strtoldSyntax(body) {
		return 0, false, false
	}
	hex := len(body) > 2 && (body[1] == 'x' || body[1] == 'X')
	digits, exp, zero := normalizeLiteral(body, hex)
	if zero {
		return math.Copysign(0, float64(sign(neg))), true, false
	}
	f = roundLiteral(digits, exp, hex)
	if neg {
		f = -f
	}
	return f, true, f == 0 || math.IsInf(f, 0)
}

func sign(neg bool) int {
	if neg {
		return -1
	}
	return 1
}

// normalizeLiteral turns a checked decimal or hex literal (no sign) into
// significant digits D (no leading or trailing zeros) and an exponent e with
// value 0.D × base^e (base 10, or 16 for hex with the binary exponent folded
// in as e counting bits). Exponents saturate far outside float64's range, so
// absurd literals ("0.<20000 zeros>1e20005") come out as strtod reads them,
// which strconv alone does not do (it caps exponents at 10000).
func normalizeLiteral(s string, hex bool) (digits string, exp int64, zero bool) {
	expChar := "eE"
	if hex {
		s, expChar = s[2:], "pP"
	}
	mant, e := s, int64(0)
	if i := strings.IndexAny(s, expChar); i >= 0 {
		mant, e = s[:i], satAtoi(s[i+1:])
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	all := strings.TrimLeft(intPart+frac, "0")
	point := int64(len(intPart)) - int64(len(intPart)+len(frac)-len(all))
	all = strings.TrimRight(all, "0")
	if all == "" {
		return "", 0, true
	}
	if hex {
		return all, sat(4*point + e), false
	}
	return all, sat(point + e), false
}

// satAtoi parses a checked exponent "[+-]digits", saturating.
func satAtoi(s string) int64 {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	var v int64
	for i := 0; i < len(s); i++ {
		v = sat(v*10 + int64(s[i]-'0'))
	}
	if neg {
		return -v
	}
	return v
}

// sat clamps an exponent to a range far wider than any float64 needs and
// narrow enough that the arithmetic above never overflows.
func sat(v int64) int64 { return max(min(v, 1<<40), -1<<40) }

// roundLiteral rounds 0.digits × base^exp to the nearest float64, ties to
// even, as glibc's strtod does (and strconv.ParseFloat, given a short
// exponent).
func roundLiteral(digits string, exp int64, hex bool) float64 {
	switch {
	case !hex && exp > 310, hex && exp > 1030:
		return math.Inf(1)
	case !hex && exp < -330, hex && exp < -1080:
		return 0
	}
	lit := "0." + digits + "e" + strconv.FormatInt(exp, 10)
	if hex {
		lit = "0x0." + digits + "p" + strconv.FormatInt(exp, 10)
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		panic("crdt: roundLiteral built an invalid literal " + lit)
	}
	return f
}

// AppendScore appends score as Redis's addReplyDouble prints it: the text
// of a RESP2 bulk string, and of a RESP3 double after its ','.
func AppendScore(dst []byte, score float64) []byte {
	switch {
	case math.IsInf(score, 1):
		return append(dst, "inf"...)
	case math.IsInf(score, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(score): // never stored; printf would say "nan"
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, score, 'g', 17, 64)
}

// AddScore returns cur + incr in float64, as ZINCRBY and ZADD INCR compute
// it. It reports false when the sum is NaN (inf + -inf), where Redis
// replies "ERR resulting score is not a number (NaN)" and changes nothing.
func AddScore(cur, incr float64) (float64, bool) {
	s := cur + incr
	return s, !math.IsNaN(s)
}

// ExactDecimalOfFloat64 returns the exact value of a finite float64: every
// one is m × 2^e, a finite decimal of at most 767 significant digits (1074
// fraction digits for the smallest subnormal). Negative zero gives 0.
// It panics on an infinite or NaN f: callers keep those out of counters.
func ExactDecimalOfFloat64(f float64) Decimal {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		panic("crdt: ExactDecimalOfFloat64 of a non-finite float64")
	}
	var d Decimal
	b := math.Float64bits(f)
	m, e := b&(1<<52-1), int((b>>52)&0x7ff)
	if e == 0 {
		e = 1 // subnormal: no implicit bit
	} else {
		m |= 1 << 52
	}
	if m == 0 {
		return d
	}
	e -= 1075
	tz := bits.TrailingZeros64(m) // make m odd so that m × 5^k has no trailing decimal zero
	m, e = m>>tz, e+tz
	d.coef.SetUint64(m)
	if e >= 0 {
		d.coef.Lsh(&d.coef, uint(e))
	} else {
		var p big.Int
		d.coef.Mul(&d.coef, p.Exp(big.NewInt(5), big.NewInt(int64(-e)), nil))
		d.scale = int32(-e)
	}
	if b>>63 != 0 {
		d.coef.Neg(&d.coef)
	}
	return d
}

// exactPow10 are the powers of ten a float64 holds exactly.
var exactPow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// Float64OfDecimal returns the float64 nearest to d, ties to even (IEEE
// round to nearest), ±Inf when |d| rounds beyond math.MaxFloat64. Zero is
// +0. Float64OfDecimal(ExactDecimalOfFloat64(f)) == f for every finite f
// but -0.
func Float64OfDecimal(d Decimal) float64 {
	if d.coef.IsInt64() && d.scale >= 0 && int(d.scale) < len(exactPow10) {
		// Clinger's fast path: both operands exact, one rounding.
		if c := d.coef.Int64(); c >= -(1<<53) && c <= 1<<53 {
			return float64(c) / exactPow10[d.scale]
		}
	}
	f, err := strconv.ParseFloat(d.String(), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		panic("crdt: Decimal.String gave an unparsable number")
	}
	return f
}
