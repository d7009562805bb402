package hlc_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"lattice/shared/hlc"
)

const ms = int64(time.Millisecond)

// base is an arbitrary physical time, Unix ns.
const base = int64(1_700_000_000_000) * ms

func ts(wall int64, logical uint32) hlc.Timestamp { return hlc.Timestamp{Wall: wall, Logical: logical} }

func TestTimestamp_Compare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b hlc.Timestamp
		want int
	}{
		{name: "equal", a: ts(5, 1), b: ts(5, 1), want: 0},
		{name: "wall first", a: ts(5, 9), b: ts(6, 0), want: -1},
		{name: "logical breaks wall ties", a: ts(5, 2), b: ts(5, 1), want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Compare(tt.b); got != tt.want {
				t.Fatalf("Compare = %d, want %d", got, tt.want)
			}
			if got := tt.a.Less(tt.b); got != (tt.want < 0) {
				t.Fatalf("Less = %v", got)
			}
		})
	}
}

func TestClock_Now(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		physical []int64 // successive physical readings, ms after base
		want     []hlc.Timestamp
	}{
		{
			name:     "physical advances",
			physical: []int64{0, 1, 5},
			want:     []hlc.Timestamp{ts(base/ms, 0), ts(base/ms+1, 0), ts(base/ms+5, 0)},
		},
		{
			name:     "same millisecond counts up",
			physical: []int64{0, 0, 0},
			want:     []hlc.Timestamp{ts(base/ms, 0), ts(base/ms, 1), ts(base/ms, 2)},
		},
		{
			name:     "physical clock steps back",
			physical: []int64{10, 3, 11},
			want:     []hlc.Timestamp{ts(base/ms+10, 0), ts(base/ms+10, 1), ts(base/ms+11, 0)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := hlc.NewClock(hlc.DefaultMaxOffset)
			for i, p := range tt.physical {
				got := c.Now(base + p*ms)
				if got != tt.want[i] {
					t.Fatalf("Now #%d = %v, want %v", i, got, tt.want[i])
				}
				if c.Last() != got {
					t.Fatalf("Last = %v after Now = %v", c.Last(), got)
				}
			}
		})
	}
}

func TestClock_NowSubMillisecond(t *testing.T) {
	t.Parallel()
	var c hlc.Clock
	a := c.Now(base + 100)     // 100 ns into the millisecond
	b := c.Now(base + 999_999) // same millisecond
	if !a.Less(b) || b.Wall != a.Wall {
		t.Fatalf("Now in one millisecond: %v then %v", a, b)
	}
}

func TestClock_Update(t *testing.T) {
	t.Parallel()
	maxOff := 500 * time.Millisecond
	tests := []struct {
		name      string
		last      hlc.Timestamp // clock state before (via Now at its wall)
		remote    hlc.Timestamp
		physical  int64 // ms after base
		wantErr   bool
		wantLast  hlc.Timestamp
		wantAfter hlc.Timestamp // the next Now at the same physical time
	}{
		{
			name:      "remote ahead within offset",
			last:      ts(base/ms, 0),
			remote:    ts(base/ms+300, 4),
			wantLast:  ts(base/ms+300, 4),
			wantAfter: ts(base/ms+300, 5),
		},
		{
			name:      "remote behind",
			last:      ts(base/ms+10, 0),
			remote:    ts(base/ms+2, 7),
			physical:  10,
			wantLast:  ts(base/ms+10, 0),
			wantAfter: ts(base/ms+10, 1),
		},
		{
			name:      "remote equal wall, higher logical",
			last:      ts(base/ms, 0),
			remote:    ts(base/ms, 9),
			wantLast:  ts(base/ms, 9),
			wantAfter: ts(base/ms, 10),
		},
		{
			name:      "exactly max offset ahead is accepted",
			last:      ts(base/ms, 0),
			remote:    ts(base/ms+500, 0),
			wantLast:  ts(base/ms+500, 0),
			wantAfter: ts(base/ms+500, 1),
		},
		{
			name:      "one millisecond past max offset is refused",
			last:      ts(base/ms, 0),
			remote:    ts(base/ms+501, 0),
			wantErr:   true,
			wantLast:  ts(base/ms, 0),
			wantAfter: ts(base/ms, 1),
		},
		{
			name:      "hours ahead is refused",
			last:      ts(base/ms, 0),
			remote:    ts(base/ms+3*3600_000, 0),
			wantErr:   true,
			wantLast:  ts(base/ms, 0),
			wantAfter: ts(base/ms, 1),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := hlc.NewClock(maxOff)
			c.Restore(tt.last)
			err := c.Update(tt.remote, base+tt.physical*ms)
			if tt.wantErr {
				if !errors.Is(err, hlc.ErrOffset) {
					t.Fatalf("Update err = %v, want ErrOffset", err)
				}
				var oe *hlc.OffsetError
				if !errors.As(err, &oe) || oe.Remote != tt.remote || oe.Max != maxOff || oe.Physical != base/ms+tt.physical {
					t.Fatalf("OffsetError = %+v", oe)
				}
				if errC := c.Check(tt.remote, base+tt.physical*ms); !errors.Is(errC, hlc.ErrOffset) {
					t.Fatalf("Check err = %v, want ErrOffset", errC)
				}
			} else if err != nil {
				t.Fatalf("Update err = %v", err)
			}
			if c.Last() != tt.wantLast {
				t.Fatalf("Last = %v, want %v", c.Last(), tt.wantLast)
			}
			if got := c.Now(base + tt.physical*ms); got != tt.wantAfter {
				t.Fatalf("Now after Update = %v, want %v", got, tt.wantAfter)
			}
		})
	}
}

func TestClock_ZeroMaxOffsetDisablesCheck(t *testing.T) {
	t.Parallel()
	var c hlc.Clock
	far := ts(base/ms+24*3600_000, 0)
	if err := c.Update(far, base); err != nil {
		t.Fatalf("Update with no max offset: %v", err)
	}
	if got := c.Now(base); !far.Less(got) {
		t.Fatalf("Now = %v, not after %v", got, far)
	}
}

func TestClock_LogicalOverflow(t *testing.T) {
	t.Parallel()
	var c hlc.Clock
	c.Restore(ts(base/ms, math.MaxUint32-1))
	prev := c.Last()
	want := []hlc.Timestamp{ts(base/ms, math.MaxUint32), ts(base/ms+1, 0), ts(base/ms+1, 1)}
	for i, w := range want {
		got := c.Now(base) // physical clock stuck behind
		if got != w || !prev.Less(got) {
			t.Fatalf("Now #%d = %v, want %v (after %v)", i, got, w, prev)
		}
		prev = got
	}
}

// TestClock_Monotonic interleaves Now and Update with a jittering physical
// clock and random remotes: every Now must exceed every earlier reading
// and every accepted remote, and a refused remote must change nothing.
func TestClock_Monotonic(t *testing.T) {
	t.Parallel()
	for seed := range uint64(100) {
		r := rand.New(rand.NewPCG(seed, 3))
		c := hlc.NewClock(hlc.DefaultMaxOffset)
		var high hlc.Timestamp
		phys := base
		for step := range 500 {
			phys += (r.Int64N(7) - 2) * ms // the physical clock may step back
			if r.IntN(3) == 0 {
				remote := ts(phys/ms+r.Int64N(1200)-600, uint32(r.IntN(4)))
				before := c.Last()
				err := c.Update(remote, phys)
				tooFar := remote.Wall-phys/ms > hlc.DefaultMaxOffset.Milliseconds()
				switch {
				case tooFar && !errors.Is(err, hlc.ErrOffset):
					t.Fatalf("seed %d step %d: Update(%v) at %d accepted a remote beyond max offset", seed, step, remote, phys/ms)
				case tooFar && c.Last() != before:
					t.Fatalf("seed %d step %d: refused Update moved the clock", seed, step)
				case !tooFar && err != nil:
					t.Fatalf("seed %d step %d: Update(%v): %v", seed, step, remote, err)
				case !tooFar && high.Less(remote):
					high = remote
				}
				continue
			}
			got := c.Now(phys)
			if !high.Less(got) {
				t.Fatalf("seed %d step %d: Now = %v, not after %v", seed, step, got, high)
			}
			high = got
		}
	}
}

func TestOffsetError_Message(t *testing.T) {
	t.Parallel()
	err := error(&hlc.OffsetError{Remote: ts(2000, 0), Physical: 1000, Max: 500 * time.Millisecond})
	want := "hlc: remote wall time 2000 is 1000ms ahead of local 1000 (max offset 500ms)"
	if err.Error() != want {
		t.Fatalf("Error() = %q, want %q", err.Error(), want)
	}
}
