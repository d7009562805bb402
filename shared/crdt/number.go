package crdt

import (
	"math/big"
	"strings"
)

// ParseInt parses b exactly as Redis's string2ll does: an optional '-',
// no '+', no leading zeros (except "0" itself), no spaces, at most 20
// bytes, and a value that fits in int64.
func ParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) >= 21 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (1<<64-1)/10 {
			return 0, false
		}
		v *= 10
		if v > 1<<64-1-uint64(c-'0') {
			return 0, false
		}
		v += uint64(c - '0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}

// LongDouble emulates the x87 80-bit long double Redis uses for INCRBYFLOAT:
// a binary float with a 64-bit mantissa, rounded to nearest even.
type LongDouble = *big.Float

const (
	ldPrec   = 64
	ldMaxExp = 16384  // |x| >= 2^16384 overflows to infinity
	ldMinExp = -16444 // below the smallest subnormal, strtold underflows to 0
	// maxLongDoubleChars is Redis's MAX_LONG_DOUBLE_CHARS.
	maxLongDoubleChars = 5 * 1024
)

// ParseLongDouble parses b as Redis's string2ld does (strtold, then reject
// leading space, trailing bytes, overflow, underflow to zero and NaN).
// Infinity parses and is returned as an infinite value.
func ParseLongDouble(b []byte) (LongDouble, bool) {
	if len(b) == 0 || len(b) >= maxLongDoubleChars {
		return nil, false
	}
	s := string(b)
	body, neg := s, false
	if body[0] == '+' || body[0] == '-' {
		neg = body[0] == '-'
		body = body[1:]
	}
	switch strings.ToLower(body) {
	case "inf", "infinity":
		return new(big.Float).SetInf(neg), true
	}
	if !strtoldSyntax(body) {
		return nil, false
	}
	f, _, err := big.ParseFloat(s, 0, ldPrec, big.ToNearestEven)
	if err != nil {
		return nil, false
	}
	if f.Sign() == 0 {
		return f, true
	}
	e := f.MantExp(nil)
	if e > ldMaxExp || e < ldMinExp {
		return nil, false
	}
	return f, true
}

// strtoldSyntax reports whether s (without sign) is a complete decimal or
// hexadecimal floating literal as strtold accepts it.
func strtoldSyntax(s string) bool {
	hex := len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	expChar := byte('e')
	if hex {
		s = s[2:]
		isDigit = func(c byte) bool {
			return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
		}
		expChar = 'p'
	}
	i, digits := 0, 0
	for i < len(s) && isDigit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i]|0x20) == expChar {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		if n == 0 {
			return false
		}
	}
	return i == len(s)
}

// AddLongDouble returns a + b rounded to a long double, and false when the
// result is infinite (Redis: "increment would produce NaN or Infinity").
func AddLongDouble(a, b LongDouble) (LongDouble, bool) {
	if a.IsInf() || b.IsInf() {
		return nil, false
	}
	z := new(big.Float).SetPrec(ldPrec).SetMode(big.ToNearestEven)
	z.Add(a, b)
	if z.Sign() != 0 && z.MantExp(nil) > ldMaxExp {
		return nil, false
	}
	return z, true
}

// FormatLongDouble prints f as Redis's ld2string in human mode does:
// "%.17Lf", trailing fractional zeros and a bare '.' removed, "-0" as "0".
func FormatLongDouble(f LongDouble) string {
	s := f.Text('f', 17)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// LongDoubleZero returns 0 as a long double.
func LongDoubleZero() LongDouble { return new(big.Float).SetPrec(ldPrec) }
