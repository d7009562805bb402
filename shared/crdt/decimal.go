package crdt

import (
	"math/big"
	"strings"
)

// Decimal is an exact decimal number coef × 10^-scale, used for the float
// part of counters so that merged sums are exact and independent of the
// order in which contributions arrive. Its zero value is 0.
type Decimal struct {
	coef  big.Int
	scale int32
}

// ParseDecimal parses "[-]digits[.digits]" exactly. It does not accept
// exponents, hex, "inf" or surrounding space: callers convert such inputs
// through long-double arithmetic first, as Redis does.
func ParseDecimal(s string) (Decimal, bool) {
	var d Decimal
	if s == "" {
		return d, false
	}
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" && frac == "" || (hasDot && frac == "" && intPart == "") {
		return d, false
	}
	for _, p := range []string{intPart, frac} {
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return d, false
			}
		}
	}
	if _, ok := d.coef.SetString(intPart+frac+"0", 10); !ok {
		return d, false
	}
	d.coef.Quo(&d.coef, big.NewInt(10))
	d.scale = int32(len(frac))
	if neg {
		d.coef.Neg(&d.coef)
	}
	d.normalize()
	return d, true
}

// DecimalFromInt returns v as a Decimal.
func DecimalFromInt(v int64) Decimal {
	var d Decimal
	d.coef.SetInt64(v)
	return d
}

// IsZero reports d == 0.
func (d *Decimal) IsZero() bool { return d.coef.Sign() == 0 }

// Add returns d + o.
func (d Decimal) Add(o Decimal) Decimal {
	var r Decimal
	a, b := d.aligned(o.scale), o.aligned(d.scale)
	r.coef.Add(a, b)
	r.scale = max(d.scale, o.scale)
	r.normalize()
	return r
}

// Sub returns d - o.
func (d Decimal) Sub(o Decimal) Decimal {
	var r Decimal
	a, b := d.aligned(o.scale), o.aligned(d.scale)
	r.coef.Sub(a, b)
	r.scale = max(d.scale, o.scale)
	r.normalize()
	return r
}

func (d *Decimal) aligned(scale int32) *big.Int {
	if scale <= d.scale {
		return new(big.Int).Set(&d.coef)
	}
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale-d.scale)), nil)
	return p.Mul(p, &d.coef)
}

// normalize strips trailing zero digits of the fraction.
func (d *Decimal) normalize() {
	if d.coef.Sign() == 0 {
		d.scale = 0
		return
	}
	ten := big.NewInt(10)
	var q, m big.Int
	for d.scale > 0 {
		q.QuoRem(&d.coef, ten, &m)
		if m.Sign() != 0 {
			return
		}
		d.coef.Set(&q)
		d.scale--
	}
}

// String formats d as Redis prints INCRBYFLOAT results: plain notation,
// no trailing fractional zeros, no exponent.
func (d Decimal) String() string {
	s := d.coef.String()
	if d.scale == 0 {
		return s
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if n := int(d.scale) - len(s) + 1; n > 0 {
		s = strings.Repeat("0", n) + s
	}
	cut := len(s) - int(d.scale)
	s = s[:cut] + "." + s[cut:]
	if neg {
		s = "-" + s
	}
	return s
}

// Int64 returns d as an int64 when d is an integer that fits.
func (d Decimal) Int64() (int64, bool) {
	if d.scale != 0 || !d.coef.IsInt64() {
		return 0, false
	}
	return d.coef.Int64(), true
}
