package resp

import (
	"math"
	"strconv"
)

// text is what the writers accept for strings: constants and engine
// values alike, without conversions (see the package doc, # Writers).
type text interface{ ~string | ~[]byte }

// AppendSimple writes a simple string (+OK). CR and LF, which would end
// the line early, become spaces.
func AppendSimple[S text](dst []byte, s S) []byte {
	dst = append(dst, '+')
	dst = appendLine(dst, s)
	return append(dst, '\r', '\n')
}

// AppendError writes an error reply. s includes the error code ("ERR
// syntax error"); CR and LF become spaces, as Redis's addReplyError does.
func AppendError[S text](dst []byte, s S) []byte {
	dst = append(dst, '-')
	dst = appendLine(dst, s)
	return append(dst, '\r', '\n')
}

func appendLine[S text](dst []byte, s S) []byte {
	start := len(dst)
	dst = append(dst, s...)
	for i := start; i < len(dst); i++ {
		if dst[i] == '\r' || dst[i] == '\n' {
			dst[i] = ' '
		}
	}
	return dst
}

// AppendInt writes an integer reply (:42).
func AppendInt(dst []byte, n int64) []byte {
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}

// AppendBulk writes a bulk string ($3\r\nfoo\r\n); b may hold any bytes.
func AppendBulk[S text](dst []byte, b S) []byte {
	dst = appendHeader(dst, '$', int64(len(b)))
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

// AppendNull writes the null bulk string: $-1 in RESP2, _ in RESP3.
func AppendNull(dst []byte, proto int) []byte {
	if proto >= 3 {
		return append(dst, '_', '\r', '\n')
	}
	return append(dst, "$-1\r\n"...)
}

// AppendNullArray writes the null array: *-1 in RESP2, _ in RESP3.
func AppendNullArray(dst []byte, proto int) []byte {
	if proto >= 3 {
		return append(dst, '_', '\r', '\n')
	}
	return append(dst, "*-1\r\n"...)
}

// AppendArrayHeader starts an array of n elements; write them next.
func AppendArrayHeader(dst []byte, n int) []byte { return appendHeader(dst, '*', int64(n)) }

// AppendMapHeader starts a map of n key-value pairs; write 2n elements
// next, key first. RESP2 has no maps: it is an array of 2n elements.
func AppendMapHeader(dst []byte, n int, proto int) []byte {
	if proto >= 3 {
		return appendHeader(dst, '%', int64(n))
	}
	return appendHeader(dst, '*', 2*int64(n))
}

// AppendSetHeader starts a set of n elements (an array in RESP2).
func AppendSetHeader(dst []byte, n int, proto int) []byte {
	if proto >= 3 {
		return appendHeader(dst, '~', int64(n))
	}
	return appendHeader(dst, '*', int64(n))
}

// AppendPushHeader starts an out-of-band push of n elements (an array in
// RESP2, as Redis sends pub/sub messages).
func AppendPushHeader(dst []byte, n int, proto int) []byte {
	if proto >= 3 {
		return appendHeader(dst, '>', int64(n))
	}
	return appendHeader(dst, '*', int64(n))
}

// AppendDouble writes a double as redis-server 7.0 does (addReplyDouble):
// printf's "%.17g", with inf and -inf spelled out; a bulk string in
// RESP2, ",..." in RESP3. NaN, which Redis never sends, is written "nan".
func AppendDouble(dst []byte, f float64, proto int) []byte {
	var buf [32]byte
	return AppendDoubleText(dst, formatDouble(buf[:0], f), proto)
}

// formatDouble is C's "%.17g": Go's 'g' with precision 17 has the same
// exponent threshold, strips trailing zeros and writes at least two
// exponent digits, as C does.
func formatDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// AppendDoubleText writes a double already formatted (INCRBYFLOAT-style
// long double text, for example): a bulk string in RESP2, ",..." in RESP3.
func AppendDoubleText[S text](dst []byte, s S, proto int) []byte {
	if proto >= 3 {
		dst = append(dst, ',')
		dst = appendLine(dst, s)
		return append(dst, '\r', '\n')
	}
	return AppendBulk(dst, s)
}

// AppendBool writes a boolean: #t or #f in RESP3, :1 or :0 in RESP2.
func AppendBool(dst []byte, b bool, proto int) []byte {
	switch {
	case proto >= 3 && b:
		return append(dst, "#t\r\n"...)
	case proto >= 3:
		return append(dst, "#f\r\n"...)
	case b:
		return append(dst, ":1\r\n"...)
	}
	return append(dst, ":0\r\n"...)
}

// AppendBigNumber writes a big integer given as decimal text: (... in
// RESP3, a bulk string in RESP2 (as Redis's addReplyBigNum does).
func AppendBigNumber[S text](dst []byte, s S, proto int) []byte {
	if proto >= 3 {
		dst = append(dst, '(')
		dst = appendLine(dst, s)
		return append(dst, '\r', '\n')
	}
	return AppendBulk(dst, s)
}

// AppendVerbatim writes a verbatim string with a three-byte format such
// as "txt" or "mkd" (=...\r\ntxt:... in RESP3); RESP2 gets a bulk string
// without the format. A format of another length is cut or padded with
// spaces to three bytes.
func AppendVerbatim[S text](dst []byte, format string, s S, proto int) []byte {
	if proto < 3 {
		return AppendBulk(dst, s)
	}
	dst = appendHeader(dst, '=', int64(len(s))+4)
	f := [3]byte{' ', ' ', ' '}
	copy(f[:], format)
	dst = append(dst, f[0], f[1], f[2], ':')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

func appendHeader(dst []byte, kind byte, n int64) []byte {
	dst = append(dst, kind)
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}
