package engine

import "lattice/shared/resp"

// AppendReply writes r in RESP at the end of dst: RESP3 when proto is 3,
// RESP2 otherwise. RESP2 has fewer types, so there maps and sets become
// arrays (a map of n pairs is an array of 2n elements, key first), doubles
// become bulk strings, and both nulls become $-1 or *-1 as Redis 7 sends
// them to RESP2 clients.
//
// A reply that breaks Reply's invariants (a map with an odd element count,
// an unknown kind) is written as "ERR internal error" in its place, so a
// bug in one command never corrupts the connection's framing.
func AppendReply(dst []byte, r Reply, proto int) []byte {
	switch r.Kind {
	case KindSimple:
		return resp.AppendSimple(dst, r.Str)
	case KindError:
		return resp.AppendError(dst, r.Str)
	case KindInt:
		return resp.AppendInt(dst, r.Int)
	case KindBulk:
		return resp.AppendBulk(dst, r.Str)
	case KindNull:
		return resp.AppendNull(dst, proto)
	case KindNullArray:
		return resp.AppendNullArray(dst, proto)
	case KindDouble:
		return resp.AppendDoubleText(dst, r.Str, proto)
	case KindArray:
		dst = resp.AppendArrayHeader(dst, len(r.Elems))
	case KindSet:
		dst = resp.AppendSetHeader(dst, len(r.Elems), proto)
	case KindMap:
		if len(r.Elems)%2 != 0 {
			return resp.AppendError(dst, errInternal.Str)
		}
		dst = resp.AppendMapHeader(dst, len(r.Elems)/2, proto)
	case KindPairs:
		if len(r.Elems)%2 != 0 {
			return resp.AppendError(dst, errInternal.Str)
		}
		if proto != 3 {
			dst = resp.AppendArrayHeader(dst, len(r.Elems))
			break
		}
		dst = resp.AppendArrayHeader(dst, len(r.Elems)/2)
		for i := 0; i < len(r.Elems); i += 2 {
			dst = resp.AppendArrayHeader(dst, 2)
			dst = AppendReply(dst, r.Elems[i], proto)
			dst = AppendReply(dst, r.Elems[i+1], proto)
		}
		return dst
	default:
		return resp.AppendError(dst, errInternal.Str)
	}
	for _, e := range r.Elems {
		dst = AppendReply(dst, e, proto)
	}
	return dst
}
