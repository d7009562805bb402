package store

import (
	"testing"
)

// FuzzRecover loads arbitrary bytes as a log and as a snapshot: Open never
// panics, and a log it accepts (after repairing a torn tail) reopens to
// the same state without further repair.
func FuzzRecover(f *testing.F) {
	m := NewMemFS()
	w := &writer{t: f, r: newReplica(f)}
	w.s = openT(f, memConfig(m, Always), w.r)
	for i := range 8 {
		w.mixed(i)
	}
	w.s.SaveNow(w.r)
	w.mixed(9)
	w.s.Close()
	snap, _ := m.Bytes(snapName(2))
	log2, _ := m.Bytes(logName(2))
	f.Add(log2, snap)
	f.Add(log2[:len(log2)-3], snap[:len(snap)/2])
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, logBytes, snapBytes []byte) {
		m := NewMemFS()
		m.Put(logName(2), logBytes)
		m.Put(snapName(2), snapBytes)
		cfg := memConfig(m, Always)
		cfg.MaxRecord = 1 << 20
		r := newReplica(t)
		s, err := Open(cfg, r)
		if err != nil {
			return
		}
		s.Close()
		r2 := newReplica(t)
		s2, err := Open(cfg, r2)
		if err != nil {
			t.Fatalf("reopen after a successful open: %v", err)
		}
		defer s2.Close()
		if s2.Stats().Recovery.TruncatedBytes != 0 {
			t.Fatal("second open repaired again")
		}
		sameState(t, r, r2)
	})
}
