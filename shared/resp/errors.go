package resp

import (
	"errors"
	"strconv"
)

// ErrIncomplete reports that buf ends inside a frame: read more bytes and
// call again with the same buffer extended. Nothing was consumed.
var ErrIncomplete = errors.New("resp: incomplete frame")

// ProtocolError is malformed or over-limit input. For Parse, Reply is the
// error reply redis-server sends before it closes the connection, without
// the leading '-' and the CRLF; the server should do the same: write it
// and close. When a configured bound was exceeded, Err is the *LimitError.
type ProtocolError struct {
	Reply string
	Err   error
}

func (e *ProtocolError) Error() string {
	if e.Err != nil {
		return "resp: " + e.Reply + ": " + e.Err.Error()
	}
	return "resp: " + e.Reply
}

// Unwrap returns the *LimitError behind the error, if any.
func (e *ProtocolError) Unwrap() error { return e.Err }

// LimitError reports a declared or scanned length beyond a bound of Limits.
// It is always wrapped in a ProtocolError; find it with errors.As.
type LimitError struct {
	Name  string // the Limits field, e.g. "MaxBulkLen"
	Limit int64  // the bound in force
	Got   int64  // the length found (at least this much, for unterminated lines)
}

func (e *LimitError) Error() string {
	return "resp: " + e.Name + " exceeded: " + strconv.FormatInt(e.Got, 10) +
		" > " + strconv.FormatInt(e.Limit, 10)
}

// Redis's protocol error replies (networking.c, redis 7.0).
const (
	replyInvalidMultibulk = "ERR Protocol error: invalid multibulk length"
	replyInvalidBulk      = "ERR Protocol error: invalid bulk length"
	replyUnbalanced       = "ERR Protocol error: unbalanced quotes in request"
	replyTooBigInline     = "ERR Protocol error: too big inline request"
	replyTooBigMbulk      = "ERR Protocol error: too big mbulk count string"
	replyTooBigBulk       = "ERR Protocol error: too big bulk count string"
	replyUnauthMultibulk  = "ERR Protocol error: unauthenticated multibulk length"
	replyUnauthBulk       = "ERR Protocol error: unauthenticated bulk length"
)

func protoErr(reply string) error { return &ProtocolError{Reply: reply} }

func limitErr(reply, name string, limit, got int64) error {
	return &ProtocolError{Reply: reply, Err: &LimitError{Name: name, Limit: limit, Got: got}}
}

// errExpectedDollar is Redis's reply when a multibulk argument does not
// start with '$'. Redis formats the byte with %c and then replaces CR and
// LF with spaces, as it does in every error reply.
func errExpectedDollar(c byte) error {
	if c == '\r' || c == '\n' {
		c = ' '
	}
	return protoErr("ERR Protocol error: expected '$', got '" + string([]byte{c}) + "'")
}
