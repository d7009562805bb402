package store

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, p := range []Policy{Always, EverySec, No} {
		t.Run(p.String(), func(t *testing.T) {
			t.Parallel()
			m := NewMemFS()
			w := &writer{t: t, r: newReplica(t)}
			w.s = openT(t, memConfig(m, p), w.r)
			for i := range 300 {
				w.mixed(i)
			}
			if err := w.s.Close(); err != nil {
				t.Fatal(err)
			}
			r2 := newReplica(t)
			s2 := openT(t, memConfig(m, p), r2)
			defer s2.Close()
			sameState(t, w.r, r2)
			if st := s2.Stats(); st.Recovery.Records != w.s.Stats().Records {
				t.Fatalf("replayed %d records, appended %d", st.Recovery.Records, w.s.Stats().Records)
			}
		})
	}
}

// TestTornTailEveryLength cuts the log at every length and checks that
// recovery keeps exactly the whole records before the cut, reports the
// bytes it dropped, and that the repaired log takes new writes and
// reopens cleanly (restart twice).
func TestTornTailEveryLength(t *testing.T) {
	t.Parallel()
	m := NewMemFS()
	w := &writer{t: t, r: newReplica(t)}
	w.s = openT(t, memConfig(m, Always), w.r)
	var states [][]byte // state after k records
	var ends []int      // log size after k records
	states = append(states, stateBytes(t, w.r))
	ends = append(ends, headerSize)
	for i := range 12 {
		w.mixed(i)
		full, _ := m.Bytes(logName(1))
		if len(full) != ends[len(ends)-1] {
			states = append(states, stateBytes(t, w.r))
			ends = append(ends, len(full))
		}
	}
	w.s.Close()
	full, _ := m.Bytes(logName(1))
	for cut := 0; cut <= len(full); cut++ {
		k := 0
		for k+1 < len(ends) && ends[k+1] <= cut {
			k++
		}
		m2 := NewMemFS()
		m2.Put(logName(1), full[:cut])
		r := newReplica(t)
		s, err := Open(memConfig(m2, Always), r)
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		if got := stateBytes(t, r); string(got) != string(states[k]) {
			t.Fatalf("cut %d: state is not the state after %d records", cut, k)
		}
		rec := s.Stats().Recovery
		wantDropped := int64(cut - max(ends[k], 0))
		if cut < headerSize {
			wantDropped = int64(cut)
		}
		if rec.TruncatedBytes != wantDropped {
			t.Fatalf("cut %d: dropped %d bytes, want %d", cut, rec.TruncatedBytes, wantDropped)
		}
		// New writes after the repair survive a second and third restart
		// (checked at a sample of cuts and around every record boundary).
		w2 := &writer{t: t, r: r, s: s, now: int64(1e9)}
		w2.must("SET", "after", "repair")
		s.Close()
		if cut%16 != 0 && cut-ends[k] > 1 && (k+1 == len(ends) || ends[k+1]-cut > 1) {
			continue
		}
		for restart := range 2 {
			r3 := newReplica(t)
			s3, err := Open(memConfig(m2, Always), r3)
			if err != nil {
				t.Fatalf("cut %d, restart %d: %v", cut, restart, err)
			}
			if s3.Stats().Recovery.TruncatedBytes != 0 {
				t.Fatalf("cut %d, restart %d: truncated again", cut, restart)
			}
			sameState(t, r, r3)
			s3.Close()
		}
	}
}

// TestTornTailGarbage covers tails that are not a prefix of a record:
// zeros (a file extended but not written) and random bytes.
func TestTornTailGarbage(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name string
		tail func(n int) []byte
	}{
		{name: "zeros", tail: func(n int) []byte { return make([]byte, n) }},
		{name: "random", tail: func(n int) []byte {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			return b
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMemFS()
			w := &writer{t: t, r: newReplica(t)}
			w.s = openT(t, memConfig(m, Always), w.r)
			for i := range 20 {
				w.mixed(i)
			}
			w.s.Close()
			full, _ := m.Bytes(logName(1))
			for _, n := range []int{1, 7, 8, 9, 100, 4096} {
				m.Put(logName(1), append(append([]byte(nil), full...), tc.tail(n)...))
				r := newReplica(t)
				s := openT(t, memConfig(m, Always), r)
				if got := s.Stats().Recovery.TruncatedBytes; got != int64(n) {
					t.Fatalf("tail %d: dropped %d", n, got)
				}
				sameState(t, w.r, r)
				s.Close()
			}
		})
	}
}

func TestCorruption(t *testing.T) {
	t.Parallel()
	m := NewMemFS()
	w := &writer{t: t, r: newReplica(t)}
	w.s = openT(t, memConfig(m, Always), w.r)
	var ends []int
	for i := range 10 {
		w.mixed(i)
		b, _ := m.Bytes(logName(1))
		ends = append(ends, len(b))
	}
	w.s.Close()
	full, _ := m.Bytes(logName(1))
	flip := func(off int) []byte {
		b := append([]byte(nil), full...)
		b[off] ^= 0x40
		return b
	}
	for _, tc := range []struct {
		name    string
		data    []byte
		wantErr bool
	}{
		{name: "payload in the middle", data: flip(ends[3] + recordHeader + 2), wantErr: true},
		{name: "crc in the middle", data: flip(ends[3] + 5), wantErr: true},
		{name: "length in the middle", data: flip(ends[3] + 1), wantErr: true},
		{name: "first record", data: flip(headerSize + recordHeader), wantErr: true},
		{name: "last record payload", data: flip(len(full) - 1)},
		{name: "last record length", data: flip(ends[len(ends)-2] + 2)},
		{name: "header", data: flip(3), wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m2 := NewMemFS()
			m2.Put(logName(1), tc.data)
			_, err := Open(memConfig(m2, Always), newReplica(t))
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "corrupt") {
					t.Fatalf("want a corruption error, got %v", err)
				}
				t.Log(err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestLengthBounded: a length larger than the limit or the file never
// allocates it; at the tail it is a torn record.
func TestLengthBounded(t *testing.T) {
	t.Parallel()
	data := appendHeader(nil, logMagic, 1)
	data = append(data, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4) // 2 GiB record
	m := NewMemFS()
	m.Put(logName(1), data)
	s := openT(t, memConfig(m, Always), newReplica(t))
	if got := s.Stats().Recovery.TruncatedBytes; got != recordHeader {
		t.Fatalf("dropped %d", got)
	}
	s.Close()
}

func TestSnapshotAndLog(t *testing.T) {
	t.Parallel()
	m := NewMemFS()
	w := &writer{t: t, r: newReplica(t)}
	w.s = openT(t, memConfig(m, Always), w.r)
	for i := range 100 {
		w.mixed(i)
	}
	if err := w.s.SaveNow(w.r); err != nil {
		t.Fatal(err)
	}
	for i := 100; i < 150; i++ {
		w.mixed(i)
	}
	w.s.Close()
	names, _ := m.List()
	if strings.Join(names, " ") != logName(2)+" "+snapName(2) {
		t.Fatalf("files after a snapshot: %v", names)
	}
	r := newReplica(t)
	s := openT(t, memConfig(m, Always), r)
	rec := s.Stats().Recovery
	if rec.Snapshot != snapName(2) || rec.Records == 0 || rec.Logs != 1 {
		t.Fatalf("recovery: %+v", rec)
	}
	sameState(t, w.r, r)
	// A new writer continues the chain and a second restart sees it.
	w2 := &writer{t: t, r: r, s: s, now: w.now}
	w2.must("INCR", "counter")
	s.Close()
	r3 := newReplica(t)
	s3 := openT(t, memConfig(m, Always), r3)
	defer s3.Close()
	sameState(t, r, r3)
}

// TestRewriteWhileWriting holds the background snapshot writer while the
// owner keeps appending, then checks the chain after each crash point.
func TestRewriteWhileWriting(t *testing.T) {
	t.Parallel()
	m := NewMemFS()
	cfg := memConfig(m, Always)
	cfg.RewriteMinSize = 2048
	w := &writer{t: t, r: newReplica(t)}
	w.s = openT(t, cfg, w.r)
	release := make(chan struct{})
	held := make(chan struct{}, 1)
	m.SetFault(func(op, name string) error {
		if op == "create" && strings.HasSuffix(name, ".tmp") {
			held <- struct{}{}
			<-release
		}
		return nil
	})
	i := 0
	for !w.s.WantsRewrite() {
		w.mixed(i)
		i++
	}
	done := make(chan error, 1)
	if err := w.s.Snapshot(w.r, func(err error) { done <- err }); err != nil {
		t.Fatal(err)
	}
	<-held
	if !w.s.Saving() || w.s.WantsRewrite() {
		t.Fatal("a snapshot is in progress")
	}
	if err := w.s.Snapshot(w.r, nil); !errors.Is(err, ErrSaveInProgress) {
		t.Fatalf("second snapshot: %v", err)
	}
	for range 50 {
		w.mixed(i)
		i++
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	m.SetFault(nil)
	for range 50 {
		w.mixed(i)
		i++
	}
	w.s.Close()
	r := newReplica(t)
	s := openT(t, cfg, r)
	sameState(t, w.r, r)
	if rec := s.Stats().Recovery; rec.Snapshot != snapName(2) || rec.Logs != 1 {
		t.Fatalf("recovery: %+v", rec)
	}
	s.Close()
}

func TestCrashBeforeSnapshotRename(t *testing.T) {
	t.Parallel()
	m := NewMemFS()
	w := &writer{t: t, r: newReplica(t)}
	w.s = openT(t, memConfig(m, Always), w.r)
	for i := range 60 {
		w.mixed(i)
	}
	m.SetFault(func(op, name string) error {
		if op == "rename" {
			return syscall.EIO
		}
		return nil
	})
	if err := w.s.SaveNow(w.r); err == nil {
		t.Fatal("snapshot should fail")
	}
	if w.s.Stats().LastSaveErr == nil {
		t.Fatal("LastSaveErr not set")
	}
	m.SetFault(nil)
	for i := 60; i < 90; i++ {
		w.mixed(i)
	}
	m.Crash(DropUnsynced, nil)
	r := newReplica(t)
	s := openT(t, memConfig(m, Always), r)
	defer s.Close()
	if rec := s.Stats().Recovery; rec.Snapshot != "" || rec.Logs != 2 {
		t.Fatalf("recovery: %+v", rec)
	}
	sameState(t, w.r, r)
}

func TestIncompleteDir(t *testing.T) {
	t.Parallel()
	m := NewMemFS()
	w := &writer{t: t, r: newReplica(t)}
	w.s = openT(t, memConfig(m, Always), w.r)
	w.mixed(0)
	if err := w.s.SaveNow(w.r); err != nil {
		t.Fatal(err)
	}
	w.mixed(1)
	w.s.Close()
	snap, _ := m.Bytes(snapName(2))
	for _, tc := range []struct {
		name  string
		setup func(m *MemFS)
	}{
		{name: "snapshot removed", setup: func(m *MemFS) { m.Remove(snapName(2)) }},
		{name: "snapshot corrupt", setup: func(m *MemFS) {
			b := append([]byte(nil), snap...)
			b[len(b)-3] ^= 1
			m.Put(snapName(2), b)
		}},
		{name: "log removed", setup: func(m *MemFS) { m.Remove(logName(2)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m2 := NewMemFS()
			for _, n := range []string{snapName(2), logName(2)} {
				b, _ := m.Bytes(n)
				m2.Put(n, b)
			}
			tc.setup(m2)
			_, err := Open(memConfig(m2, Always), newReplica(t))
			if err == nil || !strings.Contains(err.Error(), "refusing to start") {
				t.Fatalf("want a refusal, got %v", err)
			}
			t.Log(err)
		})
	}
}

// TestWriteErrorRepair: a failed write stops acknowledgements until a
// snapshot succeeds; then everything in memory is on disk.
func TestWriteErrorRepair(t *testing.T) {
	t.Parallel()
	for _, op := range []string{"write", "sync"} {
		t.Run(op, func(t *testing.T) {
			m := NewMemFS()
			w := &writer{t: t, r: newReplica(t)}
			w.s = openT(t, memConfig(m, Always), w.r)
			for i := range 20 {
				w.mixed(i)
			}
			m.SetFault(func(o, name string) error {
				if o == op {
					return syscall.ENOSPC
				}
				return nil
			})
			if _, err := w.do("SET", "x", "1"); !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("append: %v", err)
			}
			if _, err := w.do("SET", "y", "1"); err == nil {
				t.Fatal("append after a failure should fail")
			}
			if err := w.s.SaveNow(w.r); err == nil {
				t.Fatal("repair while the disk fails should fail")
			}
			m.SetFault(nil)
			if err := w.s.SaveNow(w.r); err != nil {
				t.Fatal(err)
			}
			if w.s.Failed() != nil || w.s.Stats().WriteErr != nil {
				t.Fatal("still failed")
			}
			w.must("SET", "z", "1")
			w.s.Close()
			m.Crash(DropUnsynced, nil)
			r := newReplica(t)
			s := openT(t, memConfig(m, Always), r)
			defer s.Close()
			sameState(t, w.r, r)
		})
	}
}

func TestWantsRewrite(t *testing.T) {
	t.Parallel()
	m := NewMemFS()
	cfg := memConfig(m, No)
	cfg.RewriteMinSize = 4096
	w := &writer{t: t, r: newReplica(t)}
	w.s = openT(t, cfg, w.r)
	defer w.s.Close()
	for i := 0; !w.s.WantsRewrite(); i++ {
		w.mixed(i)
	}
	if w.s.Stats().LogBytes < 4096 {
		t.Fatalf("rewrite wanted at %d bytes", w.s.Stats().LogBytes)
	}
	if err := w.s.SaveNow(w.r); err != nil {
		t.Fatal(err)
	}
	if w.s.WantsRewrite() {
		t.Fatal("rewrite wanted right after a snapshot")
	}
	st := w.s.Stats()
	if st.Saves != 1 || st.Changes != 0 || st.LogBytes != headerSize {
		t.Fatalf("stats after a snapshot: %+v", st)
	}
}

// TestTornTailBeforeLaterLog: a tear in a log followed by later logs with
// nothing valid (a failed log, then a repair snapshot that did not finish)
// is a torn tail; a valid record in a later log makes it corruption.
func TestTornTailBeforeLaterLog(t *testing.T) {
	t.Parallel()
	m := NewMemFS()
	w := &writer{t: t, r: newReplica(t)}
	w.s = openT(t, memConfig(m, Always), w.r)
	for i := range 10 {
		w.mixed(i)
	}
	w.s.Close()
	log1, _ := m.Bytes(logName(1))
	torn := append(append([]byte(nil), log1...), 9, 0, 0, 0, 1, 2) // a record cut short
	header2 := appendHeader(nil, logMagic, 2)
	n := int(binary.LittleEndian.Uint32(log1[headerSize:]))
	record := log1[headerSize : headerSize+recordHeader+n] // a valid record

	m2 := NewMemFS()
	m2.Put(logName(1), torn)
	m2.Put(logName(2), header2)
	r := newReplica(t)
	s := openT(t, memConfig(m2, Always), r)
	sameState(t, w.r, r)
	if rec := s.Stats().Recovery; rec.TruncatedFile != logName(1) || rec.TruncatedBytes != 6 {
		t.Fatalf("recovery: %+v", rec)
	}
	w2 := &writer{t: t, r: r, s: s, now: w.now}
	w2.must("SET", "after", "1")
	s.Close()
	if names, _ := m2.List(); len(names) != 1 || names[0] != logName(1) {
		t.Fatalf("files: %v", names)
	}
	r2 := newReplica(t)
	s2 := openT(t, memConfig(m2, Always), r2)
	sameState(t, r, r2)
	s2.Close()

	m3 := NewMemFS()
	m3.Put(logName(1), torn)
	m3.Put(logName(2), append(header2, record...))
	if _, err := Open(memConfig(m3, Always), newReplica(t)); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("want a corruption error, got %v", err)
	}
}
