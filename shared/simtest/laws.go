package simtest

import (
	"bytes"
	"fmt"
	"math/rand/v2"

	"github.com/fxamacker/cbor/v2"

	"lattice/shared/codec"
)

// T is the part of testing.TB the checkers use. simtest does not import
// testing, so that it stays inside shared/'s import allowlist (STYLE R3);
// *testing.T and *testing.B satisfy it.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Lattice describes a join-semilattice of states S for CheckLaws.
type Lattice[S any] struct {
	// Gen returns states reached in one random execution of the system
	// (replica states at various moments, deltas). All states must come
	// from one execution: a dot names one event, so states of two
	// unrelated executions may disagree on what a dot carries, which no
	// real system produces and no causal join is required to reconcile.
	Gen func(r *rand.Rand) []S
	// Merge is the join. It may mutate and retain its arguments: every
	// call gets fresh clones.
	Merge func(a, b S) S
	// Clone returns a deep copy sharing no memory with its argument.
	Clone func(S) S
	// Encode returns the bytes two states are compared by. Default:
	// shared/codec.Marshal, the deterministic CBOR of the wire.
	Encode func(S) []byte
	// Leq, when set, is the lattice order a ⊑ b computed independently of
	// Merge (from dots and contexts, say). CheckLaws then checks inflation
	// with it and checks that it agrees with Merge (a ⊑ b iff a ⊔ b = b).
	// When nil, inflation is checked as a ⊔ (a ⊔ b) = a ⊔ b.
	Leq func(a, b S) bool
	// Seed is the first execution's seed. Default: 1.
	Seed uint64
	// Runs is the number of executions. Default: 50.
	Runs int
	// Triples is the number of (a, b, c) picked per execution. Default: 30.
	Triples int
}

// CheckLaws checks, for random states a, b, c of Gen, that the join is
// commutative (a ⊔ b = b ⊔ a), associative ((a ⊔ b) ⊔ c = a ⊔ (b ⊔ c)),
// idempotent (a ⊔ a = a) and inflationary (a ⊑ a ⊔ b), with equality as
// byte equality of Encode (STYLE R11.2). It stops at the first violation
// and reports the seed, the states and their diagnostic CBOR.
func CheckLaws[S any](t T, l Lattice[S]) {
	t.Helper()
	l = l.withDefaults()
	for run := range l.Runs {
		seed := l.Seed + uint64(run)
		states := l.Gen(rand.New(rand.NewPCG(seed, 0x1a77)))
		if len(states) == 0 {
			t.Fatalf("laws: seed %d: Gen returned no states", seed)
		}
		pick := rand.New(rand.NewPCG(seed, 0x9e3))
		for range l.Triples {
			i, j, k := pick.IntN(len(states)), pick.IntN(len(states)), pick.IntN(len(states))
			if msg := l.check(states[i], states[j], states[k]); msg != "" {
				t.Fatalf("laws: seed %d, states %d %d %d: %s", seed, i, j, k, msg)
			}
		}
	}
}

func (l Lattice[S]) withDefaults() Lattice[S] {
	if l.Encode == nil {
		l.Encode = func(s S) []byte {
			b, err := codec.Marshal(s)
			if err != nil {
				panic("simtest: encode state: " + err.Error())
			}
			return b
		}
	}
	if l.Seed == 0 {
		l.Seed = 1
	}
	if l.Runs == 0 {
		l.Runs = 50
	}
	if l.Triples == 0 {
		l.Triples = 30
	}
	return l
}

// join merges fresh clones of a and b, so that no caller's state is touched.
func (l Lattice[S]) join(a, b S) S { return l.Merge(l.Clone(a), l.Clone(b)) }

// check returns a description of the first law a, b, c break, or "".
func (l Lattice[S]) check(a, b, c S) string {
	ea, eb := l.Encode(a), l.Encode(b)
	ab, ba := l.Encode(l.join(a, b)), l.Encode(l.join(b, a))
	if !bytes.Equal(ab, ba) {
		return fmt.Sprintf("not commutative\na     = %s\nb     = %s\na ⊔ b = %s\nb ⊔ a = %s", diag(ea), diag(eb), diag(ab), diag(ba))
	}
	left := l.Encode(l.Merge(l.join(a, b), l.Clone(c)))
	right := l.Encode(l.Merge(l.Clone(a), l.join(b, c)))
	if !bytes.Equal(left, right) {
		return fmt.Sprintf("not associative\na = %s\nb = %s\nc = %s\n(a ⊔ b) ⊔ c = %s\na ⊔ (b ⊔ c) = %s",
			diag(ea), diag(eb), diag(l.Encode(c)), diag(left), diag(right))
	}
	if aa := l.Encode(l.join(a, a)); !bytes.Equal(aa, ea) {
		return fmt.Sprintf("not idempotent\na     = %s\na ⊔ a = %s", diag(ea), diag(aa))
	}
	m := l.join(a, b)
	if am := l.Encode(l.join(a, m)); !bytes.Equal(am, ab) {
		return fmt.Sprintf("not inflationary: a ⊔ (a ⊔ b) ≠ a ⊔ b\na     = %s\nb     = %s\na ⊔ b = %s\na ⊔ (a ⊔ b) = %s",
			diag(ea), diag(eb), diag(ab), diag(am))
	}
	return l.checkOrder(a, b, m, ea, eb, ab)
}

// checkOrder checks inflation under Leq, and that Leq agrees with the join.
func (l Lattice[S]) checkOrder(a, b, m S, ea, eb, ab []byte) string {
	if l.Leq == nil {
		return ""
	}
	switch {
	case !l.Leq(a, a):
		return fmt.Sprintf("Leq not reflexive\na = %s", diag(ea))
	case !l.Leq(a, m) || !l.Leq(b, m):
		return fmt.Sprintf("not inflationary under Leq\na     = %s\nb     = %s\na ⊔ b = %s", diag(ea), diag(eb), diag(ab))
	}
	if got, want := l.Leq(a, b), bytes.Equal(ab, eb); got != want {
		return fmt.Sprintf("Leq(a, b) = %v but (a ⊔ b = b) = %v\na     = %s\nb     = %s\na ⊔ b = %s",
			got, want, diag(ea), diag(eb), diag(ab))
	}
	return ""
}

// diag renders CBOR in diagnostic notation for failure messages.
func diag(b []byte) string {
	s, err := cbor.Diagnose(b)
	if err != nil {
		return fmt.Sprintf("%x (%v)", b, err)
	}
	return s
}
