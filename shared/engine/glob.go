package engine

// globMatch reports whether str matches the glob pattern pat exactly as
// Redis 7.0's stringmatchlen (util.c) decides it, for KEYS and the MATCH
// option of SCAN, HSCAN and SSCAN: '*' any run, '?' any byte, '[abc]',
// '[^abc]', '[a-z]' (reversed ranges allowed), and '\' escapes; nocase
// folds ASCII letters only, as the C locale does.
//
// Redis's quirks are kept on purpose, because clients see them:
//   - a '*' that is not the pattern's last byte never matches the whole
//     remaining string, so "**" does not match "" (KEYS special-cases a
//     lone "*" before matching, and so do we);
//   - an unterminated '[' set runs to the end of the pattern, "[^" matches
//     any byte, and "[a-]" is the range from 'a' to ']' (the set goes on);
//   - range ends are compared as signed chars (x86-64), so a range
//     with a byte >= 0x80 at one end behaves as it does on Linux/amd64;
//   - an escaped byte inside a set is compared case-sensitively even
//     with nocase.
//
// Redis recurses on every '*' and stops early once a '*' has tried every
// suffix (its skipLongerMatches guard). That guard means only the most
// recent '*' can ever be retried, so the loop below keeps one backtrack
// point instead of recursing: same answers, linear stack, and
// O(len(pat)*len(str)) time on patterns like "a*a*a*a*b".
func globMatch(pat, str []byte, nocase bool) bool {
	p, s := 0, 0
	backP, backS := -1, 0 // pattern index after the last '*' and the string start it tries next
	for {
		if globRun(pat, str, &p, &s, &backP, &backS, nocase) {
			return true
		}
		// The run failed: retry the last '*' one byte further on, as
		// Redis's loop over the remaining string does; a '*' that has
		// tried every non-empty suffix ends the whole match.
		if backP < 0 {
			return false
		}
		backS++
		if backS >= len(str) {
			return false
		}
		p, s = backP, backS
	}
}

// globRun is one activation of Redis's stringmatchlen_impl loop from (p, s).
// On reaching a '*' it records the backtrack point and goes on as the
// recursive call would. It reports a match; false means this attempt
// failed and the caller retries the last '*'.
func globRun(pat, str []byte, pp, ps, backP, backS *int, nocase bool) bool {
	p, s := *pp, *ps
	at := func(i int) byte { // C reads the NUL after the pattern
		if i < len(pat) {
			return pat[i]
		}
		return 0
	}
	for p < len(pat) && s < len(str) {
		switch pat[p] {
		case '*':
			for p < len(pat) && at(p+1) == '*' {
				p++
			}
			if len(pat)-p == 1 {
				return true
			}
			p++
			*backP, *backS = p, s
			continue
		case '?':
			s++
		case '[':
			var ok bool
			p, ok = globSet(pat, p+1, str[s], nocase)
			if !ok {
				return false
			}
			s++
		case '\\':
			if len(pat)-p >= 2 {
				p++
			}
			fallthrough
		default:
			if !globEq(pat[p], str[s], nocase) {
				return false
			}
			s++
		}
		p++
		if s == len(str) {
			for at(p) == '*' {
				p++
			}
			break
		}
	}
	return p == len(pat) && s == len(str)
}

// globSet matches byte c against the set starting at pat[p] (just after
// '['). It returns the index of the set's closing ']' (or of the pattern's
// last byte when the set is unterminated) and whether c matched.
func globSet(pat []byte, p int, c byte, nocase bool) (int, bool) {
	not := p < len(pat) && pat[p] == '^'
	if not {
		p++
	}
	match := false
	for {
		n := len(pat) - p
		switch {
		case n >= 2 && pat[p] == '\\':
			p++
			if pat[p] == c {
				match = true
			}
		case n == 0:
			p--
			return p, match != not
		case pat[p] == ']':
			return p, match != not
		case n >= 3 && pat[p+1] == '-':
			// Signed chars, as the C code compares them on amd64.
			lo, hi, x := int(int8(pat[p])), int(int8(pat[p+2])), int(int8(c))
			if lo > hi {
				lo, hi = hi, lo
			}
			if nocase {
				lo, hi, x = lowerASCII(lo), lowerASCII(hi), lowerASCII(x)
			}
			p += 2
			if x >= lo && x <= hi {
				match = true
			}
		default:
			if globEq(pat[p], c, nocase) {
				match = true
			}
		}
		p++
	}
}

func globEq(a, b byte, nocase bool) bool {
	if nocase {
		return lowerASCII(int(a)) == lowerASCII(int(b))
	}
	return a == b
}

// lowerASCII is C's tolower in the C locale: only 'A'..'Z' change.
func lowerASCII(c int) int {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFoldASCII is strcasecmp(b, s) == 0 for option words: ASCII case
// folding only, so that no Unicode folding (the Kelvin sign folds to 'k')
// accepts an option Redis would refuse.
func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if lowerASCII(int(b[i])) != lowerASCII(int(s[i])) {
			return false
		}
	}
	return true
}
