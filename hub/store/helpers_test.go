package store

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"lattice/shared/causal"
	"lattice/shared/engine"
	"lattice/shared/hlc"
)

var testID = causal.ReplicaID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}

// baseNow is a fixed clock start (2025-01-01), advanced per command.
const baseNow = int64(1735689600) * int64(time.Second)

func newReplica(t testing.TB) *engine.Replica {
	t.Helper()
	r, err := engine.New(testID, engine.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// stateBytes is the replica's state encoded, without the clock (a replica
// that issued timestamps and one that replayed them may differ there).
func stateBytes(t testing.TB, r *engine.Replica) []byte {
	t.Helper()
	d := *r.Snapshot()
	d.TS = hlc.Timestamp{}
	b, err := engine.EncodeDelta(&d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sameState(t testing.TB, want, got *engine.Replica) {
	t.Helper()
	if a, b := stateBytes(t, want), stateBytes(t, got); !bytes.Equal(a, b) {
		t.Fatalf("recovered state differs: want %d bytes, got %d bytes", len(a), len(b))
	}
}

// writer runs commands on a replica and appends their deltas to a store,
// as the hub's owner goroutine does.
type writer struct {
	t   testing.TB
	r   *engine.Replica
	s   *Store
	now int64
}

func (w *writer) do(args ...string) (engine.Reply, error) {
	w.t.Helper()
	bargs := make([][]byte, len(args))
	for i, a := range args {
		bargs[i] = []byte(a)
	}
	w.now += int64(time.Millisecond)
	reply, d, err := w.r.Do(baseNow+w.now, bargs)
	if err != nil {
		w.t.Fatal(err)
	}
	if reply.IsError() {
		w.t.Fatalf("%v: %s", args, reply.Str)
	}
	if d == nil {
		return reply, nil
	}
	return reply, w.s.Append([]*engine.Delta{d})
}

func (w *writer) must(args ...string) engine.Reply {
	w.t.Helper()
	reply, err := w.do(args...)
	if err != nil {
		w.t.Fatal(err)
	}
	return reply
}

// mixed runs the i-th command of a mixed workload.
func (w *writer) mixed(i int) {
	w.t.Helper()
	switch i % 6 {
	case 0:
		w.must("SET", fmt.Sprintf("k%d", i), fmt.Sprintf("v%d", i))
	case 1:
		w.must("INCR", "counter")
	case 2:
		w.must("HSET", "h", fmt.Sprintf("f%d", i%17), fmt.Sprint(i))
	case 3:
		w.must("SADD", "s", fmt.Sprintf("m%d", i))
	case 4:
		w.must("RPUSH", "l", fmt.Sprint(i))
	case 5:
		w.must("DEL", fmt.Sprintf("k%d", i-5))
	}
}

func openT(t testing.TB, cfg Config, r *engine.Replica) *Store {
	t.Helper()
	s, err := Open(cfg, r)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func memConfig(m *MemFS, p Policy) Config {
	cfg := DefaultConfig()
	cfg.FS, cfg.Fsync = m, p
	return cfg
}

// get runs a read command on r and returns the reply.
func get(t testing.TB, r *engine.Replica, args ...string) engine.Reply {
	t.Helper()
	bargs := make([][]byte, len(args))
	for i, a := range args {
		bargs[i] = []byte(a)
	}
	reply, _, err := r.Do(baseNow+int64(time.Hour), bargs)
	if err != nil {
		t.Fatal(err)
	}
	return reply
}
