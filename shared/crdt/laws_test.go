package crdt_test

import (
	"fmt"
	"maps"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"lattice/shared/causal"
	"lattice/shared/crdt"
	"lattice/shared/hlc"
	"lattice/shared/simtest"
)

// st is a state of a causal CRDT, or a delta: a dot store and the causal
// context it is read against. The join of (sa, ca) and (sb, cb) is the store
// join under ca and cb, plus ca ∪ cb.
type st[S any] struct {
	_  struct{} `cbor:",toarray"`
	S  S
	CC causal.Context
}

// kind describes one dot store type to the generic world and law code.
type kind[S any] struct {
	empty func() S
	// join merges b (context cb) into a (context ca); full is false when b
	// is a delta naming only what it touches (the engine's fast path).
	join  func(a S, ca *causal.Context, b S, cb *causal.Context, full bool) S
	clone func(S) S
	// mutate performs one random operation the way a replica does and
	// returns the delta and its context (minted plus removed dots).
	mutate func(r *rand.Rand, rep *replica[S]) (S, causal.Context)
	// dots lists the live dots of a store.
	dots func(S) []causal.Dot
	// leqExtra orders what dots do not (Value's reset records); nil: true.
	leqExtra func(a, b S) bool
}

// replica is one simulated owner of a state: an id, a clock, and the time.
type replica[S any] struct {
	id    causal.ReplicaID
	clock hlc.Clock
	now   int64 // Unix ns
	state st[S]
}

// mint returns this replica's next dot; it enters the context when the
// delta is applied, as in the engine.
func (rep *replica[S]) mint() causal.Dot {
	return causal.Dot{Replica: rep.id, Seq: rep.state.CC.Max(rep.id) + 1}
}

func (rep *replica[S]) stamp() hlc.Timestamp { return rep.clock.Now(rep.now) }

// apply joins a delta (or another replica's state, when full) into rep.
func (k kind[S]) apply(rep *replica[S], d S, dcc *causal.Context, full bool) {
	rep.state.S = k.join(rep.state.S, &rep.state.CC, d, dcc, full)
	rep.state.CC.Join(dcc)
}

func (k kind[S]) cloneSt(s st[S]) st[S] { return st[S]{S: k.clone(s.S), CC: s.CC.Clone()} }

// mergeSt is the state join used by the law checker.
func (k kind[S]) mergeSt(a, b st[S]) st[S] {
	s := k.join(a.S, &a.CC, b.S, &b.CC, true)
	a.CC.Join(&b.CC)
	return st[S]{S: s, CC: a.CC}
}

// normalize turns a delta into the canonical state it denotes: ⊥ ⊔ delta.
func (k kind[S]) normalize(d st[S]) st[S] {
	var empty causal.Context
	return st[S]{S: k.join(k.empty(), &empty, k.clone(d.S), &d.CC, true), CC: d.CC.Clone()}
}

// leq is the causal order computed from dots alone: (sa, ca) ⊑ (sb, cb)
// iff ca ⊆ cb and every dot of sb that ca has seen is still in sa (b never
// resurrects what a removed).
func (k kind[S]) leq(a, b st[S]) bool {
	if !b.CC.Dominates(&a.CC) {
		return false
	}
	live := map[causal.Dot]bool{}
	for _, d := range k.dots(a.S) {
		live[d] = true
	}
	for _, d := range k.dots(b.S) {
		if a.CC.Contains(d) && !live[d] {
			return false
		}
	}
	return k.leqExtra == nil || k.leqExtra(a.S, b.S)
}

// world runs 2-4 replicas performing random operations on their own
// copies and exchanging random deltas (old, duplicated, out of order) and
// whole states, and returns states seen along the way: replica states at
// random moments, every replica's final state, and some deltas.
func (k kind[S]) world(r *rand.Rand) []st[S] {
	reps := make([]*replica[S], 2+r.IntN(3))
	for i := range reps {
		reps[i] = &replica[S]{id: causal.ReplicaID{15: byte(i + 1)}, state: st[S]{S: k.empty()}}
	}
	var log, out []st[S]
	now := int64(1_700_000_000_000) * 1e6
	for range 10 + r.IntN(50) {
		now += r.Int64N(3) * 1e6 // 0-2 ms: timestamp ties happen
		rep := reps[r.IntN(len(reps))]
		rep.now = now
		switch x := r.IntN(10); {
		case x < 6:
			d, dcc := k.mutate(r, rep)
			k.apply(rep, k.clone(d), &dcc, false)
			log = append(log, st[S]{S: d, CC: dcc})
		case x < 9 && len(log) > 0:
			d := k.cloneSt(log[r.IntN(len(log))])
			k.apply(rep, d.S, &d.CC, false)
		default:
			o := k.cloneSt(reps[r.IntN(len(reps))].state)
			k.apply(rep, o.S, &o.CC, true)
		}
		if r.IntN(4) == 0 {
			out = append(out, k.cloneSt(rep.state))
		}
	}
	for _, rep := range reps {
		out = append(out, k.cloneSt(rep.state))
	}
	for range min(len(log), 5) {
		out = append(out, k.normalize(log[r.IntN(len(log))]))
	}
	return out
}

// checkLaws runs the generic law checker over worlds of kind k.
func checkLaws[S any](t *testing.T, k kind[S]) {
	t.Helper()
	simtest.CheckLaws(t, simtest.Lattice[st[S]]{
		Gen:   k.world,
		Merge: k.mergeSt,
		Clone: k.cloneSt,
		Leq:   k.leq,
		Runs:  200,
	})
}

// ctxOf builds a delta context from removed and minted dots.
func ctxOf(rm []causal.Dot, minted ...causal.Dot) causal.Context {
	var cc causal.Context
	for _, d := range rm {
		cc.Add(d)
	}
	for _, d := range minted {
		cc.Add(d)
	}
	return cc
}

// ---- Marks: the MV-register of type and TTL marks.

func marksKind() kind[crdt.Marks] {
	return kind[crdt.Marks]{
		empty: func() crdt.Marks { return nil },
		join: func(a crdt.Marks, ca *causal.Context, b crdt.Marks, cb *causal.Context, _ bool) crdt.Marks {
			return a.Join(ca, b, cb)
		},
		clone: slices.Clone[crdt.Marks],
		mutate: func(r *rand.Rand, rep *replica[crdt.Marks]) (crdt.Marks, causal.Context) {
			if r.IntN(5) == 0 {
				return marksClear(rep)
			}
			return marksWrite(rep, r.Int64N(4))
		},
		dots: func(s crdt.Marks) []causal.Dot { return s.Dots(nil) },
	}
}

// marksWrite writes n, replacing every mark observed.
func marksWrite(rep *replica[crdt.Marks], n int64) (crdt.Marks, causal.Context) {
	d := rep.mint()
	return crdt.Marks{{Dot: d, TS: rep.stamp(), N: n}}, ctxOf(rep.state.S.Dots(nil), d)
}

// marksClear removes every mark observed (DEL of the key).
func marksClear(rep *replica[crdt.Marks]) (crdt.Marks, causal.Context) {
	return nil, ctxOf(rep.state.S.Dots(nil))
}

// ---- Value: the string register with a resettable counter.

var (
	assignVals = []string{"1", "-2", "10", "1.5", "abc", "", "0.25", "007"}
	decimals   = []string{"0.5", "-1.25", "0.1", "2", "-0.003"}
)

func valueKind() kind[*crdt.Value] {
	return kind[*crdt.Value]{
		empty: func() *crdt.Value { return &crdt.Value{} },
		join: func(a *crdt.Value, ca *causal.Context, b *crdt.Value, cb *causal.Context, _ bool) *crdt.Value {
			a.Join(ca, b, cb)
			return a
		},
		clone: (*crdt.Value).Clone,
		mutate: func(r *rand.Rand, rep *replica[*crdt.Value]) (*crdt.Value, causal.Context) {
			return randomValueOp(r, rep.state.S, rep.mint, rep.stamp)
		},
		dots:     func(v *crdt.Value) []causal.Dot { return v.Dots(nil) },
		leqExtra: resetsLeq,
	}
}

// randomValueOp assigns, increments (by an int or a decimal, only when the
// visible value is numeric, as INCRBY and INCRBYFLOAT check) or removes.
func randomValueOp(r *rand.Rand, cur *crdt.Value, mint func() causal.Dot, stamp func() hlc.Timestamp) (*crdt.Value, causal.Context) {
	val, present := cur.Get()
	_, isInt := crdt.ParseInt(val)
	_, isDec := crdt.ParseDecimal(string(val))
	switch x := r.IntN(10); {
	case x < 3:
		return valueAssign(cur, mint(), stamp(), assignVals[r.IntN(len(assignVals))])
	case x < 6 && (!present || isInt):
		return valueIncr(cur, mint(), r.Int64N(9)-3, crdt.Decimal{})
	case x < 8 && (!present || isDec):
		f, _ := crdt.ParseDecimal(decimals[r.IntN(len(decimals))])
		return valueIncr(cur, mint(), 0, f)
	default:
		return valueRemove(cur)
	}
}

func valueAssign(cur *crdt.Value, d causal.Dot, ts hlc.Timestamp, val string) (*crdt.Value, causal.Context) {
	v, rm := cur.Assign(d, ts, []byte(val), nil)
	return &v, ctxOf(rm, d)
}

func valueIncr(cur *crdt.Value, d causal.Dot, n int64, f crdt.Decimal) (*crdt.Value, causal.Context) {
	v, rm := cur.Increment(d, n, f, nil)
	return &v, ctxOf(rm, d)
}

func valueRemove(cur *crdt.Value) (*crdt.Value, causal.Context) {
	v, rm := cur.Remove(nil)
	return &v, ctxOf(rm)
}

// resetsLeq orders reset records: every record of a is matched in b by a
// record of the same replica at the same or a later seq.
func resetsLeq(a, b *crdt.Value) bool {
	for _, ra := range a.Resets {
		i := slices.IndexFunc(b.Resets, func(rb crdt.Reset) bool { return rb.Replica == ra.Replica })
		if i < 0 || b.Resets[i].Seq < ra.Seq {
			return false
		}
	}
	return true
}

// ---- ORSet: add-wins observed-remove set.

var members = []string{"m0", "m1", "m2", "m3"}

func orsetKind() kind[crdt.ORSet] {
	return kind[crdt.ORSet]{
		empty: func() crdt.ORSet { return crdt.ORSet{} },
		join: func(a crdt.ORSet, ca *causal.Context, b crdt.ORSet, cb *causal.Context, full bool) crdt.ORSet {
			a.Join(ca, b, cb, full, false)
			return a
		},
		clone: cloneORSet,
		mutate: func(r *rand.Rand, rep *replica[crdt.ORSet]) (crdt.ORSet, causal.Context) {
			m := members[r.IntN(len(members))]
			switch x := r.IntN(10); {
			case x < 6:
				return setAdd(rep.state.S, rep.mint(), m)
			case x < 9:
				return setRemove(rep.state.S, m)
			default:
				return setClear(rep.state.S)
			}
		},
		dots: func(s crdt.ORSet) []causal.Dot {
			var out []causal.Dot
			for _, m := range slices.Sorted(maps.Keys(s)) {
				out = append(out, s[m]...)
			}
			return out
		},
	}
}

func cloneORSet(s crdt.ORSet) crdt.ORSet {
	out := crdt.ORSet{}
	for m, ds := range s {
		out[m] = slices.Clone(ds)
	}
	return out
}

func setAdd(s crdt.ORSet, d causal.Dot, m string) (crdt.ORSet, causal.Context) {
	entry, rm := s.Add(d, m, nil)
	return crdt.ORSet{m: entry}, ctxOf(rm, d)
}

func setRemove(s crdt.ORSet, m string) (crdt.ORSet, causal.Context) {
	return crdt.ORSet{m: nil}, ctxOf(s.Remove(m, nil))
}

// setClear removes every observed member (DEL, SPOP of all, FLUSHALL).
func setClear(s crdt.ORSet) (crdt.ORSet, causal.Context) {
	delta := crdt.ORSet{}
	var rm []causal.Dot
	for m := range s {
		delta[m] = nil
		rm = s.Remove(m, rm)
	}
	return delta, ctxOf(rm)
}

// ---- ORMap: hash fields to Values.

var fields = []string{"f0", "f1", "f2"}

func ormapKind() kind[crdt.ORMap] {
	return kind[crdt.ORMap]{
		empty: func() crdt.ORMap { return crdt.ORMap{} },
		join: func(a crdt.ORMap, ca *causal.Context, b crdt.ORMap, cb *causal.Context, full bool) crdt.ORMap {
			a.Join(ca, b, cb, full, false)
			return a
		},
		clone: cloneORMap,
		mutate: func(r *rand.Rand, rep *replica[crdt.ORMap]) (crdt.ORMap, causal.Context) {
			if r.IntN(10) == 0 {
				return mapClear(rep.state.S)
			}
			f := fields[r.IntN(len(fields))]
			v, dcc := randomValueOp(r, fieldOf(rep.state.S, f), rep.mint, rep.stamp)
			return crdt.ORMap{f: v}, dcc
		},
		dots: func(m crdt.ORMap) []causal.Dot {
			var out []causal.Dot
			for _, f := range slices.Sorted(maps.Keys(m)) {
				out = m[f].Dots(out)
			}
			return out
		},
		leqExtra: func(a, b crdt.ORMap) bool {
			for f, va := range a {
				vb := b[f]
				if vb == nil {
					vb = &crdt.Value{}
				}
				if !resetsLeq(va, vb) {
					return false
				}
			}
			return true
		},
	}
}

func cloneORMap(m crdt.ORMap) crdt.ORMap {
	out := crdt.ORMap{}
	for f, v := range m {
		out[f] = v.Clone()
	}
	return out
}

func fieldOf(m crdt.ORMap, f string) *crdt.Value {
	if v := m[f]; v != nil {
		return v
	}
	return &crdt.Value{}
}

// mapClear removes every observed field (DEL of a hash).
func mapClear(m crdt.ORMap) (crdt.ORMap, causal.Context) {
	delta := crdt.ORMap{}
	var rm []causal.Dot
	for f, v := range m {
		dv, r2 := v.Remove(rm)
		delta[f], rm = &dv, r2
	}
	return delta, ctxOf(rm)
}

func TestLaws_Marks(t *testing.T) {
	t.Parallel()
	checkLaws(t, marksKind())
}

func TestLaws_Value(t *testing.T) {
	t.Parallel()
	checkLaws(t, valueKind())
}

func TestLaws_ORSet(t *testing.T) {
	t.Parallel()
	checkLaws(t, orsetKind())
}

func TestLaws_ORMap(t *testing.T) {
	t.Parallel()
	checkLaws(t, ormapKind())
}

// ---- Sequential oracles (STYLE R11.2): with no concurrency (every delta
// reaches every replica before the next operation), each type behaves
// like its plain sequential counterpart.

// syncWorld runs ops on random replicas of kind k, delivering each delta
// to every replica at once, and calls check after every step.
func syncWorld[S any](t *testing.T, k kind[S], seed uint64, steps int,
	op func(r *rand.Rand, rep *replica[S]) (S, causal.Context, string),
	check func(rep *replica[S]) string,
) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	reps := make([]*replica[S], 3)
	for i := range reps {
		reps[i] = &replica[S]{id: causal.ReplicaID{15: byte(i + 1)}, state: st[S]{S: k.empty()}}
	}
	now := int64(1_700_000_000_000) * 1e6
	var trace []string
	for step := range steps {
		now += r.Int64N(2) * 1e6
		rep := reps[r.IntN(len(reps))]
		rep.now = now
		d, dcc, desc := op(r, rep)
		trace = append(trace, rep.id.String()[34:]+": "+desc)
		for _, o := range reps {
			k.apply(o, k.clone(d), &dcc, false)
		}
		for _, o := range reps {
			if msg := check(o); msg != "" {
				t.Fatalf("seed %d step %d, replica %s: %s\ntrace:\n  %s", seed, step, o.id, msg, strings.Join(trace, "\n  "))
			}
		}
	}
}

func TestOracle_Marks(t *testing.T) {
	t.Parallel()
	for seed := range uint64(50) {
		var want int64
		present := false
		syncWorld(t, marksKind(), seed, 60,
			func(r *rand.Rand, rep *replica[crdt.Marks]) (crdt.Marks, causal.Context, string) {
				if r.IntN(4) == 0 {
					present = false
					d, cc := marksClear(rep)
					return d, cc, "clear"
				}
				want, present = r.Int64N(100), true
				d, cc := marksWrite(rep, want)
				return d, cc, "write " + strconv.FormatInt(want, 10)
			},
			func(rep *replica[crdt.Marks]) string {
				s := rep.state.S
				switch {
				case !present && len(s) != 0:
					return "want no mark, have " + strconv.Itoa(len(s))
				case present && len(s) != 1:
					return "want exactly one mark, have " + strconv.Itoa(len(s))
				case present && s[s.LWW()].N != want:
					return "LWW mark " + strconv.FormatInt(s[s.LWW()].N, 10) + ", want " + strconv.FormatInt(want, 10)
				}
				return ""
			})
	}
}

// register is the sequential oracle of a Value: a plain string register
// with Redis INCRBY / INCRBYFLOAT semantics on numeric contents.
type register struct {
	present bool
	val     string
}

func (g *register) incr(n int64, f string) {
	var sum big.Rat
	if g.present {
		sum.SetString(g.val)
	}
	sum.Add(&sum, new(big.Rat).SetInt64(n))
	if f != "" {
		x, _ := new(big.Rat).SetString(f)
		sum.Add(&sum, x)
	}
	g.present, g.val = true, formatRat(&sum)
}

// formatRat prints an exact decimal as Redis prints an INCRBYFLOAT result:
// no exponent, no trailing fractional zeros.
func formatRat(x *big.Rat) string {
	if x.IsInt() {
		return x.Num().String()
	}
	s := strings.TrimRight(x.FloatString(12), "0")
	return strings.TrimSuffix(s, ".")
}

// numeric reports what increments the oracle allows, as INCRBY and
// INCRBYFLOAT check before they write.
func (g *register) numeric() (isInt, isDec bool) {
	if !g.present {
		return true, true
	}
	_, isInt = crdt.ParseInt([]byte(g.val))
	_, isDec = crdt.ParseDecimal(g.val)
	return isInt, isDec
}

// step performs a random operation on cur and the oracle alike.
func (g *register) step(r *rand.Rand, cur *crdt.Value, mint func() causal.Dot, stamp func() hlc.Timestamp) (*crdt.Value, causal.Context, string) {
	isInt, isDec := g.numeric()
	switch x := r.IntN(10); {
	case x < 3:
		val := assignVals[r.IntN(len(assignVals))]
		g.present, g.val = true, val
		v, cc := valueAssign(cur, mint(), stamp(), val)
		return v, cc, "set " + strconv.Quote(val)
	case x < 6 && isInt:
		n := r.Int64N(9) - 3
		g.incr(n, "")
		v, cc := valueIncr(cur, mint(), n, crdt.Decimal{})
		return v, cc, "incrby " + strconv.FormatInt(n, 10)
	case x < 8 && isDec:
		fs := decimals[r.IntN(len(decimals))]
		f, _ := crdt.ParseDecimal(fs)
		g.incr(0, fs)
		v, cc := valueIncr(cur, mint(), 0, f)
		return v, cc, "incrbyfloat " + fs
	default:
		g.present = false
		v, cc := valueRemove(cur)
		return v, cc, "del"
	}
}

func (g *register) check(v *crdt.Value) string {
	got, ok := v.Get()
	if ok != g.present || ok && string(got) != g.val {
		return "Value reads " + strconv.Quote(string(got)) + " present=" + strconv.FormatBool(ok) +
			", oracle " + strconv.Quote(g.val) + " present=" + strconv.FormatBool(g.present)
	}
	return ""
}

func TestOracle_Value(t *testing.T) {
	t.Parallel()
	for seed := range uint64(200) {
		var g register
		syncWorld(t, valueKind(), seed, 60,
			func(r *rand.Rand, rep *replica[*crdt.Value]) (*crdt.Value, causal.Context, string) {
				return g.step(r, rep.state.S, rep.mint, rep.stamp)
			},
			func(rep *replica[*crdt.Value]) string { return g.check(rep.state.S) })
	}
}

func TestOracle_ORSet(t *testing.T) {
	t.Parallel()
	for seed := range uint64(100) {
		want := map[string]struct{}{}
		syncWorld(t, orsetKind(), seed, 60,
			func(r *rand.Rand, rep *replica[crdt.ORSet]) (crdt.ORSet, causal.Context, string) {
				m := members[r.IntN(len(members))]
				switch x := r.IntN(10); {
				case x < 5:
					want[m] = struct{}{}
					d, cc := setAdd(rep.state.S, rep.mint(), m)
					return d, cc, "sadd " + m
				case x < 9:
					delete(want, m)
					d, cc := setRemove(rep.state.S, m)
					return d, cc, "srem " + m
				default:
					clear(want)
					d, cc := setClear(rep.state.S)
					return d, cc, "del"
				}
			},
			func(rep *replica[crdt.ORSet]) string {
				got := slices.Sorted(maps.Keys(rep.state.S))
				if exp := slices.Sorted(maps.Keys(want)); !slices.Equal(got, exp) {
					return "members " + strings.Join(got, ",") + ", oracle " + strings.Join(exp, ",")
				}
				for m, ds := range rep.state.S {
					if len(ds) != 1 {
						return "member " + m + " has " + strconv.Itoa(len(ds)) + " dots without concurrency"
					}
				}
				return ""
			})
	}
}

func TestOracle_ORMap(t *testing.T) {
	t.Parallel()
	for seed := range uint64(100) {
		want := map[string]*register{}
		syncWorld(t, ormapKind(), seed, 60,
			func(r *rand.Rand, rep *replica[crdt.ORMap]) (crdt.ORMap, causal.Context, string) {
				if r.IntN(12) == 0 {
					clear(want)
					d, cc := mapClear(rep.state.S)
					return d, cc, "del"
				}
				f := fields[r.IntN(len(fields))]
				g := want[f]
				if g == nil {
					g = &register{}
					want[f] = g
				}
				v, cc, desc := g.step(r, fieldOf(rep.state.S, f), rep.mint, rep.stamp)
				return crdt.ORMap{f: v}, cc, desc + " (field " + f + ")"
			},
			func(rep *replica[crdt.ORMap]) string {
				for _, f := range fields {
					g := want[f]
					if g == nil {
						g = &register{}
					}
					if msg := g.check(fieldOf(rep.state.S, f)); msg != "" {
						return "field " + f + ": " + msg
					}
				}
				return ""
			})
	}
}

// ---- Concurrent oracle for Value (SEMANTICS.md A2, A3, B2, B3): replicas
// sync by joining whole states, so what each replica has observed is a
// causally closed set of events and "what a write had seen" is exact.
// The visible value must then be: the LWW winner among the assignments no
// later write observed, plus every increment no assignment or removal
// observed (when that winner is numeric, or there is none).

// vevent is one write in the oracle's history.
type vevent struct {
	kind  string // "set", "incr", "del"
	val   string // set: the value; incr: the exact decimal amount
	ts    hlc.Timestamp
	id    causal.ReplicaID
	past  map[int]bool // events observed when it was made
	label string
}

type vhistory struct{ events []vevent }

// expect computes the visible value for a replica that observed obs.
func (h *vhistory) expect(obs map[int]bool) (string, bool) {
	removed := map[int]bool{}
	for e := range obs {
		if k := h.events[e].kind; k == "set" || k == "del" {
			for p := range h.events[e].past {
				removed[p] = true
			}
		}
	}
	base := -1
	var sum big.Rat
	incs := 0
	for e := range obs {
		ev := &h.events[e]
		if removed[e] {
			continue
		}
		switch ev.kind {
		case "set":
			if base < 0 || crdt.Later(ev.ts, ev.id, h.events[base].ts, h.events[base].id) {
				base = e
			}
		case "incr":
			x, _ := new(big.Rat).SetString(ev.val)
			sum.Add(&sum, x)
			incs++
		}
	}
	switch {
	case base < 0 && incs == 0:
		return "", false
	case base >= 0 && incs == 0:
		return h.events[base].val, true
	case base >= 0:
		b, ok := new(big.Rat).SetString(h.events[base].val)
		if !ok {
			return h.events[base].val, true // B2: a non-numeric SET stands alone
		}
		sum.Add(&sum, b)
	}
	return formatRat(&sum), true
}

func TestOracle_ValueConcurrent(t *testing.T) {
	t.Parallel()
	k := valueKind()
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 13))
		var h vhistory
		reps := make([]*replica[*crdt.Value], 3)
		obs := make([]map[int]bool, len(reps))
		for i := range reps {
			reps[i] = &replica[*crdt.Value]{id: causal.ReplicaID{15: byte(i + 1)}, state: st[*crdt.Value]{S: k.empty()}}
			obs[i] = map[int]bool{}
		}
		now := int64(1_700_000_000_000) * 1e6
		var trace []string
		for step := range 40 {
			now += r.Int64N(2) * 1e6
			i := r.IntN(len(reps))
			rep := reps[i]
			rep.now = now
			if r.IntN(3) == 0 {
				j := r.IntN(len(reps))
				o := k.cloneSt(reps[j].state)
				k.apply(rep, o.S, &o.CC, true)
				maps.Copy(obs[i], obs[j])
				trace = append(trace, "r"+strconv.Itoa(i)+" joins r"+strconv.Itoa(j))
			} else {
				ev := vevent{id: rep.id, past: maps.Clone(obs[i])}
				var d *crdt.Value
				var dcc causal.Context
				val, present := rep.state.S.Get()
				_, numeric := crdt.ParseDecimal(string(val))
				switch x := r.IntN(10); {
				case x < 2:
					ev.kind, ev.val, ev.ts = "set", []string{"10", "100", "abc", "-1", "2.5"}[r.IntN(5)], rep.stamp()
					d, dcc = valueAssign(rep.state.S, rep.mint(), ev.ts, ev.val)
				case x < 6 && (!present || numeric):
					n := r.Int64N(9) - 3
					ev.kind, ev.val = "incr", strconv.FormatInt(n, 10)
					d, dcc = valueIncr(rep.state.S, rep.mint(), n, crdt.Decimal{})
				case x < 8 && (!present || numeric):
					ev.kind, ev.val = "incr", decimals[r.IntN(len(decimals))]
					f, _ := crdt.ParseDecimal(ev.val)
					d, dcc = valueIncr(rep.state.S, rep.mint(), 0, f)
				default:
					ev.kind = "del"
					d, dcc = valueRemove(rep.state.S)
				}
				k.apply(rep, d, &dcc, false)
				obs[i][len(h.events)] = true
				ev.label = "r" + strconv.Itoa(i) + ": " + ev.kind + " " + ev.val
				h.events = append(h.events, ev)
				trace = append(trace, ev.label)
			}
			for i := range reps {
				want, wantOK := h.expect(obs[i])
				got, ok := reps[i].state.S.Get()
				if ok != wantOK || string(got) != want {
					t.Fatalf("seed %d step %d: r%d reads %q (present %v), oracle %q (present %v)\ntrace:\n  %s",
						seed, step, i, got, ok, want, wantOK, strings.Join(trace, "\n  "))
				}
			}
		}
	}
}

// TestValue_ResetOfPartOfChain is the shrunk case TestOracle_ValueConcurrent
// found: a reset that saw only the start of a replica's increment chain
// must not make a later increment hide the middle of the chain from a
// concurrent reset that saw it. In Redis terms: A INCRBY 1; B (saw it)
// DEL; A INCRBY 10; D (saw +1, +10) DEL; A (saw B's DEL) INCRBY 100. After
// sync only the +100 is unseen by every DEL: the value is 100, not 110.
func TestValue_ResetOfPartOfChain(t *testing.T) {
	t.Parallel()
	k := valueKind()
	mk := func(b byte) *replica[*crdt.Value] {
		return &replica[*crdt.Value]{id: causal.ReplicaID{15: b}, state: st[*crdt.Value]{S: k.empty()}}
	}
	a, b, d := mk(1), mk(2), mk(4)
	join := func(dst, src *replica[*crdt.Value]) {
		o := k.cloneSt(src.state)
		k.apply(dst, o.S, &o.CC, true)
	}
	incr := func(rep *replica[*crdt.Value], n int64) {
		v, cc := valueIncr(rep.state.S, rep.mint(), n, crdt.Decimal{})
		k.apply(rep, v, &cc, false)
	}
	del := func(rep *replica[*crdt.Value]) {
		v, cc := valueRemove(rep.state.S)
		k.apply(rep, v, &cc, false)
	}
	incr(a, 1)
	join(b, a)
	del(b)
	incr(a, 10)
	join(d, a)
	join(a, b)
	incr(a, 100)
	del(d)
	for _, pair := range [][2]*replica[*crdt.Value]{{a, d}, {a, b}, {b, a}, {d, a}} {
		join(pair[0], pair[1])
	}
	for _, rep := range []*replica[*crdt.Value]{a, b, d} {
		if got, ok := rep.state.S.Get(); !ok || string(got) != "100" {
			t.Fatalf("replica %s reads %q (present %v), want \"100\"", rep.id, got, ok)
		}
	}
}

// TestValue_ChainBeyondInt64: one replica's running total may leave int64
// while the visible sum stays inside it, because other replicas added the
// opposite; totals must stay exact (SEMANTICS.md B11), never wrap. In
// Redis terms: A INCRBY 9e18; B (saw it) INCRBY -9e18; A (saw that)
// INCRBY 9e18: everyone reads 9e18, though A's own total is 1.8e19.
func TestValue_ChainBeyondInt64(t *testing.T) {
	t.Parallel()
	k := valueKind()
	mk := func(b byte) *replica[*crdt.Value] {
		return &replica[*crdt.Value]{id: causal.ReplicaID{15: b}, state: st[*crdt.Value]{S: k.empty()}}
	}
	a, b := mk(1), mk(2)
	incr := func(rep *replica[*crdt.Value], n int64) {
		v, cc := valueIncr(rep.state.S, rep.mint(), n, crdt.Decimal{})
		k.apply(rep, v, &cc, false)
	}
	join := func(dst, src *replica[*crdt.Value]) {
		o := k.cloneSt(src.state)
		k.apply(dst, o.S, &o.CC, true)
	}
	incr(a, 9e18)
	join(b, a)
	incr(b, -9e18)
	join(a, b)
	incr(a, 9e18)
	join(b, a)
	for _, rep := range []*replica[*crdt.Value]{a, b} {
		if got, _ := rep.state.S.Get(); string(got) != "9000000000000000000" {
			t.Fatalf("replica %s reads %q, want 9000000000000000000", rep.id, got)
		}
	}
}

// ---- HLLKey: the DEL-wins HyperLogLog of a key (SEMANTICS.md A9).

// hllKeyKind adds random elements (PFADD, and PFMERGE of a source: a
// batch of elements, so that deltas carry many registers), or deletes
// (DEL, a write of another type), as the engine does: a write delta names
// the tombstones its writer saw and carries no context of its own; a
// delete mints a tombstone and removes those it saw.
func hllKeyKind() kind[*crdt.HLLKey] {
	return kind[*crdt.HLLKey]{
		empty: func() *crdt.HLLKey { return &crdt.HLLKey{} },
		join: func(a *crdt.HLLKey, ca *causal.Context, b *crdt.HLLKey, cb *causal.Context, _ bool) *crdt.HLLKey {
			a.Join(ca, b, cb)
			return a
		},
		clone: (*crdt.HLLKey).Clone,
		mutate: func(r *rand.Rand, rep *replica[*crdt.HLLKey]) (*crdt.HLLKey, causal.Context) {
			cur := rep.state.S
			switch x := r.IntN(10); {
			case x < 5:
				return hllKeyAdd(cur, &rep.state.CC, hllLawElems[r.IntN(len(hllLawElems))])
			case x < 8:
				n := 1 << r.IntN(11)
				elems := make([][]byte, n)
				for i := range elems {
					elems[i] = fmt.Appendf(nil, "e%d", r.IntN(4096))
				}
				return hllKeyAdd(cur, &rep.state.CC, elems...)
			default:
				return hllKeyDel(cur, rep.mint())
			}
		},
		dots: func(k *crdt.HLLKey) []causal.Dot { return k.Dots(nil) },
	}
}

// hllLawElems are a few elements shared by every replica, so that
// concurrent adds often raise the same registers.
var hllLawElems = [][]byte{[]byte("a"), []byte("b"), []byte("c"), []byte("x"), []byte("hello"), []byte("")}

// hllKeyAdd is PFADD: a delta with only the registers raised over the
// visible HLL (none when nothing is raised and the key exists).
func hllKeyAdd(cur *crdt.HLLKey, cc *causal.Context, elems ...[]byte) (*crdt.HLLKey, causal.Context) {
	vis := cur.Visible()
	exists := vis != nil
	if vis == nil {
		vis = &crdt.HLL{}
	}
	vis = vis.Clone()
	var regs crdt.HLL
	raised := false
	for _, e := range elems {
		if i, v, ok := vis.Raises(e); ok {
			vis.Raise(i, v)
			regs.Raise(i, v)
			raised = true
		}
	}
	if exists && !raised {
		return &crdt.HLLKey{}, causal.Context{}
	}
	d := cur.Write(regs, cc)
	return &d, causal.Context{}
}

// hllKeyDel is DEL: a no-op on a key with no entry, as in the engine.
func hllKeyDel(cur *crdt.HLLKey, dot causal.Dot) (*crdt.HLLKey, causal.Context) {
	if len(cur.Entries) == 0 {
		return &crdt.HLLKey{}, causal.Context{}
	}
	d, rm := cur.Delete(dot, nil)
	return &d, ctxOf(rm, dot)
}

// hllKeyLeq is a ⊑ b from dots, contexts and registers: the tombstones
// are ordered as a dot store, and every entry of a that is still alive
// under b's tombstones is in b (same Seen) with registers at least as
// high. An entry is dead when b holds a tombstone its writers never saw,
// or it saw live a tombstone b has removed.
func hllKeyLeq(k kind[*crdt.HLLKey]) func(a, b st[*crdt.HLLKey]) bool {
	return func(a, b st[*crdt.HLLKey]) bool {
		if !k.leq(a, b) {
			return false
		}
		for _, ea := range a.S.Entries {
			if hllEntryDead(ea, b) {
				continue
			}
			i := slices.IndexFunc(b.S.Entries, func(eb crdt.HLLEntry) bool { return slices.Equal(eb.Seen, ea.Seen) })
			if i < 0 {
				return false
			}
			for r, v := range ea.Regs.All() {
				if b.S.Entries[i].Regs.Register(r) < v {
					return false
				}
			}
		}
		return true
	}
}

func hllEntryDead(e crdt.HLLEntry, b st[*crdt.HLLKey]) bool {
	for _, d := range b.S.Dels {
		if !slices.Contains(e.Seen, d) && !e.Ctx.Contains(d) {
			return true
		}
	}
	for _, s := range e.Seen {
		if b.CC.Contains(s) && !slices.Contains(b.S.Dels, s) {
			return true
		}
	}
	return false
}

// TestLaws_HLLKey checks the join laws on DEL-wins HyperLogLog keys of
// 2-4 replicas adding and deleting concurrently, exchanging deltas out of
// order and duplicated, and whole states.
func TestLaws_HLLKey(t *testing.T) {
	t.Parallel()
	k := hllKeyKind()
	simtest.CheckLaws(t, simtest.Lattice[st[*crdt.HLLKey]]{
		Gen:   k.world,
		Merge: k.mergeSt,
		Clone: k.cloneSt,
		Leq:   hllKeyLeq(k),
		Runs:  200,
	})
}

// ---- Value as a sorted-set score (SEMANTICS.md A6).

var (
	lawScores = []float64{0, 1.1, -2.5, 4.1, 1e300, -1e-300, math.Inf(1), math.Inf(-1), 3}
	lawIncrs  = []float64{1, 1.0, 2.0, -0.1, 0.5, 1e300, -7, math.Inf(1), math.Inf(-1)}
)

// zscoreKind assigns scores (ZADD), increments them (ZINCRBY, also from
// or to an infinite score) or removes the member (ZREM), as cmd_zset.go
// does through c.zadd, c.zincr and c.zrem.
func zscoreKind() kind[*crdt.Value] {
	return kind[*crdt.Value]{
		empty: func() *crdt.Value { return &crdt.Value{} },
		join: func(a *crdt.Value, ca *causal.Context, b *crdt.Value, cb *causal.Context, _ bool) *crdt.Value {
			a.Join(ca, b, cb)
			return a
		},
		clone: (*crdt.Value).Clone,
		mutate: func(r *rand.Rand, rep *replica[*crdt.Value]) (*crdt.Value, causal.Context) {
			d, dcc, _ := randomScoreOp(r, rep.state.S, rep.mint(), rep.stamp())
			return d, dcc
		},
		dots:     func(v *crdt.Value) []causal.Dot { return v.Dots(nil) },
		leqExtra: resetsLeq,
	}
}

// randomScoreOp performs one random score operation and returns its delta
// and what a sequential Redis would then read (ok false: no member).
func randomScoreOp(r *rand.Rand, cur *crdt.Value, d causal.Dot, ts hlc.Timestamp) (*crdt.Value, causal.Context, *float64) {
	switch x := r.IntN(10); {
	case x < 4:
		f := lawScores[r.IntN(len(lawScores))]
		v, rm := cur.Assign(d, ts, crdt.ScoreBytes(f), nil)
		return &v, ctxOf(rm, d), &f
	case x < 8:
		now, _ := cur.Score()
		next, ok := crdt.AddScore(now, lawIncrs[r.IntN(len(lawIncrs))])
		if !ok { // Redis refuses a NaN result and changes nothing
			return &crdt.Value{}, causal.Context{}, &now
		}
		v, rm := cur.IncrScore(d, ts, now, next, nil)
		return &v, ctxOf(rm, d), &next
	default:
		v, rm := cur.Remove(nil)
		return &v, ctxOf(rm), nil
	}
}

func TestLaws_ZScore(t *testing.T) {
	t.Parallel()
	checkLaws(t, zscoreKind())
}

// TestOracle_ZScore: without concurrency a score reads exactly as Redis
// computes it, increment after increment in float64 (the exact counter
// contributions telescope back to Redis's float64 sums).
func TestOracle_ZScore(t *testing.T) {
	t.Parallel()
	for seed := range uint64(200) {
		var want *float64
		syncWorld(t, zscoreKind(), seed, 60,
			func(r *rand.Rand, rep *replica[*crdt.Value]) (*crdt.Value, causal.Context, string) {
				cur := rep.state.S
				if want == nil && cur.Empty() && r.IntN(2) == 0 {
					f := 0.0 // ZINCRBY of an absent member starts from 0
					want = &f
				}
				d, dcc, w := randomScoreOp(r, cur, rep.mint(), rep.stamp())
				want = w
				desc := "zrem"
				if w != nil {
					desc = "score " + strconv.FormatFloat(*w, 'g', -1, 64)
				}
				return d, dcc, desc
			},
			func(rep *replica[*crdt.Value]) string {
				got, ok := rep.state.S.Score()
				switch {
				case ok != (want != nil):
					return "present " + strconv.FormatBool(ok) + ", oracle " + strconv.FormatBool(want != nil)
				case ok && got != *want && !(got == 0 && *want == 0):
					return "score " + strconv.FormatFloat(got, 'g', -1, 64) + ", oracle " + strconv.FormatFloat(*want, 'g', -1, 64)
				}
				return ""
			})
	}
}
