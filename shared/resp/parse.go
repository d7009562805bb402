package resp

import "bytes"

// Parse reads one command from the front of buf, a server's query buffer:
// a multibulk frame ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") when buf starts
// with '*', otherwise an inline command ("GET k\r\n", split and unquoted
// like Redis's sdssplitargs). It returns the arguments and n, the bytes
// consumed.
//
// The arguments alias buf (their capacity is cut to their length, so
// appending to one never overwrites the next), except inline arguments
// written with quotes, which are copied. Handle or copy them before
// reusing buf.
//
// A frame without arguments ("*0", "*-1", an empty or blank inline line)
// returns no arguments and n > 0: consume it and send nothing, as Redis
// does. A partial frame returns ErrIncomplete with n = 0. Malformed or
// over-limit input returns a *ProtocolError whose Reply the server sends
// before closing the connection; n is then 0.
//
// Parse keeps no state: a partial frame is scanned again from its start on
// the next call. A call costs O(arguments seen), not O(bytes), since bulk
// data is skipped by length; but a frame of many small arguments arriving
// a few bytes at a time costs quadratic time in total, so servers should
// call again only after a read and keep MaxArgs and the query buffer cap
// modest.
func Parse(buf []byte, lim Limits) (args [][]byte, n int, err error) {
	return ParseInto(nil, buf, lim)
}

// ParseInto is Parse writing the arguments into dst[:0], so a caller that
// reuses dst parses without allocating.
func ParseInto(dst [][]byte, buf []byte, lim Limits) (args [][]byte, n int, err error) {
	if len(buf) == 0 {
		return nil, 0, ErrIncomplete
	}
	lim = lim.withDefaults()
	if buf[0] == '*' {
		return parseMultibulk(dst[:0], buf, &lim)
	}
	return parseInline(dst[:0], buf, &lim)
}

// parseMultibulk follows networking.c processMultibulkBuffer, checking
// the same things in the same order, so that the first fault found is the
// one Redis reports.
func parseMultibulk(args [][]byte, buf []byte, lim *Limits) ([][]byte, int, error) {
	line, pos, err := header(buf, 0, lim.MaxCountLine, replyTooBigMbulk)
	if err != nil {
		return nil, 0, err
	}
	count, ok := parseCount(line[1:])
	switch {
	case !ok || count > maxCount:
		return nil, 0, protoErr(replyInvalidMultibulk)
	case lim.Unauthenticated && count > int64(lim.UnauthMaxArgs):
		return nil, 0, limitErr(replyUnauthMultibulk, "UnauthMaxArgs", int64(lim.UnauthMaxArgs), count)
	case count > int64(lim.MaxArgs):
		return nil, 0, limitErr(replyInvalidMultibulk, "MaxArgs", int64(lim.MaxArgs), count)
	}
	for range count {
		line, next, err := header(buf, pos, lim.MaxCountLine, replyTooBigBulk)
		if err != nil {
			return nil, 0, err
		}
		if len(line) == 0 || line[0] != '$' {
			return nil, 0, errExpectedDollar(buf[pos])
		}
		size, ok := parseCount(line[1:])
		switch {
		case !ok || size < 0:
			return nil, 0, protoErr(replyInvalidBulk)
		case size > lim.MaxBulkLen:
			return nil, 0, limitErr(replyInvalidBulk, "MaxBulkLen", lim.MaxBulkLen, size)
		case lim.Unauthenticated && size > lim.UnauthMaxBulkLen:
			return nil, 0, limitErr(replyUnauthBulk, "UnauthMaxBulkLen", lim.UnauthMaxBulkLen, size)
		}
		// The two bytes after the data are skipped unchecked, as Redis
		// does; the comparison cannot overflow since size is bounded.
		if size > int64(len(buf)-next-2) {
			return nil, 0, ErrIncomplete
		}
		end := next + int(size)
		args = append(args, buf[next:end:end])
		pos = end + 2
	}
	return args, pos, nil
}

// header returns the line starting at pos up to its CR, and the position
// after the CR and the byte after it (which Redis skips without checking).
// A line longer than max is an error whether or not its CR has arrived,
// so the answer never depends on how the input was split.
func header(buf []byte, pos, max int, tooBig string) (line []byte, next int, err error) {
	i := scanLine(buf[pos:], '\r')
	if i < 0 {
		if len(buf)-pos > max {
			return nil, 0, limitErr(tooBig, "MaxCountLine", int64(max), int64(len(buf)-pos))
		}
		return nil, 0, ErrIncomplete
	}
	if i > max {
		return nil, 0, limitErr(tooBig, "MaxCountLine", int64(max), int64(i))
	}
	if pos+i+2 > len(buf) {
		return nil, 0, ErrIncomplete
	}
	return buf[pos : pos+i], pos + i + 2, nil
}

// scanLine returns the index of the first term byte in b, or -1 when there
// is none before the end or a NUL byte: Redis finds line ends with strchr,
// which stops at NUL, so a NUL before the terminator leaves the line
// unterminated until it grows too long.
func scanLine(b []byte, term byte) int {
	i := bytes.IndexByte(b, term)
	if i < 0 || bytes.IndexByte(b[:i], 0) >= 0 {
		return -1
	}
	return i
}

// parseInline follows networking.c processInlineBuffer.
func parseInline(args [][]byte, buf []byte, lim *Limits) ([][]byte, int, error) {
	i := scanLine(buf, '\n')
	if i < 0 {
		if len(buf) > lim.MaxInline {
			return nil, 0, limitErr(replyTooBigInline, "MaxInline", int64(lim.MaxInline), int64(len(buf)))
		}
		return nil, 0, ErrIncomplete
	}
	if i > lim.MaxInline {
		return nil, 0, limitErr(replyTooBigInline, "MaxInline", int64(lim.MaxInline), int64(i))
	}
	line := buf[:i]
	if i > 0 && buf[i-1] == '\r' {
		line = buf[:i-1]
	}
	args, ok := splitArgs(args, line)
	if !ok {
		return nil, 0, protoErr(replyUnbalanced)
	}
	return args, i + 1, nil
}

// parseCount parses a length as Redis's string2ll does: an optional '-',
// no '+', no leading zeros ("0" alone excepted), no spaces, at most 20
// bytes, within int64.
func parseCount(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) >= 21 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (1<<64-1)/10 || v*10 > 1<<64-1-d {
			return 0, false
		}
		v = v*10 + d
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
