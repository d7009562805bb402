package engine

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestGlobMatch checks cases whose answers were taken from redis-server
// 7.0.15: KEYS for case-sensitive matching, CONFIG GET (which matches
// config names with nocase) for the nocase ones.
func TestGlobMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pat, str string
		nocase   bool
		want     bool
	}{
		{pat: "", str: "", want: true},
		{pat: "a", str: "", want: false},
		{pat: "", str: "a", want: false},
		{pat: "*", str: "abc", want: true},
		{pat: "**", str: "", want: false},
		{pat: "?", str: "", want: false},
		{pat: "?", str: "a", want: true},
		{pat: "??", str: "a", want: false},
		{pat: "a*", str: "a", want: true},
		{pat: "a**", str: "a", want: true},
		{pat: "*a", str: "a", want: true},
		{pat: "*a", str: "ba", want: true},
		{pat: "*a*", str: "bab", want: true},
		{pat: "a*b", str: "ab", want: true},
		{pat: "a*b", str: "acb", want: true},
		{pat: "a*b", str: "acbc", want: false},
		{pat: "a*a*a*a*b", str: strings.Repeat("a", 73) + "c", want: false},
		{pat: "a*a*a*a*b", str: "aaaaaaaaaaaaaaab", want: true},
		{pat: "[abc]", str: "b", want: true},
		{pat: "[abc]", str: "d", want: false},
		{pat: "[^abc]", str: "d", want: true},
		{pat: "[^abc]", str: "a", want: false},
		{pat: "[a-c]", str: "b", want: true},
		{pat: "[c-a]", str: "b", want: true},
		{pat: "[c-a]", str: "d", want: false},
		{pat: "[a-]", str: "b", want: false},
		{pat: "[a-]", str: "]", want: true},
		{pat: "[a-]x", str: "^x", want: false},
		{pat: "[a-]]", str: "a]", want: false},
		{pat: "[a-]", str: "-", want: false},
		{pat: "[-a]", str: "-", want: true},
		{pat: "[", str: "[", want: false},
		{pat: "[", str: "a", want: false},
		{pat: "[^", str: "a", want: true},
		{pat: "[^", str: "", want: false},
		{pat: "[ab", str: "b", want: true},
		{pat: "[ab", str: "ab", want: false},
		{pat: "[]", str: "]", want: false},
		{pat: "[]]", str: "]", want: false},
		{pat: "[\\]]", str: "]", want: true},
		{pat: "[\\", str: "\\", want: true},
		{pat: "[a\\", str: "\\", want: true},
		{pat: "\\", str: "\\", want: true},
		{pat: "\\*", str: "*", want: true},
		{pat: "\\*", str: "a", want: false},
		{pat: "\\?", str: "?", want: true},
		{pat: "a\\", str: "a\\", want: true},
		{pat: "[\\-a]", str: "-", want: true},
		{pat: "[a\\-z]", str: "m", want: false},
		{pat: "[!a]", str: "b", want: false},
		{pat: "[!a]", str: "!", want: true},
		{pat: "[a-\xff]", str: "b", want: false},
		{pat: "[a-\xff]", str: "\x80", want: false},
		{pat: "[a-\xff]", str: "}", want: false},
		{pat: "[\x80-\xff]", str: "\x90", want: true},
		{pat: "[\x80-\xff]", str: "a", want: false},
		{pat: "[\x00-a]", str: "\x90", want: false},
		{pat: "h?llo", str: "hello", want: true},
		{pat: "h*llo", str: "heeeello", want: true},
		{pat: "h[ae]llo", str: "hallo", want: true},
		{pat: "h[^e]llo", str: "hello", want: false},
		{pat: "h[a-b]llo", str: "hbllo", want: true},
		{pat: "*?", str: "a", want: true},
		{pat: "*??", str: "a", want: false},
		{pat: "?*", str: "", want: false},
		{pat: "a*?b", str: "ab", want: false},
		{pat: "a*?b", str: "axb", want: true},
		{pat: "*[", str: "a[", want: false},
		{pat: "**a", str: "a", want: true},
		{pat: "MAXMEM*", str: "maxmemory", nocase: true, want: true},
		{pat: "[M]axmemory", str: "maxmemory", nocase: true, want: true},
		{pat: "\\Maxmemor*", str: "maxmemory", nocase: true, want: true},
		{pat: "[\\M]axmemor*", str: "maxmemory", nocase: true, want: false},
		{pat: "[\\m]axmemor*", str: "maxmemory", nocase: true, want: true},
		{pat: "[L-N]axmemory", str: "maxmemory", nocase: true, want: true},
		{pat: "[l-n]AXMEMORY", str: "maxmemory", nocase: true, want: true},
		{pat: "[^M]axmemory", str: "maxmemory", nocase: true, want: false},
		{pat: "[^m]axmemory", str: "maxmemory", nocase: true, want: false},
		{pat: "maxmemor?", str: "maxmemory", nocase: true, want: true},
		{pat: "[A-z]axmemory", str: "maxmemory", nocase: true, want: true},
		{pat: "[Z-a]axmemory", str: "maxmemory", nocase: true, want: false},
	}
	for _, tt := range tests {
		name := tt.pat + " ~ " + tt.str
		if tt.nocase {
			name += " nocase"
		}
		t.Run(name, func(t *testing.T) {
			if got := globMatch([]byte(tt.pat), []byte(tt.str), tt.nocase); got != tt.want {
				t.Errorf("globMatch(%q, %q, %v) = %v, want %v", tt.pat, tt.str, tt.nocase, got, tt.want)
			}
			if got := globRef([]byte(tt.pat), []byte(tt.str), tt.nocase); got != tt.want {
				t.Errorf("globRef(%q, %q, %v) = %v, want %v (reference port disagrees with Redis)",
					tt.pat, tt.str, tt.nocase, got, tt.want)
			}
		})
	}
}

// TestGlobMatchAgainstReference compares the iterative matcher with a
// line-by-line recursive port of util.c on random inputs over an alphabet
// rich in metacharacters.
func TestGlobMatchAgainstReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 11))
	gen := func(alpha string, maxLen int) []byte {
		b := make([]byte, rng.IntN(maxLen+1))
		for i := range b {
			b[i] = alpha[rng.IntN(len(alpha))]
		}
		return b
	}
	for range 200_000 {
		pat := gen("abA*?[]^-\\\x80\xff", 8)
		str := gen("abAB]-\\^[*?\x80\xff", 7)
		nocase := rng.IntN(2) == 0
		if got, want := globMatch(pat, str, nocase), globRef(pat, str, nocase); got != want {
			t.Fatalf("globMatch(%q, %q, %v) = %v, reference %v", pat, str, nocase, got, want)
		}
	}
}

// TestGlobMatchNotExponential runs patterns that take exponential time
// without Redis's skipLongerMatches guard.
func TestGlobMatchNotExponential(t *testing.T) {
	t.Parallel()
	str := []byte(strings.Repeat("a", 20_000))
	pat := []byte(strings.Repeat("a*", 30) + "b")
	if globMatch(pat, str, false) {
		t.Fatal("matched")
	}
	if !globMatch([]byte(strings.Repeat("*a", 30)), str, true) {
		t.Fatal("did not match")
	}
}

func TestEqualFoldASCII(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		b, s string
		want bool
	}{
		{name: "same", b: "count", s: "count", want: true},
		{name: "upper", b: "COUNT", s: "count", want: true},
		{name: "mixed", b: "CoUnT", s: "count", want: true},
		{name: "shorter", b: "coun", s: "count", want: false},
		{name: "kelvin sign", b: "\u212aeepttl", s: "keepttl", want: false},
		{name: "non-letter", b: "[", s: "{", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := equalFoldASCII([]byte(tt.b), tt.s); got != tt.want {
				t.Errorf("equalFoldASCII(%q, %q) = %v", tt.b, tt.s, got)
			}
		})
	}
}

func FuzzGlob(f *testing.F) {
	f.Add([]byte("a*b?[c-d]\\e"), []byte("axbcde"), false)
	f.Add([]byte("[^"), []byte("x"), true)
	f.Add([]byte("*a*a*a*b"), []byte("aaaaaaaaaaaa"), false)
	f.Fuzz(func(t *testing.T, pat, str []byte, nocase bool) {
		got := globMatch(pat, str, nocase)
		if len(pat) <= 64 && len(str) <= 64 {
			if want := globRef(pat, str, nocase); got != want {
				t.Fatalf("globMatch(%q, %q, %v) = %v, reference %v", pat, str, nocase, got, want)
			}
		}
	})
}

// globRef is a direct recursive transliteration of Redis 7.0's
// stringmatchlen_impl, kept as the oracle for globMatch. Reads past the
// pattern's end see the NUL terminator, as in C.
func globRef(pat, str []byte, nocase bool) bool {
	skip := false
	return globRefImpl(pat, str, nocase, &skip)
}

func globRefImpl(pattern, str []byte, nocase bool, skipLonger *bool) bool {
	at := func(i int) int {
		if i < len(pattern) {
			return int(int8(pattern[i]))
		}
		return 0
	}
	p, s := 0, 0
	patternLen, stringLen := len(pattern), len(str)
	lower := func(c int) int { return lowerASCII(c) }
	for patternLen > 0 && stringLen > 0 {
		switch at(p) {
		case '*':
			for patternLen > 0 && at(p+1) == '*' {
				p++
				patternLen--
			}
			if patternLen == 1 {
				return true
			}
			for stringLen > 0 {
				if globRefImpl(pattern[p+1:], str[s:], nocase, skipLonger) {
					return true
				}
				if *skipLonger {
					return false
				}
				s++
				stringLen--
			}
			*skipLonger = true
			return false
		case '?':
			s++
			stringLen--
		case '[':
			p++
			patternLen--
			not := at(p) == '^'
			if not {
				p++
				patternLen--
			}
			match := false
			c := int(int8(str[s]))
			for {
				if at(p) == '\\' && patternLen >= 2 {
					p++
					patternLen--
					if at(p) == c {
						match = true
					}
				} else if at(p) == ']' {
					break
				} else if patternLen == 0 {
					p--
					patternLen++
					break
				} else if patternLen >= 3 && at(p+1) == '-' {
					start, end, cc := at(p), at(p+2), c
					if start > end {
						start, end = end, start
					}
					if nocase {
						start, end, cc = lower(start), lower(end), lower(cc)
					}
					p += 2
					patternLen -= 2
					if cc >= start && cc <= end {
						match = true
					}
				} else if !nocase && at(p) == c || nocase && lower(at(p)) == lower(c) {
					match = true
				}
				p++
				patternLen--
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			s++
			stringLen--
		case '\\':
			if patternLen >= 2 {
				p++
				patternLen--
			}
			fallthrough
		default:
			c := int(int8(str[s]))
			if !nocase && at(p) != c || nocase && lower(at(p)) != lower(c) {
				return false
			}
			s++
			stringLen--
		}
		p++
		patternLen--
		if stringLen == 0 {
			for at(p) == '*' {
				p++
				patternLen--
			}
			break
		}
	}
	return patternLen == 0 && stringLen == 0
}
