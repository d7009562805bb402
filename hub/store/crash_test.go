package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestPoliciesOnPowerLoss shows what each appendfsync policy keeps when
// the machine loses power: MemFS drops every byte not fsynced (or keeps a
// random prefix of them). With always, every acknowledged write survives;
// with no and everysec (before its fsync tick), the unsynced ones are lost.
func TestPoliciesOnPowerLoss(t *testing.T) {
	t.Parallel()
	const n = 200
	for _, tc := range []struct {
		policy   Policy
		mode     CrashMode
		wantLoss bool // some acknowledged writes must be lost
	}{
		{policy: Always, mode: DropUnsynced},
		{policy: Always, mode: KeepRandomPrefix},
		{policy: EverySec, mode: DropUnsynced, wantLoss: true},
		{policy: No, mode: DropUnsynced, wantLoss: true},
		{policy: No, mode: KeepRandomPrefix},
	} {
		name := fmt.Sprintf("%s/%s", tc.policy, tc.mode)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := NewMemFS()
			cfg := memConfig(m, tc.policy)
			cfg.FS = m.Process()
			cfg.SyncInterval = time.Hour // no tick during the test
			w := &writer{t: t, r: newReplica(t)}
			w.s = openT(t, cfg, w.r)
			acked := 0
			for range n {
				if _, err := w.do("INCR", "c"); err != nil {
					t.Fatal(err)
				}
				acked++
			}
			m.Crash(tc.mode, rand.New(rand.NewPCG(7, uint64(tc.policy))))
			w.s.Close()
			cfg.FS = m.Process()
			r := newReplica(t)
			s := openT(t, cfg, r)
			defer s.Close()
			got := get(t, r, "GET", "c")
			survived := 0
			if got.Kind != 4 { // not null
				fmt.Sscan(string(got.Str), &survived)
			}
			t.Logf("appendfsync %s, crash %s: acknowledged %d, survived %d, lost %d",
				tc.policy, tc.mode, acked, survived, acked-survived)
			switch {
			case survived > acked:
				t.Fatalf("survived %d > acknowledged %d", survived, acked)
			case tc.policy == Always && survived != acked:
				t.Fatalf("always lost %d acknowledged writes", acked-survived)
			case tc.wantLoss && survived == acked:
				t.Fatal("expected unsynced writes to be lost")
			}
		})
	}
}

// TestEverySecWindow: once the syncer has ticked after a write, a power
// loss keeps it; the window is the writes since the last tick.
func TestEverySecWindow(t *testing.T) {
	t.Parallel()
	m := NewMemFS()
	cfg := memConfig(m, EverySec)
	cfg.FS = m.Process()
	cfg.SyncInterval = 20 * time.Millisecond
	w := &writer{t: t, r: newReplica(t)}
	w.s = openT(t, cfg, w.r)
	for range 100 {
		w.must("INCR", "c")
	}
	before := w.s.Stats().Fsyncs
	deadline := time.Now().Add(10 * time.Second)
	for w.s.Stats().Fsyncs == before {
		if time.Now().After(deadline) {
			t.Fatal("the everysec syncer never ran")
		}
		time.Sleep(time.Millisecond) // polling the syncer, with a deadline
	}
	m.Crash(DropUnsynced, nil)
	w.s.Close()
	cfg.FS = m.Process()
	r := newReplica(t)
	s := openT(t, cfg, r)
	defer s.Close()
	if got := string(get(t, r, "GET", "c").Str); got != "100" {
		t.Fatalf("after the fsync tick: c = %q, want 100", got)
	}
}

// TestRandomCrashes runs seeded workloads over several process lifetimes,
// with background and foreground snapshots, and crashes the machine at
// random moments (possibly while a snapshot is being written), keeping a
// random prefix of the unsynced bytes or none. Recovery must always
// succeed and yield the state after some prefix of the acknowledged
// writes; with always, after all of them.
func TestRandomCrashes(t *testing.T) {
	t.Parallel()
	for _, p := range []Policy{Always, EverySec, No} {
		t.Run(p.String(), func(t *testing.T) {
			t.Parallel()
			lost := 0
			for seed := range uint64(15) {
				lost += randomCrashRun(t, p, seed)
			}
			t.Logf("appendfsync %s: %d acknowledged writes lost over 15 seeds x 5 crashes", p, lost)
			if p == Always && lost != 0 {
				t.Fatalf("always lost %d writes", lost)
			}
		})
	}
}

func randomCrashRun(t *testing.T, p Policy, seed uint64) int {
	rng := rand.New(rand.NewPCG(seed, 99))
	m := NewMemFS()
	cfg := memConfig(m, p)
	cfg.SyncInterval = 5 * time.Millisecond
	cfg.RewriteMinSize = 1024
	history := [][]byte{} // state after each acknowledged write
	now := int64(0)
	lost := 0
	for life := range 5 {
		cfg.FS = m.Process()
		r := newReplica(t)
		s, err := Open(cfg, r)
		if err != nil {
			t.Fatalf("seed %d life %d: %v", seed, life, err)
		}
		if life > 0 {
			got := stateBytes(t, r)
			k := len(history)
			for k > 0 && !bytes.Equal(history[k-1], got) {
				k--
			}
			if k == 0 && !bytes.Equal(got, stateBytes(t, newReplica(t))) {
				t.Fatalf("seed %d life %d: recovered state matches no prefix of the history", seed, life)
			}
			lost += len(history) - k
			history = history[:k]
		}
		w := &writer{t: t, r: r, s: s, now: now}
		ops := rng.IntN(120)
		for i := range ops {
			switch x := rng.IntN(100); {
			case x < 4:
				s.Snapshot(r, nil)
			case x < 6:
				if err := s.SaveNow(r); err != nil {
					t.Fatal(err)
				}
			case x < 8 && s.WantsRewrite():
				s.Snapshot(r, nil)
			default:
				w.mixed(rng.IntN(1000) + i)
				history = append(history, stateBytes(t, r))
			}
		}
		now = w.now
		mode := DropUnsynced
		if rng.IntN(2) == 0 {
			mode = KeepRandomPrefix
		}
		m.Crash(mode, rng)
		s.Close() // the dead process's goroutines end; its FS calls fail
	}
	return lost
}
