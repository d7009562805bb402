package engine

import (
	"errors"
	"strings"
)

// Redis-visible errors, worded exactly as redis-server 7 words them. Every
// error reply the engine gives comes from this table (STYLE R7.1).
var (
	errSyntax       = errReply("ERR syntax error")
	errWrongType    = errReply("WRONGTYPE Operation against a key holding the wrong kind of value")
	errNotInt       = errReply("ERR value is not an integer or out of range")
	errNotFloat     = errReply("ERR value is not a valid float")
	errOverflow     = errReply("ERR increment or decrement would overflow")
	errNaNInf       = errReply("ERR increment would produce NaN or Infinity")
	errNoSuchKey    = errReply("ERR no such key")
	errOffset       = errReply("ERR offset is out of range")
	errMaxString    = errReply("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
	errHashNotInt   = errReply("ERR hash value is not an integer")
	errHashNotFloat = errReply("ERR hash value is not a float")
	errNotPositive  = errReply("ERR value is out of range, must be positive")
	errNXXX         = errReply("ERR NX and XX, GT or LT options at the same time are not compatible")
	errGTLT         = errReply("ERR GT and LT options at the same time are not compatible")
	errNestedMulti  = errReply("ERR MULTI calls can not be nested")
	errExecNoMulti  = errReply("ERR EXEC without MULTI")
	errDiscardNoMul = errReply("ERR DISCARD without MULTI")
	errInvalidCur   = errReply("ERR invalid cursor")
	errDBIndex      = errReply("ERR DB index is out of range")
	errInternal     = errReply("ERR internal error")
	errDecrOverflow = errReply("ERR decrement would overflow")
	errSameObject   = errReply("ERR source and destination objects are the same")
	errIntRange     = errReply("ERR value is out of range, value must between -2147483648 and 2147483647")

	// Hashes and sets.
	errValueNaNInf   = errReply("ERR value is NaN or Infinity")
	errOutOfRange    = errReply("ERR value is out of range")
	errLongRange     = errReply("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
	errNumkeys       = errReply("ERR numkeys should be greater than 0")
	errNumkeysArgs   = errReply("ERR Number of keys can't be greater than number of args")
	errLimitNegative = errReply("ERR LIMIT can't be negative")

	// Sorted sets (cmd_zset.go).
	errMinMaxFloat = errReply("ERR min or max is not a float")
	errMinMaxLex   = errReply("ERR min or max not valid string range item")
	errScoreNaN    = errReply("ERR resulting score is not a number (NaN)")
	errZAddNXXX    = errReply("ERR XX and NX options at the same time are not compatible")
	errZAddGTLTNX  = errReply("ERR GT, LT, and/or NX options at the same time are not compatible")
	errZAddIncr    = errReply("ERR INCR option supports a single increment-element pair")
	errLimitByRank = errReply("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
	errScoresByLex = errReply("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
	// end of sorted sets

	// Sorted-set algebra (cmd_zsetops.go).
	errWeightFloat = errReply("ERR weight value is not a float")
	// errNeedInputKey is a numkeys below 1; cmd is the lowercase name.
	errNeedInputKey = func(cmd string) Reply {
		return errReply("ERR at least 1 input key is needed for '" + cmd + "' command")
	}
	// end of sorted-set algebra

	// Lists (cmd_list.go).
	errIndexRange     = errReply("ERR index out of range")
	errRankZero       = errReply("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
	errCountNegative  = errReply("ERR COUNT can't be negative")
	errMaxlenNegative = errReply("ERR MAXLEN can't be negative")
	errLMPopCount     = errReply("ERR count should be greater than 0")
	// end of lists

	// HyperLogLog (cmd_hll.go).
	errNotHLL = errReply("WRONGTYPE Key is not a valid HyperLogLog string value.")
	// end of HyperLogLog

	// Geo (cmd_geo.go).
	errGeoUnit       = errReply("ERR unsupported unit provided. please use M, KM, FT, MI")
	errGeoNeedRadius = errReply("ERR need numeric radius")
	errGeoNeedWidth  = errReply("ERR need numeric width")
	errGeoNeedHeight = errReply("ERR need numeric height")
	errGeoRadiusNeg  = errReply("ERR radius cannot be negative")
	errGeoBoxNeg     = errReply("ERR height or width cannot be negative")
	errGeoCount      = errReply("ERR COUNT must be > 0")
	errGeoMember     = errReply("ERR could not decode requested zset member")
	errGeoStoreWith  = errReply("ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
	errGeoAnyCount   = errReply("ERR the ANY argument requires COUNT argument")
	// errGeoLonLat takes the coordinates printed with C's "%f".
	errGeoLonLat = func(lon, lat string) Reply {
		return errReply("ERR invalid longitude,latitude pair " + lon + "," + lat)
	}
	// errGeoFrom and errGeoBy name the command as the client spelled it.
	errGeoFrom = func(cmd string) Reply {
		return errReply(sanitize("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + cmd))
	}
	errGeoBy = func(cmd string) Reply {
		return errReply(sanitize("ERR exactly one of BYRADIUS and BYBOX can be specified for " + cmd))
	}
	// end of geo

	// Transactions and CRDT commands (session.go, cmd_crdt.go). MULTI,
	// EXEC and DISCARD errors are at the top of the table.
	errWatchInMulti = errReply("ERR WATCH inside MULTI is not allowed")
	errExecAbort    = errReply("EXECABORT Transaction discarded because of previous errors.")
	errExecArity    = errReply("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command")
	// end of transactions
)

func errReply(s string) Reply { return Reply{Kind: KindError, Str: []byte(s)} }

// errArity is Redis's wrong-arity error for a command name (lowercased).
func errArity(name string) Reply {
	return errReply("ERR wrong number of arguments for '" + strings.ToLower(name) + "' command")
}

// errUnknown is Redis's unknown-command error (server.c processCommand):
// the name cut to 128 bytes, then quoted arguments while fewer than 128
// bytes of them have been written, each cut to what is left of the 128.
func errUnknown(args [][]byte) Reply {
	var list []byte
	for _, a := range args[1:] {
		if len(list) >= 128 {
			break
		}
		a = cstr(a) // Redis formats with %s: an argument ends at NUL
		room := 128 - len(list)
		list = append(list, '\'')
		list = append(list, a[:min(len(a), room)]...)
		list = append(list, '\'', ' ')
	}
	msg := "ERR unknown command '" + trunc(string(cstr(args[0]))) + "', with args beginning with: " + string(list)
	return errReply(sanitize(msg))
}

// sanitize replaces CR and LF, which would break the protocol, with spaces,
// as Redis's addReplyErrorLength does.
func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '\r' || c == '\n' {
			b[i] = ' '
		}
	}
	return string(b)
}

// errUnsupportedOption is EXPIRE's error for an unknown option; opt is cut
// at its first NUL, as the C string it is formatted from.
func errUnsupportedOption(opt []byte) Reply {
	return errReply(sanitize("ERR Unsupported option " + string(cstr(opt))))
}

// errInvalidExpire names the command, as Redis does.
func errInvalidExpire(cmd string) Reply {
	return errReply("ERR invalid expire time in '" + strings.ToLower(cmd) + "' command")
}

func trunc(s string) string {
	if len(s) > 128 {
		return s[:128]
	}
	return s
}

// Go errors: system faults, never shown to Redis clients verbatim.
var (
	// ErrMalformedDelta reports a delta that violates the format's
	// invariants (a dot outside its own context, an unknown type code).
	ErrMalformedDelta = errors.New("engine: malformed delta")
	// ErrConfig reports an invalid Config.
	ErrConfig = errors.New("engine: invalid config")
)
