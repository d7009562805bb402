package resp

// splitArgs splits an inline command line as Redis's sdssplitargs (sds.c)
// does: blanks separate arguments; "..." understands \xHH and the escapes
// \n \r \t \b \a (any other escaped byte stands for itself); '...'
// understands only \'; a closing quote must be followed by a blank or the
// end of the line. It reports false for unbalanced quotes. Plain arguments
// alias line; arguments with quotes are copied. line holds no NUL and no
// LF (the caller cut it at the first of either).
func splitArgs(args [][]byte, line []byte) ([][]byte, bool) {
	p := 0
	for {
		for p < len(line) && isSpace(line[p]) {
			p++
		}
		if p == len(line) {
			return args, true
		}
		start := p
		for p < len(line) && !endsPlain(line[p]) {
			p++
		}
		if p == len(line) || isDelim(line[p]) {
			args = append(args, line[start:p:p])
			continue
		}
		arg, next, ok := quotedArg(line, start, p)
		if !ok {
			return nil, false
		}
		args = append(args, arg)
		p = next
	}
}

// quotedArg finishes an argument whose plain prefix is line[start:p] and
// which continues with a quote at p. It runs sdssplitargs's state machine
// byte for byte, and returns the argument and the position after it.
func quotedArg(line []byte, start, p int) ([]byte, int, bool) {
	cur := make([]byte, p-start, len(line)-start)
	copy(cur, line[start:p])
	inq, insq := false, false
	for ; p < len(line); p++ {
		c := line[p]
		switch {
		case inq:
			switch {
			case c == '\\' && p+3 < len(line) && line[p+1] == 'x' && isHex(line[p+2]) && isHex(line[p+3]):
				cur = append(cur, unhex(line[p+2])<<4|unhex(line[p+3]))
				p += 3
			case c == '\\' && p+1 < len(line):
				p++
				cur = append(cur, unescape(line[p]))
			case c == '"':
				if p+1 < len(line) && !isSpace(line[p+1]) {
					return nil, 0, false
				}
				return cur, p + 1, true
			default:
				cur = append(cur, c)
			}
		case insq:
			switch {
			case c == '\\' && p+1 < len(line) && line[p+1] == '\'':
				p++
				cur = append(cur, '\'')
			case c == '\'':
				if p+1 < len(line) && !isSpace(line[p+1]) {
					return nil, 0, false
				}
				return cur, p + 1, true
			default:
				cur = append(cur, c)
			}
		case isDelim(c):
			return cur, p + 1, true
		case c == '"':
			inq = true
		case c == '\'':
			insq = true
		default:
			cur = append(cur, c)
		}
	}
	if inq || insq {
		return nil, 0, false
	}
	return cur, p, true
}

// isSpace is C's isspace in the "C" locale, which sdssplitargs uses to
// skip blanks between arguments and to check what follows a closing quote.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// isDelim reports the bytes that end an unquoted argument in sdssplitargs:
// fewer than isSpace (no \v or \f), so "a\vb" is one argument.
func isDelim(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func endsPlain(c byte) bool { return isDelim(c) || c == '"' || c == '\'' }

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'a':
		return '\a'
	}
	return c
}
