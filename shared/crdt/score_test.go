package crdt_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"lattice/shared/crdt"
)

// Expected values come from redis-server 7.0.15 (ZADD then ZSCORE in a
// skiplist-encoded set, over RESP2 and RESP3) and from glibc's strtod and
// printf("%.17g"). The same rules were also checked outside the test suite
// on 20,000 generated literals against glibc strtod, 6,000 of them against
// redis-server's ZADD, ZSCORE and ZCOUNT, and 200,000 random doubles against
// glibc's "%.17g", with no difference.

var negZero = math.Copysign(0, -1)

func sameFloat(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

func TestParseScore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want float64
		ok   bool
	}{
		{name: "decimal", in: "1.5", want: 1.5, ok: true},
		{name: "tenth", in: "0.1", want: 0.1, ok: true},
		{name: "exponent", in: "1e20", want: 1e20, ok: true},
		{name: "signed exponent", in: "-.5e1", want: -5, ok: true},
		{name: "leading dot", in: ".5", want: 0.5, ok: true},
		{name: "trailing dot", in: "5.", want: 5, ok: true},
		{name: "plus", in: "+.5", want: 0.5, ok: true},
		{name: "leading zeros", in: "00012", want: 12, ok: true},
		{name: "negative zero", in: "-0", want: negZero, ok: true},
		{name: "zero with huge exponent", in: "0e-999", want: 0, ok: true},
		{name: "hex", in: "0x10", want: 16, ok: true},
		{name: "hex exponent", in: "0x1p3", want: 8, ok: true},
		{name: "hex fraction", in: "0X1.8P1", want: 3, ok: true},
		{name: "inf", in: "inf", want: math.Inf(1), ok: true},
		{name: "plus inf", in: "+inf", want: math.Inf(1), ok: true},
		{name: "minus infinity", in: "-Infinity", want: math.Inf(-1), ok: true},
		{name: "upper inf", in: "INF", want: math.Inf(1), ok: true},
		{name: "max", in: "1.7976931348623157e308", want: math.MaxFloat64, ok: true},
		{name: "max rounded down", in: "1.7976931348623158e308", want: math.MaxFloat64, ok: true},
		{name: "smallest subnormal", in: "5e-324", want: 5e-324, ok: true},
		{name: "rounds up to smallest subnormal", in: "2.4703282292062328e-324", want: 5e-324, ok: true},
		{name: "hex smallest subnormal", in: "0x1p-1074", want: 5e-324, ok: true},
		{name: "subnormal", in: "1e-320", want: 1e-320, ok: true},
		{name: "many leading fraction zeros", in: "0." + strings.Repeat("0", 20000) + "1e20005", want: 1e4, ok: true},
		{name: "many integer digits", in: "1" + strings.Repeat("0", 20000) + "e-20000", want: 1, ok: true},
		{name: "overflow", in: "1.7976931348623159e308"},
		{name: "overflow exponent", in: "1e400"},
		{name: "negative overflow", in: "-1e309"},
		{name: "underflow", in: "1e-400"},
		{name: "negative underflow", in: "-1e-400"},
		{name: "half smallest subnormal", in: "2.4703282292062327e-324"},
		{name: "hex underflow", in: "0x1p-1075"},
		{name: "nan", in: "nan"},
		{name: "negative nan", in: "-nan"},
		{name: "nan payload", in: "NaN(123)"},
		{name: "underscore", in: "1_0"},
		{name: "comma", in: "1,5"},
		{name: "leading space", in: " 1"},
		{name: "leading tab", in: "\t1"},
		{name: "trailing space", in: "1 "},
		{name: "trailing NUL", in: "1\x00"},
		{name: "empty", in: ""},
		{name: "bare exponent", in: "1e"},
		{name: "signed bare exponent", in: "1e+"},
		{name: "no mantissa", in: "e5"},
		{name: "dot", in: "."},
		{name: "signs", in: "+-"},
		{name: "hex prefix only", in: "0x"},
		{name: "hex bare exponent", in: "0x1p"},
		{name: "truncated infinity", in: "infinit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := crdt.ParseScore([]byte(tc.in))
			if ok != tc.ok || ok && !sameFloat(got, tc.want) {
				t.Errorf("ParseScore(%.40q) = %v %v, want %v %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestParseScoreRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		bound string
		want  float64
		ex    bool
		ok    bool
	}{
		{name: "inclusive", bound: "1", want: 1, ok: true},
		{name: "exclusive", bound: "(1", want: 1, ex: true, ok: true},
		{name: "exclusive infinity", bound: "(-inf", want: math.Inf(-1), ex: true, ok: true},
		{name: "empty is zero", bound: "", want: 0, ok: true},
		{name: "paren alone is zero", bound: "(", want: 0, ex: true, ok: true},
		{name: "leading space skipped", bound: " 1", want: 1, ok: true},
		{name: "leading tab skipped", bound: "\t1", want: 1, ok: true},
		{name: "space after paren", bound: "( 1", want: 1, ex: true, ok: true},
		{name: "overflow is infinity", bound: "1e400", want: math.Inf(1), ok: true},
		{name: "negative overflow", bound: "-1e400", want: math.Inf(-1), ok: true},
		{name: "underflow is zero", bound: "1e-400", want: 0, ok: true},
		{name: "ends at NUL", bound: "1\x00abc", want: 1, ok: true},
		{name: "NUL first", bound: "\x00abc", want: 0, ok: true},
		{name: "hex", bound: "0x1", want: 1, ok: true},
		{name: "infinity", bound: "infinity", want: math.Inf(1), ok: true},
		{name: "trailing space", bound: "1 "},
		{name: "space only", bound: " "},
		{name: "nan", bound: "nan"},
		{name: "exclusive nan", bound: "(nan"},
		{name: "bracket", bound: "[1"},
		{name: "lex minus", bound: "-"},
		{name: "double paren", bound: "((1"},
		{name: "word", bound: "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := crdt.ParseScoreRange([]byte(tc.bound), []byte("+inf"))
			if ok != tc.ok || ok && (!sameFloat(r.Min, tc.want) || r.MinEx != tc.ex) {
				t.Errorf("min %q: got %+v %v, want %v ex=%v %v", tc.bound, r, ok, tc.want, tc.ex, tc.ok)
			}
			r, ok = crdt.ParseScoreRange([]byte("-inf"), []byte(tc.bound))
			if ok != tc.ok || ok && (!sameFloat(r.Max, tc.want) || r.MaxEx != tc.ex) {
				t.Errorf("max %q: got %+v %v, want %v ex=%v %v", tc.bound, r, ok, tc.want, tc.ex, tc.ok)
			}
		})
	}
}

func TestAppendScore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   float64
		want string
	}{
		{name: "one and a half", in: 1.5, want: "1.5"},
		{name: "tenth", in: 0.1, want: "0.10000000000000001"},
		{name: "binary sum", in: 0.30000000000000004, want: "0.30000000000000004"},
		{name: "integer", in: 3, want: "3"},
		{name: "negative", in: -7.25, want: "-7.25"},
		{name: "1e15", in: 1e15, want: "1000000000000000"},
		{name: "1e16", in: 1e16, want: "10000000000000000"},
		{name: "1e17", in: 1e17, want: "1e+17"},
		{name: "1e20", in: 1e20, want: "1e+20"},
		{name: "18 digits", in: 123456789012345678, want: "1.2345678901234568e+17"},
		{name: "20 digits", in: 12345678901234567890, want: "1.2345678901234567e+19"},
		{name: "2^53+1", in: 9007199254740993, want: "9007199254740992"},
		{name: "half-integer", in: 4503599627370495.5, want: "4503599627370495.5"},
		{name: "1e-4", in: 0.0001, want: "0.0001"},
		{name: "1e-5", in: 1e-5, want: "1.0000000000000001e-05"},
		{name: "1e-300", in: 1e-300, want: "1e-300"},
		{name: "smallest subnormal", in: 5e-324, want: "4.9406564584124654e-324"},
		{name: "two smallest subnormals", in: 1e-323, want: "9.8813129168249309e-324"},
		{name: "subnormal", in: 1e-320, want: "9.9998886718268301e-321"},
		{name: "trailing zero dropped", in: 1.999977734365366e-320, want: "1.999977734365366e-320"},
		{name: "smallest normal", in: 2.2250738585072014e-308, want: "2.2250738585072014e-308"},
		{name: "max", in: math.MaxFloat64, want: "1.7976931348623157e+308"},
		{name: "zero", in: 0, want: "0"},
		{name: "negative zero", in: negZero, want: "-0"},
		{name: "inf", in: math.Inf(1), want: "inf"},
		{name: "minus inf", in: math.Inf(-1), want: "-inf"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(crdt.AppendScore([]byte("x"), tc.in)); got != "x"+tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// printfG is an independent "%.17g": big.Float's exact decimal rounding,
// then C's choice between fixed and exponent notation.
func printfG(f float64) string {
	s := new(big.Float).SetFloat64(f).Text('e', 16) // d.dddddddddddddddde±XX
	mant, exp, _ := strings.Cut(s, "e")
	x, _ := strconv.Atoi(exp)
	neg := strings.HasPrefix(mant, "-")
	digits := strings.TrimRight(strings.Replace(strings.TrimPrefix(mant, "-"), ".", "", 1), "0")
	var out string
	switch {
	case f == 0:
		out = "0"
	case x < -4 || x >= 17:
		out = digits[:1]
		if len(digits) > 1 {
			out += "." + digits[1:]
		}
		sign := "+"
		if x < 0 {
			sign, x = "-", -x
		}
		out += "e" + sign
		if x < 10 {
			out += "0"
		}
		out += strconv.Itoa(x)
	case x < 0:
		out = "0." + strings.Repeat("0", -x-1) + digits
	case len(digits) <= x+1:
		out = digits + strings.Repeat("0", x+1-len(digits))
	default:
		out = digits[:x+1] + "." + digits[x+1:]
	}
	if neg {
		out = "-" + out
	}
	return out
}

// randomFloat draws finite doubles from every binade, subnormals and
// integers included.
func randomFloat(r *rand.Rand) float64 {
	for {
		var f float64
		switch r.IntN(4) {
		case 0:
			f = math.Float64frombits(r.Uint64() & (1<<52 - 1)) // subnormal
		case 1:
			f = float64(r.Int64N(1<<40)-1<<39) / float64(int64(1)<<r.IntN(30))
		default:
			f = math.Float64frombits(r.Uint64())
		}
		if !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	}
}

func TestAppendScore_random(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		f := randomFloat(r)
		if got, want := string(crdt.AppendScore(nil, f)), printfG(f); got != want {
			t.Fatalf("AppendScore(%b) = %s, want %s", f, got, want)
		}
	}
}

func TestAddScore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		cur, incr float64
		want      float64
		ok        bool
	}{
		{name: "plain", cur: 1.5, incr: 2, want: 3.5, ok: true},
		{name: "binary rounding", cur: 0.1, incr: 0.2, want: 0.30000000000000004, ok: true},
		{name: "to infinity", cur: math.MaxFloat64, incr: math.MaxFloat64, want: math.Inf(1), ok: true},
		{name: "from infinity", cur: math.Inf(-1), incr: 1, want: math.Inf(-1), ok: true},
		{name: "negative zeros", cur: negZero, incr: negZero, want: negZero, ok: true},
		{name: "zero and negative zero", cur: 0, incr: negZero, want: 0, ok: true},
		{name: "opposite infinities", cur: math.Inf(1), incr: math.Inf(-1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := crdt.AddScore(tc.cur, tc.incr)
			if ok != tc.ok || ok && !sameFloat(got, tc.want) {
				t.Errorf("got %v %v, want %v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// ratOf returns the exact value of a decimal string.
func ratOf(t *testing.T, s string) *big.Rat {
	t.Helper()
	q, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("not a number: %q", s)
	}
	return q
}

func TestExactDecimalOfFloat64(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   float64
		want string
	}{
		{name: "zero", in: 0, want: "0"},
		{name: "negative zero", in: negZero, want: "0"},
		{name: "one and a half", in: 1.5, want: "1.5"},
		{name: "negative integer", in: -2, want: "-2"},
		{name: "tenth", in: 0.1, want: "0.1000000000000000055511151231257827021181583404541015625"},
		{name: "1e20", in: 1e20, want: "100000000000000000000"},
		{name: "2^70", in: 0x1p70, want: "1180591620717411303424"},
		{name: "max", in: math.MaxFloat64, want: "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := crdt.ExactDecimalOfFloat64(tc.in).String(); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	t.Run("smallest subnormal", func(t *testing.T) {
		s := crdt.ExactDecimalOfFloat64(5e-324).String()
		if !strings.HasPrefix(s, "0."+strings.Repeat("0", 323)+"49406564584124654417656879286822137236505980") ||
			!strings.HasSuffix(s, "5625") || len(s) != 2+1074 {
			t.Errorf("got %s", s)
		}
	})
	t.Run("random", func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for range 10000 {
			f := randomFloat(r)
			got := ratOf(t, crdt.ExactDecimalOfFloat64(f).String())
			if want := new(big.Rat).SetFloat64(f); got.Cmp(want) != 0 {
				t.Fatalf("ExactDecimalOfFloat64(%b) = %s, want %s", f, got.FloatString(30), want.FloatString(30))
			}
		}
	})
	for _, f := range []float64{math.Inf(1), math.Inf(-1), math.NaN()} {
		t.Run("panics on "+strconv.FormatFloat(f, 'g', -1, 64), func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			crdt.ExactDecimalOfFloat64(f)
		})
	}
}

func decimal(t *testing.T, s string) crdt.Decimal {
	t.Helper()
	d, ok := crdt.ParseDecimal(s)
	if !ok {
		t.Fatalf("bad decimal %q", s)
	}
	return d
}

// decimalOfRat writes q, whose denominator is a power of two, exactly.
func decimalOfRat(t *testing.T, q *big.Rat) crdt.Decimal {
	t.Helper()
	return decimal(t, q.FloatString(q.Denom().BitLen()))
}

// midpoint returns the exact decimal halfway between f and the next double up.
func midpoint(t *testing.T, f float64) crdt.Decimal {
	t.Helper()
	a, b := new(big.Rat).SetFloat64(f), new(big.Rat)
	if next := math.Nextafter(f, math.Inf(1)); math.IsInf(next, 1) {
		b.SetInt(new(big.Int).Lsh(big.NewInt(1), 1024))
	} else {
		b.SetFloat64(next)
	}
	mid := a.Add(a, b)
	return decimalOfRat(t, mid.Quo(mid, big.NewRat(2, 1)))
}

// nudge returns d moved by one unit in its 1100th fractional digit.
func nudge(t *testing.T, d crdt.Decimal, up bool) crdt.Decimal {
	t.Helper()
	e := decimal(t, "0."+strings.Repeat("0", 1099)+"1")
	if up {
		return d.Add(e)
	}
	return d.Sub(e)
}

func TestFloat64OfDecimal(t *testing.T) {
	t.Parallel()
	next := func(f float64) float64 { return math.Nextafter(f, math.Inf(1)) }
	tests := []struct {
		name string
		in   crdt.Decimal
		want float64
	}{
		{name: "zero", in: decimal(t, "0"), want: 0},
		{name: "tenth", in: decimal(t, "0.1"), want: 0.1},
		{name: "fast path limit", in: decimal(t, "9007199254740993"), want: 9007199254740992},
		{name: "long integer", in: decimal(t, "123456789012345678901234567890"), want: 123456789012345678901234567890},
		{name: "negative", in: decimal(t, "-2.5"), want: -2.5},
		{name: "tie to even down", in: midpoint(t, 1), want: 1},
		{name: "tie to even up", in: midpoint(t, next(1)), want: next(next(1))},
		{name: "above tie", in: nudge(t, midpoint(t, 1), true), want: next(1)},
		{name: "below tie", in: nudge(t, midpoint(t, next(1)), false), want: next(1)},
		{name: "tie beyond max overflows", in: midpoint(t, math.MaxFloat64), want: math.Inf(1)},
		{name: "below overflow tie", in: nudge(t, midpoint(t, math.MaxFloat64), false), want: math.MaxFloat64},
		{name: "negative overflow", in: decimal(t, "-1"+strings.Repeat("0", 400)), want: math.Inf(-1)},
		{name: "half smallest subnormal", in: midpoint(t, 0), want: 0},
		{name: "above half smallest subnormal", in: nudge(t, midpoint(t, 0), true), want: 5e-324},
		{name: "tiny", in: decimal(t, "0."+strings.Repeat("0", 400)+"1"), want: 0},
		{name: "subnormal tie", in: midpoint(t, 5e-324), want: 1e-323},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := crdt.Float64OfDecimal(tc.in); !sameFloat(got, tc.want) {
				t.Errorf("Float64OfDecimal(%.60s) = %v, want %v", tc.in.String(), got, tc.want)
			}
		})
	}
	r := rand.New(rand.NewPCG(5, 6))
	t.Run("round trip", func(t *testing.T) {
		for range 20000 {
			f := randomFloat(r)
			if f == 0 {
				f = 0 // -0 comes back as +0
			}
			if got := crdt.Float64OfDecimal(crdt.ExactDecimalOfFloat64(f)); !sameFloat(got, f) {
				t.Fatalf("round trip of %b gave %b", f, got)
			}
		}
	})
	t.Run("random midpoints", func(t *testing.T) {
		for range 1000 {
			f := math.Abs(randomFloat(r))
			n := next(f)
			even := f
			if math.Float64bits(f)&1 == 1 {
				even = n
			}
			mid := midpoint(t, f)
			for _, c := range []struct {
				d    crdt.Decimal
				want float64
			}{{d: mid, want: even}, {d: nudge(t, mid, false), want: f}, {d: nudge(t, mid, true), want: n}} {
				if got := crdt.Float64OfDecimal(c.d); !sameFloat(got, c.want) {
					t.Fatalf("near the midpoint after %b: got %b, want %b", f, got, c.want)
				}
			}
		}
	})
	t.Run("random decimals", func(t *testing.T) {
		for range 5000 {
			s := strconv.FormatUint(r.Uint64()>>r.IntN(64), 10) + strings.Repeat("0", r.IntN(3)*r.IntN(150))
			if k := r.IntN(len(s) + 400); k > 0 {
				s = strings.Repeat("0", k) + s
				s = s[:len(s)-k] + "." + s[len(s)-k:]
			}
			if r.IntN(2) == 0 {
				s = "-" + s
			}
			want, _ := ratOf(t, s).Float64()
			if got := crdt.Float64OfDecimal(decimal(t, s)); !sameFloat(got, want) && !(got == 0 && want == 0) {
				t.Fatalf("Float64OfDecimal(%s) = %v, want %v", s, got, want)
			}
		}
	})
}

// TestScore_counter checks the bridge the engine relies on: ZINCRBY
// recorded as the exact decimal difference of the float64 scores.
// Reference: redis-active-active.md sections 6.4 and 6.5.
func TestScore_counter(t *testing.T) {
	t.Parallel()
	exact := crdt.ExactDecimalOfFloat64
	incr := func(cur, by float64) (float64, crdt.Decimal) {
		next, ok := crdt.AddScore(cur, by)
		if !ok {
			t.Fatalf("%v + %v is NaN", cur, by)
		}
		return next, exact(next).Sub(exact(cur))
	}
	t.Run("one replica telescopes", func(t *testing.T) {
		r := rand.New(rand.NewPCG(7, 8))
		for range 200 {
			score := r.NormFloat64() * math.Pow(10, float64(r.IntN(40)-20))
			total := exact(score)
			for range 50 {
				by := r.NormFloat64() * math.Pow(10, float64(r.IntN(40)-20))
				var c crdt.Decimal
				score, c = incr(score, by)
				total = total.Add(c)
				if got := crdt.Float64OfDecimal(total); !sameFloat(got, score) && !(got == 0 && score == 0) {
					t.Fatalf("decimal total gives %v, float64 sequence %v", got, score)
				}
			}
		}
	})
	t.Run("concurrent increments add up", func(t *testing.T) {
		base, _ := crdt.ParseScore([]byte("1.1"))
		_, a := incr(base, 1)
		_, b := incr(base, 1)
		got := crdt.Float64OfDecimal(exact(base).Add(a).Add(b))
		if want := 1.1 + 1.0 + 1.0; !sameFloat(got, want) || string(crdt.AppendScore(nil, got)) != "3.1000000000000001" {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("remove keeps the unseen increment", func(t *testing.T) {
		base, _ := crdt.ParseScore([]byte("4.1"))
		_, c := incr(base, 2)
		if got := crdt.Float64OfDecimal(c); got != 2 || string(crdt.AppendScore(nil, got)) != "2" {
			t.Errorf("got %v", got)
		}
	})
}
