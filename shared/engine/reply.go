package engine

// Kind says how a Reply is written on the wire.
type Kind uint8

// Reply kinds. RESP2 writes Map and Set as arrays, Double as a bulk string,
// Null as a null bulk and NullArray as a null array; RESP3 has a type for each.
const (
	KindSimple    Kind = iota // +OK
	KindError                 // -ERR ...
	KindInt                   // :1
	KindBulk                  // $3 foo
	KindNull                  // $-1 / _
	KindNullArray             // *-1 / _
	KindArray                 // *n
	KindMap                   // %n (Elems holds keys and values alternately)
	KindSet                   // ~n
	KindDouble                // ,1.5 (Str holds the text)
	// KindPairs is a list of pairs (ZRANGE WITHSCORES, HRANDFIELD
	// WITHVALUES): Elems alternate first and second; RESP2 sends them flat,
	// RESP3 as an array of 2-element arrays.
	KindPairs
)

// Reply is one command's answer, independent of protocol version.
type Reply struct {
	Kind  Kind
	Str   []byte
	Int   int64
	Elems []Reply
}

// IsError reports whether r is an error reply.
func (r Reply) IsError() bool { return r.Kind == KindError }

// Replies used often.
var (
	ok        = Reply{Kind: KindSimple, Str: []byte("OK")}
	null      = Reply{Kind: KindNull}
	nullArray = Reply{Kind: KindNullArray}
	zero      = Reply{Kind: KindInt}
	one       = Reply{Kind: KindInt, Int: 1}
	emptyArr  = Reply{Kind: KindArray}
	queued    = Reply{Kind: KindSimple, Str: []byte("QUEUED")}
)

func simple(s string) Reply        { return Reply{Kind: KindSimple, Str: []byte(s)} }
func integer(n int64) Reply        { return Reply{Kind: KindInt, Int: n} }
func bulk(b []byte) Reply          { return Reply{Kind: KindBulk, Str: b} }
func bulkStr(s string) Reply       { return Reply{Kind: KindBulk, Str: []byte(s)} }
func array(elems []Reply) Reply    { return Reply{Kind: KindArray, Elems: elems} }
func mapReply(kv []Reply) Reply    { return Reply{Kind: KindMap, Elems: kv} }
func setReply(elems []Reply) Reply { return Reply{Kind: KindSet, Elems: elems} }
func double(text string) Reply     { return Reply{Kind: KindDouble, Str: []byte(text)} }
func pairs(elems []Reply) Reply    { return Reply{Kind: KindPairs, Elems: elems} }

func boolInt(b bool) Reply {
	if b {
		return one
	}
	return zero
}
