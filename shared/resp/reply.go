package resp

import (
	"bytes"
	"strconv"
)

// Type is a reply's RESP type, named by the byte that introduces it.
type Type byte

// Reply types. RESP2 has the first five; RESP3 adds the rest.
const (
	TypeSimple    Type = '+'
	TypeError     Type = '-'
	TypeInt       Type = ':'
	TypeBulk      Type = '$'
	TypeArray     Type = '*'
	TypeNull      Type = '_'
	TypeDouble    Type = ','
	TypeBool      Type = '#'
	TypeBlobError Type = '!'
	TypeVerbatim  Type = '='
	TypeBigNumber Type = '('
	TypeMap       Type = '%'
	TypeSet       Type = '~'
	TypePush      Type = '>'
)

// Value is one decoded reply.
type Value struct {
	Type Type
	// Null marks RESP2's null bulk string ($-1, Type TypeBulk) and null
	// array (*-1, Type TypeArray). RESP3's null is Type TypeNull.
	Null bool
	// Str holds the text of simple strings, errors, bulk strings, blob
	// errors, doubles and big numbers, and the whole payload of a
	// verbatim string, format included ("txt:...").
	Str []byte
	// Int holds an integer, or a boolean as 1 or 0.
	Int int64
	// Elems holds the elements of arrays, sets and pushes, and of maps
	// their keys and values alternately.
	Elems []Value
	// Attrs holds the RESP3 attributes ('|') sent just before this value,
	// keys and values alternately; nil when there were none.
	Attrs []Value
}

// ReadReply reads one reply from the front of buf with the default
// Limits. See ReadReplyLimits.
func ReadReply(buf []byte) (v Value, n int, err error) {
	return ReadReplyLimits(buf, Limits{})
}

// ReadReplyLimits reads one RESP2 or RESP3 reply from the front of buf and
// returns it with n, the bytes consumed. It returns ErrIncomplete when buf
// ends inside the reply, and a *ProtocolError for malformed input.
//
// Strings alias buf, except streamed strings ($?), which are joined into
// a new slice. Aggregates allocate at most one Value per three bytes of
// input, whatever count they declare; bulk strings are bounded by
// lim.MaxBulkLen, lines by lim.MaxCountLine and nesting by lim.MaxDepth.
// A partial aggregate is parsed again from the start on the next call, so
// callers should not feed a huge reply a few bytes at a time.
func ReadReplyLimits(buf []byte, lim Limits) (v Value, n int, err error) {
	r := replyReader{buf: buf, lim: lim.withDefaults()}
	v, err = r.value(0)
	if err != nil {
		return Value{}, 0, err
	}
	return v, r.pos, nil
}

type replyReader struct {
	buf []byte
	pos int
	lim Limits
}

func badReply(what string) error { return protoErr("ERR Protocol error: " + what) }

// line returns the bytes up to the next CRLF and moves past it. Bare CRs
// and LFs are not allowed inside a line.
func (r *replyReader) line(max int) ([]byte, error) { return r.lineLimit(max, "MaxCountLine") }

// lineLimit is line with the name of the Limits field that max comes from.
func (r *replyReader) lineLimit(max int, name string) ([]byte, error) {
	rest := r.buf[r.pos:]
	i := bytes.IndexByte(rest, '\r')
	if i < 0 {
		if len(rest) > max {
			return nil, limitErr("ERR Protocol error: too long line in reply", name, int64(max), int64(len(rest)))
		}
		return nil, ErrIncomplete
	}
	if i > max {
		return nil, limitErr("ERR Protocol error: too long line in reply", name, int64(max), int64(i))
	}
	if i+1 == len(rest) {
		return nil, ErrIncomplete
	}
	if rest[i+1] != '\n' || bytes.IndexByte(rest[:i], '\n') >= 0 {
		return nil, badReply("expected CRLF at end of line")
	}
	r.pos += i + 2
	return rest[:i], nil
}

// value reads one value at nesting depth.
func (r *replyReader) value(depth int) (Value, error) {
	if depth > r.lim.MaxDepth {
		return Value{}, limitErr("ERR Protocol error: reply nested too deeply", "MaxDepth", int64(r.lim.MaxDepth), int64(depth))
	}
	if r.pos >= len(r.buf) {
		return Value{}, ErrIncomplete
	}
	t := Type(r.buf[r.pos])
	r.pos++
	switch t {
	case TypeSimple, TypeError:
		s, err := r.lineLimit(int(min(r.lim.MaxBulkLen, maxCount)), "MaxBulkLen")
		return Value{Type: t, Str: s}, err
	case TypeInt:
		return r.integer()
	case TypeNull:
		s, err := r.line(r.lim.MaxCountLine)
		if err == nil && len(s) != 0 {
			err = badReply("invalid null")
		}
		return Value{Type: t}, err
	case TypeBool:
		return r.boolean()
	case TypeDouble:
		return r.double()
	case TypeBigNumber:
		return r.bigNumber()
	case TypeBulk, TypeBlobError, TypeVerbatim:
		return r.blob(t)
	case TypeArray, TypeSet, TypePush, TypeMap:
		return r.aggregate(t, depth)
	case '|':
		return r.attributed(depth)
	}
	return Value{}, badReply("invalid reply type byte '" + string([]byte{byte(t)}) + "'")
}

func (r *replyReader) integer() (Value, error) {
	s, err := r.line(r.lim.MaxCountLine)
	if err != nil {
		return Value{}, err
	}
	n, ok := parseReplyInt(s)
	if !ok {
		return Value{}, badReply("invalid integer")
	}
	return Value{Type: TypeInt, Int: n}, nil
}

// parseReplyInt accepts what RESP3 allows for integers: an optional sign,
// then decimal digits, within int64.
func parseReplyInt(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 24 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(s), 10, 64)
	return n, err == nil
}

func (r *replyReader) boolean() (Value, error) {
	s, err := r.line(r.lim.MaxCountLine)
	if err != nil {
		return Value{}, err
	}
	switch string(s) {
	case "t":
		return Value{Type: TypeBool, Int: 1}, nil
	case "f":
		return Value{Type: TypeBool}, nil
	}
	return Value{}, badReply("invalid boolean")
}

func (r *replyReader) double() (Value, error) {
	s, err := r.line(r.lim.MaxCountLine)
	if err != nil {
		return Value{}, err
	}
	switch string(s) {
	case "inf", "-inf", "nan":
		return Value{Type: TypeDouble, Str: s}, nil
	}
	if !isDecimalFloat(s) {
		return Value{}, badReply("invalid double")
	}
	return Value{Type: TypeDouble, Str: s}, nil
}

// isDecimalFloat accepts [sign] digits [. digits] [e [sign] digits], with
// at least one mantissa digit: what printf's %g writes, and nothing that
// only Go's ParseFloat knows (hex, underscores, "Inf").
func isDecimalFloat(s []byte) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

func (r *replyReader) bigNumber() (Value, error) {
	s, err := r.line(r.lim.MaxCountLine)
	if err != nil {
		return Value{}, err
	}
	d := s
	if len(d) > 0 && (d[0] == '-' || d[0] == '+') {
		d = d[1:]
	}
	if len(d) == 0 {
		return Value{}, badReply("invalid big number")
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return Value{}, badReply("invalid big number")
		}
	}
	return Value{Type: TypeBigNumber, Str: s}, nil
}

// length reads an aggregate or blob header: a count, -1 for RESP2's
// nulls, or -2 for "?" (streamed).
func (r *replyReader) length(max int64, what string) (int64, error) {
	s, err := r.line(r.lim.MaxCountLine)
	if err != nil {
		return 0, err
	}
	if len(s) == 1 && s[0] == '?' {
		return -2, nil
	}
	n, ok := parseCount(s)
	switch {
	case !ok || n < -1:
		return 0, badReply("invalid " + what + " length")
	case n > max:
		return 0, limitErr("ERR Protocol error: invalid "+what+" length", "MaxBulkLen", max, n)
	}
	return n, nil
}

func (r *replyReader) blob(t Type) (Value, error) {
	n, err := r.length(r.lim.MaxBulkLen, "bulk")
	if err != nil {
		return Value{}, err
	}
	switch {
	case n == -1 && t == TypeBulk:
		return Value{Type: t, Null: true}, nil
	case n == -2 && t == TypeBulk:
		return r.streamedString()
	case n < 0:
		return Value{}, badReply("invalid bulk length")
	}
	s, err := r.data(n)
	if err != nil {
		return Value{}, err
	}
	if t == TypeVerbatim && (len(s) < 4 || s[3] != ':') {
		return Value{}, badReply("invalid verbatim string")
	}
	return Value{Type: t, Str: s}, nil
}

// data returns the next n bytes, which must be followed by CRLF.
func (r *replyReader) data(n int64) ([]byte, error) {
	rest := r.buf[r.pos:]
	if n > int64(len(rest))-2 {
		return nil, ErrIncomplete
	}
	if rest[n] != '\r' || rest[n+1] != '\n' {
		return nil, badReply("expected CRLF after bulk data")
	}
	r.pos += int(n) + 2
	return rest[:n:n], nil
}

// streamedString joins the chunks of "$?" (";len\r\ndata\r\n" ... ";0").
func (r *replyReader) streamedString() (Value, error) {
	s := []byte{}
	for {
		if r.pos >= len(r.buf) {
			return Value{}, ErrIncomplete
		}
		if r.buf[r.pos] != ';' {
			return Value{}, badReply("expected ';' in streamed string")
		}
		r.pos++
		n, err := r.length(r.lim.MaxBulkLen-int64(len(s)), "bulk")
		if err != nil {
			return Value{}, err
		}
		if n < 0 {
			return Value{}, badReply("invalid bulk length")
		}
		if n == 0 {
			return Value{Type: TypeBulk, Str: s}, nil
		}
		chunk, err := r.data(n)
		if err != nil {
			return Value{}, err
		}
		s = append(s, chunk...)
	}
}

func (r *replyReader) aggregate(t Type, depth int) (Value, error) {
	n, err := r.length(maxCount, "multibulk")
	if err != nil {
		return Value{}, err
	}
	switch {
	case n == -1 && t == TypeArray:
		return Value{Type: t, Null: true}, nil
	case n == -2:
		return r.streamedAggregate(t, depth)
	case n < 0:
		return Value{}, badReply("invalid multibulk length")
	}
	if t == TypeMap {
		n *= 2
	}
	// Every element takes at least three bytes ("_\r\n"), so the input,
	// not the declared count, bounds the allocation.
	elems := make([]Value, 0, min(n, int64(len(r.buf)-r.pos)/3))
	for range n {
		e, err := r.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		elems = append(elems, e)
	}
	return Value{Type: t, Elems: elems}, nil
}

// streamedAggregate reads elements of "*?" and its kin until ".\r\n".
func (r *replyReader) streamedAggregate(t Type, depth int) (Value, error) {
	elems := []Value{}
	for {
		if r.pos >= len(r.buf) {
			return Value{}, ErrIncomplete
		}
		if r.buf[r.pos] == '.' {
			r.pos++
			s, err := r.line(r.lim.MaxCountLine)
			if err != nil {
				return Value{}, err
			}
			if len(s) != 0 || (t == TypeMap && len(elems)%2 != 0) {
				return Value{}, badReply("invalid end of streamed aggregate")
			}
			return Value{Type: t, Elems: elems}, nil
		}
		e, err := r.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		elems = append(elems, e)
	}
}

// attributed reads an attribute map and the value it describes.
func (r *replyReader) attributed(depth int) (Value, error) {
	attrs, err := r.aggregate(TypeMap, depth)
	if err != nil {
		return Value{}, err
	}
	v, err := r.value(depth + 1)
	if err != nil {
		return Value{}, err
	}
	v.Attrs = append(attrs.Elems, v.Attrs...)
	return v, nil
}
