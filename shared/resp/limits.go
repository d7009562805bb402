package resp

import "math"

// Default bounds, as redis-server 7.0 sets them.
const (
	DefaultMaxBulkLen       = 512 << 20 // proto-max-bulk-len
	DefaultMaxArgs          = 1 << 20
	DefaultMaxInline        = 64 << 10 // PROTO_INLINE_MAX_SIZE
	DefaultMaxCountLine     = 64 << 10 // Redis uses PROTO_INLINE_MAX_SIZE here too
	DefaultUnauthMaxArgs    = 10       // networking.c, since 6.2.6 (CVE-2021-32675)
	DefaultUnauthMaxBulkLen = 16384
	DefaultMaxDepth         = 64
)

// maxCount is Redis's hard bound on a multibulk count (INT_MAX); a larger
// count is "invalid", not "too many".
const maxCount = math.MaxInt32

// Limits bounds what Parse and ReadReply accept. A zero field takes its
// default, so Limits{} is redis-server's configuration; copy and adjust it.
type Limits struct {
	// MaxBulkLen bounds one bulk string: a command argument, or a string
	// in a reply. Beyond it Parse answers "invalid bulk length", as Redis
	// does beyond proto-max-bulk-len. Default: 512 MiB.
	MaxBulkLen int64
	// MaxArgs bounds the arguments of one command. Redis's only bound is
	// INT_MAX; a count above MaxArgs gets the same "invalid multibulk
	// length" reply. Default: 1 Mi.
	MaxArgs int
	// MaxInline bounds an inline command's line, "\r\n" excluded. Longer
	// lines get "too big inline request". Default: 64 KiB.
	MaxInline int
	// MaxCountLine bounds a "*N" or "$N" header line, and the numeric and
	// simple lines of replies. Longer lines get "too big mbulk count
	// string" or "too big bulk count string". Default: 64 KiB.
	MaxCountLine int
	// Unauthenticated applies UnauthMaxArgs and UnauthMaxBulkLen, as Redis
	// does for clients that have not yet passed AUTH when a password is
	// required.
	Unauthenticated bool
	// UnauthMaxArgs bounds the argument count before authentication.
	// Default: 10.
	UnauthMaxArgs int
	// UnauthMaxBulkLen bounds an argument before authentication.
	// Default: 16384.
	UnauthMaxBulkLen int64
	// MaxDepth bounds the nesting of aggregates in a reply (ReadReply
	// only); attributes count as a level. Default: 64.
	MaxDepth int
}

// withDefaults fills zero fields. It works on a copy, so the caller's
// Limits never changes.
func (l Limits) withDefaults() Limits {
	if l.MaxBulkLen <= 0 {
		l.MaxBulkLen = DefaultMaxBulkLen
	}
	if l.MaxArgs <= 0 {
		l.MaxArgs = DefaultMaxArgs
	}
	if l.MaxInline <= 0 {
		l.MaxInline = DefaultMaxInline
	}
	if l.MaxCountLine <= 0 {
		l.MaxCountLine = DefaultMaxCountLine
	}
	if l.UnauthMaxArgs <= 0 {
		l.UnauthMaxArgs = DefaultUnauthMaxArgs
	}
	if l.UnauthMaxBulkLen <= 0 {
		l.UnauthMaxBulkLen = DefaultUnauthMaxBulkLen
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	return l
}
