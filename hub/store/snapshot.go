package store

import (
	"fmt"
	"math"
	"time"

	"lattice/shared/engine"
)

func logName(gen uint64) string  { return fmt.Sprintf("log-%016x.aof", gen) }
func snapName(gen uint64) string { return fmt.Sprintf("snapshot-%016x.snap", gen) }

// Snapshot starts a snapshot of r: it encodes the state and rotates the
// log on the calling goroutine (the replica's owner), then writes the
// snapshot in a background goroutine, which calls done (if not nil) with
// the result. It returns ErrSaveInProgress while another is being written.
func (s *Store) Snapshot(r *engine.Replica, done func(error)) error {
	if s.saving.Load() {
		return ErrSaveInProgress
	}
	// Not saving: the lock is free, or about to be released by a writer
	// that has just finished (endSave), since only the caller's goroutine
	// starts snapshots.
	s.saveMu.Lock()
	start := s.startSave()
	b, gen, err := s.begin(r)
	if err != nil {
		s.saved(start, 0, err)
		s.endSave()
		return err
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		err := s.finish(b, gen, start)
		s.endSave()
		if done != nil {
			done(err)
		}
	}()
	return nil
}

// SaveNow writes a snapshot of r before returning, on the calling
// goroutine. It first waits for a background snapshot in progress. When it
// succeeds on a failed store, the store is healthy again: the snapshot
// holds every write the failed log may have lost, and appends go to a new
// log.
func (s *Store) SaveNow(r *engine.Replica) error {
	s.saveMu.Lock() // waits for a background writer
	start := s.startSave()
	defer s.endSave()
	prior := s.syncErr.Load() // a syncer error on the new log must not be cleared
	b, gen, err := s.begin(r)
	if err == nil {
		err = s.finish(b, gen, start)
	} else {
		s.saved(start, 0, err)
	}
	if err == nil && s.failed != nil && s.syncErr.CompareAndSwap(prior, nil) {
		s.failed = nil
		s.mu.Lock()
		s.st.WriteErr = nil
		s.mu.Unlock()
		s.log.Info("persistence: snapshot written after the log failed; writes accepted again", "gen", gen)
	}
	return err
}

// begin encodes r's state and rotates the log to a new generation, whose
// number it returns with the encoded state.
func (s *Store) begin(r *engine.Replica) ([]byte, uint64, error) {
	snap := r.Snapshot()
	if s.cfg.Applied != nil {
		snap.Applied = s.cfg.Applied()
	}
	b, err := engine.EncodeDelta(snap)
	if err != nil {
		return nil, 0, fmt.Errorf("encode snapshot: %w", err)
	}
	if int64(len(b)) > math.MaxUint32 {
		return nil, 0, fmt.Errorf("snapshot of %d bytes exceeds the 4 GiB record limit", len(b))
	}
	// The old log must be durable before anything is appended to the new
	// one, or a crash could leave a hole before valid records.
	if s.err() == nil {
		s.mu.Lock()
		err := s.f.Sync()
		if err == nil {
			s.st.Fsyncs++
		}
		s.mu.Unlock()
		if err != nil {
			s.fail(fmt.Errorf("fsync log: %w", err))
		}
	}
	gen := s.gen + 1
	f, err := s.createLog(gen)
	if err != nil {
		return nil, 0, err
	}
	s.mu.Lock()
	old := s.f
	s.f, s.gen = f, gen
	s.st.LogBytes, s.st.Changes = headerSize, 0
	s.mu.Unlock()
	s.dirty.Store(false)
	old.Close()
	return b, gen, nil
}

// createLog creates log gen with its header, durable with its directory
// entry.
func (s *Store) createLog(gen uint64) (File, error) {
	name := logName(gen)
	f, err := s.fs.Create(name)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	_, err = f.Write(appendHeader(nil, logMagic, gen))
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = s.fs.SyncDir()
	}
	if err != nil {
		f.Close()
		_ = s.fs.Remove(name) // best effort: a headerless log is a torn tail anyway
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	return f, nil
}

// finish writes snapshot gen durably, then deletes the files it replaces.
func (s *Store) finish(b []byte, gen uint64, start time.Time) error {
	name := snapName(gen)
	tmp := name + ".tmp"
	data := appendRecord(appendHeader(make([]byte, 0, headerSize+recordHeader+len(b)), snapMagic, gen), b)
	err := s.writeFile(tmp, data)
	if err == nil {
		err = s.fs.Rename(tmp, name)
	}
	if err == nil {
		err = s.fs.SyncDir()
	}
	if err != nil {
		_ = s.fs.Remove(tmp)
		err = fmt.Errorf("write %s: %w", name, err)
		s.saved(start, 0, err)
		return err
	}
	s.removeBefore(gen)
	s.saved(start, int64(len(data)), nil)
	return nil
}

func (s *Store) writeFile(name string, data []byte) error {
	f, err := s.fs.Create(name)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// removeBefore deletes the snapshots and logs older than gen. Failures
// only leave files that the next recovery ignores.
func (s *Store) removeBefore(gen uint64) {
	names, err := s.fs.List()
	if err != nil {
		s.log.Warn("persistence: list data dir", "err", err)
		return
	}
	for _, name := range names {
		if _, g, ok := parseName(name); ok && g < gen {
			if err := s.fs.Remove(name); err != nil {
				s.log.Warn("persistence: remove old file", "file", name, "err", err)
			}
		}
	}
}

// startSave marks a snapshot in progress; the caller holds saveMu.
func (s *Store) startSave() time.Time {
	start := time.Now()
	s.saving.Store(true)
	s.mu.Lock()
	s.st.SaveStarted = start
	s.mu.Unlock()
	return start
}

// endSave ends the snapshot in progress and releases saveMu (possibly on
// another goroutine than the one that locked it, which sync.Mutex allows).
func (s *Store) endSave() {
	s.mu.Lock()
	s.st.SaveStarted = time.Time{}
	s.mu.Unlock()
	s.saving.Store(false)
	s.saveMu.Unlock()
}

// saved records the outcome of a snapshot attempt.
func (s *Store) saved(start time.Time, size int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastAttempt = time.Now()
	s.st.LastSaveErr = err
	s.st.LastSaveDuration = time.Since(start)
	if err != nil {
		s.log.Error("persistence: snapshot failed", "err", err)
		return
	}
	s.st.LastSave = time.Now()
	s.st.SnapshotBytes = size
	s.st.Saves++
}
