package resp_test

import (
	"errors"
	"slices"
	"strconv"
	"testing"

	"lattice/shared/resp"
)

// fuzzLimits picks the limits a fuzz input runs under: small ones make the
// limit paths reachable with short inputs.
func fuzzLimits(mode uint8) resp.Limits {
	switch mode % 3 {
	case 1:
		return resp.Limits{MaxBulkLen: 16, MaxArgs: 4, MaxInline: 32, MaxCountLine: 8}
	case 2:
		return resp.Limits{Unauthenticated: true, UnauthMaxArgs: 3, UnauthMaxBulkLen: 8, MaxInline: 48}
	}
	return resp.Limits{}
}

// splitMix is SplitMix64: chunk sizes derived from the fuzzer's seed.
type splitMix struct{ s uint64 }

func (m *splitMix) next() uint64 {
	m.s += 0x9e3779b97f4a7c15
	z := m.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// parsePieces feeds data to Parse in chunks, as a server reading a socket
// does: append what arrived, parse all whole commands, keep the rest.
func parsePieces(data []byte, seed uint64, lim resp.Limits) []string {
	rng := splitMix{s: seed}
	var out []string
	var acc []byte
	dst := make([][]byte, 0, 4)
	for len(data) > 0 {
		k := 1 + int(rng.next()%uint64(min(len(data), 1+int(seed%64))))
		acc = append(acc, data[:k]...)
		data = data[k:]
		for {
			args, n, err := resp.ParseInto(dst, acc, lim)
			if errors.Is(err, resp.ErrIncomplete) {
				break
			}
			if err != nil {
				return append(out, errText(err))
			}
			out = append(out, quoteArgs(args))
			acc = acc[n:]
		}
	}
	return append(out, "incomplete")
}

// FuzzParse checks that Parse never panics, that n stays in bounds, and that
// parsing in pieces split anywhere gives what parsing the whole input gives
// (nats-server parser_fuzz_test.go). Commands also survive a round trip
// through the multibulk writer.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
		"SET k \"a\\x00b\" 'c'\r\nGET k\n",
		"*0\r\n*-1\r\n\r\n",
		"*1\r\n$-1\r\n",
	} {
		f.Add([]byte(s), uint64(len(s)), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, seed uint64, mode uint8) {
		lim := fuzzLimits(mode)
		whole := parseAll(data, lim)
		for _, s := range whole {
			if len(s) >= 5 && s[:5] == "bad n" {
				t.Fatalf("Parse(%q): %s", data, s)
			}
		}
		if pieces := parsePieces(data, seed, lim); !slices.Equal(whole, pieces) {
			t.Fatalf("Parse(%q) whole and in pieces (seed %d) differ:\nwhole  %q\npieces %q", data, seed, whole, pieces)
		}
		roundTrip(t, data, lim)
	})
}

func roundTrip(t *testing.T, data []byte, lim resp.Limits) {
	for {
		args, n, err := resp.Parse(data, lim)
		if err != nil {
			return
		}
		enc := resp.AppendArrayHeader(nil, len(args))
		for _, a := range args {
			enc = resp.AppendBulk(enc, a)
		}
		if len(args) == 0 {
			enc = []byte("*0\r\n")
		}
		again, m, err := resp.Parse(enc, resp.Limits{})
		if err != nil || m != len(enc) || quoteArgs(again) != quoteArgs(args) {
			t.Fatalf("round trip of %s: got %s, %d, %v", quoteArgs(args), quoteArgs(again), m, err)
		}
		data = data[n:]
	}
}

// FuzzReadReply checks that ReadReply never panics, that every proper
// prefix of a valid reply is incomplete, and that a valid reply survives a
// round trip through the writers.
func FuzzReadReply(f *testing.F) {
	for _, s := range []string{
		"*3\r\n:1\r\n$3\r\nfoo\r\n%1\r\n+a\r\n,1.5\r\n",
		"$?\r\n;2\r\nab\r\n;0\r\n",
		"|1\r\n+k\r\n#t\r\n~1\r\n(12\r\n",
		">2\r\n=6\r\ntxt:hi\r\n!1\r\nx\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, n, err := resp.ReadReply(data)
		if err != nil {
			var pe *resp.ProtocolError
			if n != 0 || (!errors.Is(err, resp.ErrIncomplete) && !errors.As(err, &pe)) {
				t.Fatalf("ReadReply(%q) = n %d, err %v", data, n, err)
			}
			return
		}
		if n <= 0 || n > len(data) {
			t.Fatalf("ReadReply(%q) consumed %d", data, n)
		}
		for _, i := range []int{0, 1, n / 2, n - 1} {
			if _, _, err := resp.ReadReply(data[:i]); !errors.Is(err, resp.ErrIncomplete) {
				t.Fatalf("ReadReply(%q), a prefix of a valid reply: %v", data[:i], err)
			}
		}
		enc := appendValue(nil, v)
		w, m, err := resp.ReadReply(enc)
		if err != nil || m != len(enc) || describe(w) != describe(v) {
			t.Fatalf("round trip of %s: %q -> %s, %v", describe(v), enc, describe(w), err)
		}
	})
}

// appendValue writes v back with the package's writers (and, for the types
// they do not cover, by hand).
func appendValue(dst []byte, v resp.Value) []byte {
	if v.Attrs != nil {
		dst = append(dst, '|')
		dst = strconv.AppendInt(dst, int64(len(v.Attrs)/2), 10)
		dst = append(dst, '\r', '\n')
		for _, a := range v.Attrs {
			dst = appendValue(dst, a)
		}
	}
	switch v.Type {
	case resp.TypeSimple:
		return resp.AppendSimple(dst, v.Str)
	case resp.TypeError:
		return resp.AppendError(dst, v.Str)
	case resp.TypeInt:
		return resp.AppendInt(dst, v.Int)
	case resp.TypeNull:
		return resp.AppendNull(dst, 3)
	case resp.TypeBool:
		return resp.AppendBool(dst, v.Int == 1, 3)
	case resp.TypeDouble:
		return resp.AppendDoubleText(dst, v.Str, 3)
	case resp.TypeBigNumber:
		return resp.AppendBigNumber(dst, v.Str, 3)
	case resp.TypeVerbatim:
		return resp.AppendVerbatim(dst, string(v.Str[:3]), v.Str[4:], 3)
	case resp.TypeBlobError:
		dst = append(dst, '!')
		dst = strconv.AppendInt(dst, int64(len(v.Str)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, v.Str...)
		return append(dst, '\r', '\n')
	case resp.TypeBulk:
		if v.Null {
			return resp.AppendNull(dst, 2)
		}
		return resp.AppendBulk(dst, v.Str)
	case resp.TypeArray:
		if v.Null {
			return resp.AppendNullArray(dst, 2)
		}
		dst = resp.AppendArrayHeader(dst, len(v.Elems))
	case resp.TypeMap:
		dst = resp.AppendMapHeader(dst, len(v.Elems)/2, 3)
	case resp.TypeSet:
		dst = resp.AppendSetHeader(dst, len(v.Elems), 3)
	case resp.TypePush:
		dst = resp.AppendPushHeader(dst, len(v.Elems), 3)
	}
	for _, e := range v.Elems {
		dst = appendValue(dst, e)
	}
	return dst
}
