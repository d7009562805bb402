package engine_test

import (
	"bytes"
	"errors"
	"flag"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"lattice/shared/causal"
	"lattice/shared/engine"
	"lattice/shared/hlc"
	"lattice/shared/simtest"
)

var (
	simSeeds    = flag.Int("sim.seeds", 200, "TestConverge: number of seeds to run (1..N)")
	simSeed     = flag.Uint64("sim.seed", 0, "TestConverge: run only this seed (seeds start at 1) and shrink a failure")
	simOps      = flag.Int("sim.ops", 300, "TestConverge: steps per seed")
	simReplicas = flag.Int("sim.replicas", 5, "TestConverge: replicas per seed")
	simShrink   = flag.Int("sim.shrink", 3000, "TestConverge -sim.seed: replays allowed to shrink a failure (0: don't)")
)

// failed counts failing seeds in a many-seed run; after the first few,
// failures are reported in one line each.
var failed atomic.Int32

// TestConverge runs the convergence simulator (STYLE R11.3): random
// histories over every command family, on replicas with skewed clocks and
// a lossy, reordering, partitioning network, must end in byte-identical
// snapshots and identical reads everywhere. A failure prints the seed and
// the command that reruns it alone, which also shrinks the history to a
// short reproducer.
func TestConverge(t *testing.T) {
	if *simSeed != 0 {
		runSeed(t, *simSeed, true)
		return
	}
	if _, missing := simtest.Covered(); len(missing) > 0 {
		t.Logf("commands the simulator does not generate: %s", strings.Join(missing, " "))
	}
	for seed := uint64(1); seed <= uint64(*simSeeds); seed++ {
		t.Run("seed="+strconv.FormatUint(seed, 10), func(t *testing.T) {
			t.Parallel()
			runSeed(t, seed, false)
		})
	}
}

// runSeed runs one seed and reports a failure with its rerun command. Run
// alone, a failing seed is shrunk to a short reproducer, and if the engine
// panicked the reproducer is replayed once more with the panic let
// through, so that its stack trace shows.
func runSeed(t *testing.T, seed uint64, alone bool) {
	res, err := simtest.Run(simtest.Config{Seed: seed, Ops: *simOps, Replicas: *simReplicas})
	if err == nil {
		return
	}
	s := strconv.FormatUint(seed, 10)
	head := "seed=" + s + " (rerun: go test ./shared/engine -run TestConverge -sim.seed=" + s + ")"
	if !alone && failed.Add(1) > 5 {
		t.Fatal(head)
	}
	msg := head + "\n" + err.Error()
	if !alone || res == nil || *simShrink <= 0 {
		t.Fatal(msg)
	}
	small := simtest.Shrink(res.Script, *simShrink)
	_, serr := simtest.Replay(small)
	msg += "\n\nshrunk reproducer (" + strconv.Itoa(len(small.Events)) + " events):\n" + small.String() + errText(serr)
	var f *simtest.Failure
	if errors.As(err, &f) && f.Kind == simtest.FailPanic {
		t.Log(msg) // the replay below panics with the engine's stack trace
		p := *small
		p.PropagatePanics = true
		if _, err := simtest.Replay(&p); err != nil {
			msg += "\n\nreplay with panics let through: " + err.Error()
		}
	}
	t.Fatal(msg)
}

func errText(err error) string {
	if err == nil {
		return "(the shrunk script no longer fails)"
	}
	return err.Error()
}

// TestConverge_Deterministic runs seeds twice: every reply, every message
// and the final state must be the same, whatever Go's map order does.
func TestConverge_Deterministic(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 5; seed++ {
		cfg := simtest.Config{Seed: seed, Ops: 200}
		a, errA := simtest.Run(cfg)
		b, errB := simtest.Run(cfg)
		if errA != nil || errB != nil {
			continue // TestConverge reports failing seeds
		}
		if a.Digest != b.Digest || !bytes.Equal(a.Snapshot, b.Snapshot) {
			t.Fatalf("seed %d: two runs differ (digest %x vs %x)", seed, a.Digest, b.Digest)
		}
		r, err := simtest.Replay(a.Script)
		if err != nil || r.Digest != a.Digest {
			t.Fatalf("seed %d: replay of the recorded script differs (%v)", seed, err)
		}
	}
}

// TestConverge_SnapshotLaws checks the join laws at the engine level:
// merging full snapshots of replicas of one history (encoded, decoded,
// merged with Replica.Merge into an empty replica) is commutative,
// associative and idempotent by encoded bytes, and restoring a snapshot
// reproduces it exactly.
func TestConverge_SnapshotLaws(t *testing.T) {
	t.Parallel()
	simtest.CheckLaws(t, simtest.Lattice[[]byte]{
		Gen:    snapshotWorld(t),
		Merge:  mergeSnapshots(t),
		Clone:  bytes.Clone,
		Encode: func(b []byte) []byte { return b },
		Runs:   8,
	})
}

// snapshotWorld runs a short history and returns snapshots of random
// replicas taken along the way. They are used as they are: idempotence
// (a ⊔ a = a) then also requires that merging a snapshot into an empty
// replica reproduces it byte for byte.
func snapshotWorld(t *testing.T) func(r *rand.Rand) [][]byte {
	return func(r *rand.Rand) [][]byte {
		sim, err := simtest.New(simtest.Config{Seed: r.Uint64() | 1, Replicas: 4, Ops: 1})
		if err != nil {
			t.Fatal(err)
		}
		var out [][]byte
		for step := range 120 {
			if err := sim.Step(); err != nil {
				t.Logf("history failed (TestConverge reports it): %v", err)
				break
			}
			if step%15 == 14 {
				snap, err := sim.Snapshot(r.IntN(sim.Replicas()))
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, snap)
			}
		}
		return out
	}
}

// mergeSnapshots joins two encoded snapshots in a fresh replica, far
// enough in the future that no clock offset check can refuse them.
func mergeSnapshots(t *testing.T) func(a, b []byte) []byte {
	return func(a, b []byte) []byte {
		r, err := engine.New(causal.ReplicaID{15: 0xee}, engine.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
		for _, s := range [][]byte{a, b} {
			d, err := engine.DecodeDelta(s)
			if err != nil {
				t.Fatalf("decode snapshot: %v", err)
			}
			if err := r.Merge(now, d); err != nil {
				t.Fatalf("merge snapshot: %v", err)
			}
		}
		out, err := engine.EncodeDelta(r.Snapshot())
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
}

// TestConverge_ClockOffsetRefused is the other side of the simulator's
// skew bound (SEMANTICS.md B1): a delta stamped more than MaxOffset ahead
// of the receiver's clock is refused whole, with hlc.ErrOffset, leaving
// the receiver's state untouched, and merges once the clocks are close.
func TestConverge_ClockOffsetRefused(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	ahead, err := engine.New(causal.ReplicaID{15: 1}, engine.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	local, err := engine.New(causal.ReplicaID{15: 2}, engine.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	skew := int64(hlc.DefaultMaxOffset) + int64(time.Millisecond)
	_, d, err := ahead.Do(now+skew, [][]byte{[]byte("SET"), []byte("k"), []byte("v")})
	if err != nil || d == nil {
		t.Fatalf("SET: delta %v, err %v", d, err)
	}
	snapshot := func() []byte {
		b, err := engine.EncodeDelta(local.Snapshot())
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	before := snapshot()
	if err := local.Merge(now, d); !errors.Is(err, hlc.ErrOffset) {
		t.Fatalf("Merge of a delta %v ahead: err = %v, want hlc.ErrOffset", time.Duration(skew), err)
	}
	if !bytes.Equal(before, snapshot()) || local.Stats().DeltasRefused != 1 {
		t.Fatalf("refused merge changed the state or was not counted (stats %+v)", local.Stats())
	}
	if err := local.Merge(now+int64(time.Millisecond), d); err != nil {
		t.Fatalf("Merge once within max offset: %v", err)
	}
	reply, _, err := local.Do(now+int64(time.Millisecond), [][]byte{[]byte("GET"), []byte("k")})
	if err != nil || string(reply.Str) != "v" {
		t.Fatalf("GET k after merge = %q (%v), want \"v\"", reply.Str, err)
	}
}
