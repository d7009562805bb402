package causal_test

import (
	"errors"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"lattice/shared/causal"
	"lattice/shared/simtest"
)

func rid(b byte) causal.ReplicaID { return causal.ReplicaID{15: b} }

func dot(r byte, seq uint64) causal.Dot { return causal.Dot{Replica: rid(r), Seq: seq} }

// ctx builds a context by adding dots one at a time.
func ctx(dots ...causal.Dot) causal.Context {
	var c causal.Context
	for _, d := range dots {
		c.Add(d)
	}
	return c
}

// dotSet is the sequential oracle of a Context: a plain set of dots.
type dotSet map[causal.Dot]struct{}

// checkCompact verifies the representation invariants that make equal dot
// sets encode to equal bytes: the vector is sorted with one positive entry
// per replica, the cloud is sorted and unique, and no cloud dot is at or
// next to its replica's vector entry (it would have been folded in).
func checkCompact(c *causal.Context) string {
	for i, e := range c.VV {
		if e.Seq == 0 {
			return "zero vector entry for " + e.Replica.String()
		}
		if i > 0 && c.VV[i-1].Replica.Compare(e.Replica) >= 0 {
			return "vector not sorted"
		}
	}
	for i, d := range c.Cloud {
		if i > 0 && c.Cloud[i-1].Compare(d) >= 0 {
			return "cloud not sorted"
		}
		if d.Seq <= c.Max(d.Replica)+1 {
			return "cloud dot " + d.Replica.String() + " not compacted into the vector"
		}
	}
	return ""
}

// equalsOracle reports whether c holds exactly the dots of want.
func equalsOracle(c *causal.Context, want dotSet) bool {
	got := dotSet{}
	for _, d := range c.Dots() {
		got[d] = struct{}{}
	}
	return maps.Equal(got, want)
}

func TestReplicaID_StringParse(t *testing.T) {
	t.Parallel()
	id := causal.ReplicaID{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10}
	tests := []struct {
		name    string
		in      string
		want    causal.ReplicaID
		wantErr bool
	}{
		{name: "canonical", in: "01234567-89ab-cdef-fedc-ba9876543210", want: id},
		{name: "bare hex", in: "0123456789abcdeffedcba9876543210", want: id},
		{name: "upper case", in: "0123456789ABCDEFFEDCBA9876543210", want: id},
		{name: "too short", in: "0123", wantErr: true},
		{name: "not hex", in: "0123456789abcdeffedcba987654321z", wantErr: true},
		{name: "empty", in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := causal.ParseReplicaID(tt.in)
			if tt.wantErr {
				if !errors.Is(err, causal.ErrBadReplicaID) {
					t.Fatalf("ParseReplicaID(%q) err = %v, want ErrBadReplicaID", tt.in, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseReplicaID(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
	if s := id.String(); s != "01234567-89ab-cdef-fedc-ba9876543210" {
		t.Fatalf("String() = %q", s)
	}
}

func TestDot_Compare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b causal.Dot
		want int
	}{
		{name: "equal", a: dot(1, 3), b: dot(1, 3), want: 0},
		{name: "seq", a: dot(1, 2), b: dot(1, 3), want: -1},
		{name: "replica first", a: dot(2, 1), b: dot(1, 9), want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Compare(tt.b); got != tt.want {
				t.Fatalf("Compare = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestContext_Add(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		add       []causal.Dot
		wantVV    []causal.VVEntry
		wantCloud []causal.Dot
	}{
		{name: "empty"},
		{name: "first dot", add: []causal.Dot{dot(1, 1)}, wantVV: []causal.VVEntry{{Replica: rid(1), Seq: 1}}},
		{name: "gap goes to cloud", add: []causal.Dot{dot(1, 3)}, wantCloud: []causal.Dot{dot(1, 3)}},
		{name: "zero dot ignored", add: []causal.Dot{{Replica: rid(1)}}},
		{name: "duplicate", add: []causal.Dot{dot(1, 1), dot(1, 1)}, wantVV: []causal.VVEntry{{Replica: rid(1), Seq: 1}}},
		{
			name:   "filling the gap compacts",
			add:    []causal.Dot{dot(1, 3), dot(1, 2), dot(1, 1)},
			wantVV: []causal.VVEntry{{Replica: rid(1), Seq: 3}},
		},
		{
			name:      "partial compaction",
			add:       []causal.Dot{dot(1, 2), dot(1, 5), dot(1, 1)},
			wantVV:    []causal.VVEntry{{Replica: rid(1), Seq: 2}},
			wantCloud: []causal.Dot{dot(1, 5)},
		},
		{
			name:      "replicas sorted",
			add:       []causal.Dot{dot(3, 1), dot(1, 1), dot(2, 4), dot(2, 2)},
			wantVV:    []causal.VVEntry{{Replica: rid(1), Seq: 1}, {Replica: rid(3), Seq: 1}},
			wantCloud: []causal.Dot{dot(2, 2), dot(2, 4)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ctx(tt.add...)
			if !slices.Equal(c.VV, tt.wantVV) || !slices.Equal(c.Cloud, tt.wantCloud) {
				t.Fatalf("got VV %v cloud %v; want VV %v cloud %v", c.VV, c.Cloud, tt.wantVV, tt.wantCloud)
			}
			for _, d := range tt.add {
				if !c.Contains(d) {
					t.Fatalf("Contains(%v) = false after Add", d)
				}
			}
		})
	}
}

func TestContext_Contains(t *testing.T) {
	t.Parallel()
	c := ctx(dot(1, 1), dot(1, 2), dot(1, 5), dot(2, 3))
	tests := []struct {
		name string
		d    causal.Dot
		want bool
	}{
		{name: "in vector", d: dot(1, 2), want: true},
		{name: "above vector", d: dot(1, 3), want: false},
		{name: "in cloud", d: dot(1, 5), want: true},
		{name: "cloud only replica", d: dot(2, 3), want: true},
		{name: "below cloud dot", d: dot(2, 1), want: false},
		{name: "unknown replica", d: dot(9, 1), want: false},
		{name: "zero dot", d: causal.Dot{Replica: rid(9)}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Contains(tt.d); got != tt.want {
				t.Fatalf("Contains(%v) = %v, want %v", tt.d, got, tt.want)
			}
		})
	}
}

func TestContext_Join(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		a, b      []causal.Dot
		wantVV    []causal.VVEntry
		wantCloud []causal.Dot
	}{
		{
			name:   "disjoint replicas",
			a:      []causal.Dot{dot(1, 1)},
			b:      []causal.Dot{dot(2, 1), dot(2, 2)},
			wantVV: []causal.VVEntry{{Replica: rid(1), Seq: 1}, {Replica: rid(2), Seq: 2}},
		},
		{
			name:   "vector raises past the cloud",
			a:      []causal.Dot{dot(1, 1), dot(1, 3), dot(1, 5)},
			b:      []causal.Dot{dot(1, 1), dot(1, 2), dot(1, 3), dot(1, 4)},
			wantVV: []causal.VVEntry{{Replica: rid(1), Seq: 5}},
		},
		{
			name:      "stale cloud dots dropped",
			a:         []causal.Dot{dot(1, 3), dot(1, 7)},
			b:         []causal.Dot{dot(1, 1), dot(1, 2), dot(1, 3), dot(1, 4)},
			wantVV:    []causal.VVEntry{{Replica: rid(1), Seq: 4}},
			wantCloud: []causal.Dot{dot(1, 7)},
		},
		{
			name:   "cloud of b fills a's gap",
			a:      []causal.Dot{dot(1, 1), dot(1, 3)},
			b:      []causal.Dot{dot(1, 2)},
			wantVV: []causal.VVEntry{{Replica: rid(1), Seq: 3}},
		},
		{
			name:   "new vector entry absorbs a's cloud",
			a:      []causal.Dot{dot(1, 2), dot(1, 3)},
			b:      []causal.Dot{dot(1, 1)},
			wantVV: []causal.VVEntry{{Replica: rid(1), Seq: 3}},
		},
		{
			name:      "two clouds",
			a:         []causal.Dot{dot(1, 4)},
			b:         []causal.Dot{dot(1, 6), dot(2, 2)},
			wantCloud: []causal.Dot{dot(1, 4), dot(1, 6), dot(2, 2)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, order := range []string{"a⊔b", "b⊔a"} {
				x, y := ctx(tt.a...), ctx(tt.b...)
				if order == "b⊔a" {
					x, y = y, x
				}
				x.Join(&y)
				if !slices.Equal(x.VV, tt.wantVV) || !slices.Equal(x.Cloud, tt.wantCloud) {
					t.Fatalf("%s: got VV %v cloud %v; want VV %v cloud %v", order, x.VV, x.Cloud, tt.wantVV, tt.wantCloud)
				}
			}
		})
	}
}

func TestContext_Dominates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		c, o []causal.Dot
		want bool
	}{
		{name: "empty dominates empty", want: true},
		{name: "anything dominates empty", c: []causal.Dot{dot(1, 1)}, want: true},
		{name: "empty does not dominate", o: []causal.Dot{dot(1, 1)}, want: false},
		{name: "vector covers vector", c: []causal.Dot{dot(1, 1), dot(1, 2)}, o: []causal.Dot{dot(1, 1)}, want: true},
		{name: "vector short", c: []causal.Dot{dot(1, 1)}, o: []causal.Dot{dot(1, 1), dot(1, 2)}, want: false},
		{
			name: "cloud covers the rest of a vector",
			c:    []causal.Dot{dot(1, 1), dot(1, 3), dot(1, 2)},
			o:    []causal.Dot{dot(1, 1), dot(1, 2), dot(1, 3)},
			want: true,
		},
		{name: "cloud dot missing", c: []causal.Dot{dot(1, 1)}, o: []causal.Dot{dot(1, 4)}, want: false},
		{name: "cloud dot present", c: []causal.Dot{dot(1, 4), dot(2, 1)}, o: []causal.Dot{dot(1, 4)}, want: true},
		{name: "other replica", c: []causal.Dot{dot(1, 1)}, o: []causal.Dot{dot(2, 1)}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, o := ctx(tt.c...), ctx(tt.o...)
			if got := c.Dominates(&o); got != tt.want {
				t.Fatalf("Dominates = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestContext_NextAndClone(t *testing.T) {
	t.Parallel()
	c := ctx(dot(1, 1), dot(2, 5))
	if d := c.Next(rid(1)); d != dot(1, 2) || !c.Contains(d) {
		t.Fatalf("Next = %v (contained %v), want %v", d, c.Contains(d), dot(1, 2))
	}
	if d := c.Next(rid(3)); d != dot(3, 1) {
		t.Fatalf("Next for a new replica = %v, want %v", d, dot(3, 1))
	}
	cl := c.Clone()
	c.Add(dot(1, 3))
	c.Add(dot(2, 9))
	if cl.Contains(dot(1, 3)) || cl.Contains(dot(2, 9)) {
		t.Fatal("Clone shares memory with the original")
	}
	if cl.Size() != 3 || !cl.Equal(&cl) || cl.Equal(&c) {
		t.Fatalf("Size %d; Equal misbehaves", cl.Size())
	}
}

// TestContext_Oracle drives Add, Join, Contains and Dominates with random
// dots and compares every result with a plain set, checking compaction
// after every step.
func TestContext_Oracle(t *testing.T) {
	t.Parallel()
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 11))
		cs := make([]causal.Context, 3)
		sets := []dotSet{{}, {}, {}}
		for step := range 80 {
			i := r.IntN(len(cs))
			if r.IntN(4) == 0 {
				j := r.IntN(len(cs))
				o := cs[j].Clone()
				cs[i].Join(&o)
				maps.Copy(sets[i], sets[j])
			} else {
				d := dot(byte(1+r.IntN(3)), 1+r.Uint64N(8))
				cs[i].Add(d)
				sets[i][d] = struct{}{}
			}
			if msg := checkCompact(&cs[i]); msg != "" {
				t.Fatalf("seed %d step %d: %s: %+v", seed, step, msg, cs[i])
			}
			if !equalsOracle(&cs[i], sets[i]) {
				t.Fatalf("seed %d step %d: context %+v differs from oracle %v", seed, step, cs[i], sets[i])
			}
			j := r.IntN(len(cs))
			want := true
			for d := range sets[j] {
				if _, ok := sets[i][d]; !ok {
					want = false
				}
			}
			if got := cs[i].Dominates(&cs[j]); got != want {
				t.Fatalf("seed %d step %d: Dominates = %v, oracle %v", seed, step, got, want)
			}
		}
	}
}

// contextWorld produces contexts the way replicas hold them: each replica
// mints dots and receives random deltas (the dots of one write, sometimes
// with dots of other replicas it removed), out of order and duplicated,
// and occasionally a whole context.
func contextWorld(r *rand.Rand) []causal.Context {
	reps := make([]causal.Context, 2+r.IntN(3))
	var log, out []causal.Context
	for range 10 + r.IntN(60) {
		i := r.IntN(len(reps))
		switch x := r.IntN(10); {
		case x < 5:
			var d causal.Context
			d.Add(causal.Dot{Replica: rid(byte(i + 1)), Seq: reps[i].Max(rid(byte(i+1))) + 1})
			for range r.IntN(3) {
				if ds := reps[i].Dots(); len(ds) > 0 {
					d.Add(ds[r.IntN(len(ds))])
				}
			}
			reps[i].Join(&d)
			log = append(log, d)
		case x < 9 && len(log) > 0:
			d := log[r.IntN(len(log))].Clone()
			reps[i].Join(&d)
		default:
			o := reps[r.IntN(len(reps))].Clone()
			reps[i].Join(&o)
		}
		if r.IntN(4) == 0 {
			out = append(out, reps[i].Clone())
		}
	}
	for i := range reps {
		out = append(out, reps[i].Clone())
	}
	for range min(len(log), 5) {
		out = append(out, log[r.IntN(len(log))].Clone())
	}
	return out
}

func TestLaws_Context(t *testing.T) {
	t.Parallel()
	simtest.CheckLaws(t, simtest.Lattice[causal.Context]{
		Gen: contextWorld,
		Merge: func(a, b causal.Context) causal.Context {
			a.Join(&b)
			return a
		},
		Clone: func(c causal.Context) causal.Context { return c.Clone() },
		Leq:   func(a, b causal.Context) bool { return b.Dominates(&a) },
		Runs:  200,
	})
}

// TestDominatesCloudGap: a version-vector entry beyond c's own is covered
// only when every dot of the gap is in c's cloud.
func TestDominatesCloudGap(t *testing.T) {
	r := rid(1)
	var c causal.Context
	for _, s := range []uint64{1, 2, 4, 5} {
		c.Add(causal.Dot{Replica: r, Seq: s})
	}
	o := causal.Context{VV: []causal.VVEntry{{Replica: r, Seq: 5}}}
	if c.Dominates(&o) {
		t.Fatal("dot 3 is missing, yet c dominates")
	}
	c.Add(causal.Dot{Replica: r, Seq: 3})
	if !c.Dominates(&o) {
		t.Fatal("c holds 1..5 but does not dominate")
	}
	o.VV[0].Seq = 6
	if c.Dominates(&o) {
		t.Fatal("dot 6 is missing, yet c dominates")
	}
}
