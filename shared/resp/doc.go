// Package resp reads and writes the Redis serialization protocol (RESP2 and
// RESP3) on byte slices: an incremental command parser for servers (Parse,
// ParseInto), append-style reply writers (AppendBulk, AppendMapHeader, ...)
// in the style of redcon, and a reply reader for clients and tests
// (ReadReply). Nothing here reads a socket: callers pass the bytes they have
// and get back how many were consumed, or ErrIncomplete, so the same code
// serves the hub's TCP loop and an edge's local listener.
//
// # Writers
//
// The Append functions write one reply, or the header of an aggregate, at
// the end of dst and return the extended slice; with a reused dst they do
// not allocate. Those that take text accept a string or a []byte. proto
// is the connection's protocol version: 3 selects RESP3; anything else
// writes RESP2, where maps, sets and pushes are arrays, doubles, big
// numbers and verbatim strings are bulk strings, and booleans are
// integers, as redis-server 7.0 sends them to RESP2 clients.
//
// # Limits
//
// Every length read from the wire is checked against Limits before anything
// is allocated for it: bulk lengths (proto-max-bulk-len, 512 MiB), argument
// counts, inline and count-line lengths (PROTO_INLINE_MAX_SIZE, 64 KiB) and,
// for clients that have not authenticated, Redis's pre-auth caps of 10
// arguments and 16 KiB per argument (CVE-2021-32675). Arguments and reply
// strings alias the input buffer, so memory use is bounded by the input the
// caller chose to buffer; the caller bounds that (Redis: 1 GiB query buffer).
//
// # Redis fidelity
//
// Protocol errors carry the exact reply redis-server 7.0 sends before it
// closes the connection ("ERR Protocol error: invalid bulk length"). The
// parser reproduces Redis's quirks where they are observable: "*0" and "*-1"
// are empty commands that get no reply, the two bytes after a count line's
// CR and after a bulk argument are skipped unchecked, and a NUL byte ends
// the search for a line terminator (Redis uses strchr). One quirk is made
// deterministic on purpose: Redis only notices an over-long line when a
// read leaves it without a terminator, so whether a 70 KB inline command is
// accepted depends on how the bytes arrived; Parse rejects any line longer
// than the limit, so the result never depends on how the input was split.
//
// Package resp imports only the standard library.
//
// All functions are pure and safe for concurrent use on distinct buffers;
// they keep no state between calls.
package resp
