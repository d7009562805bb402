package store

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"lattice/shared/engine"
)

// parseName recognises the store's files: kind is "log" or "snapshot".
func parseName(name string) (kind string, gen uint64, ok bool) {
	var digits string
	switch {
	case strings.HasPrefix(name, "log-") && strings.HasSuffix(name, ".aof"):
		kind, digits = "log", strings.TrimSuffix(strings.TrimPrefix(name, "log-"), ".aof")
	case strings.HasPrefix(name, "snapshot-") && strings.HasSuffix(name, ".snap"):
		kind, digits = "snapshot", strings.TrimSuffix(strings.TrimPrefix(name, "snapshot-"), ".snap")
	default:
		return "", 0, false
	}
	if len(digits) != 16 {
		return "", 0, false
	}
	gen, err := strconv.ParseUint(digits, 16, 64)
	if err != nil || gen == 0 {
		return "", 0, false
	}
	return kind, gen, true
}

// recover loads the newest usable snapshot and the logs after it into r,
// repairs a torn tail and leaves s.f open on the last log.
func (s *Store) recover(r *engine.Replica) error {
	start := time.Now()
	names, err := s.fs.List()
	if err != nil {
		return fmt.Errorf("list data dir: %w", err)
	}
	var logs, snaps []uint64
	for _, name := range names {
		if strings.HasPrefix(name, "snapshot-") && strings.HasSuffix(name, ".tmp") {
			if err := s.fs.Remove(name); err != nil {
				return fmt.Errorf("remove %s: %w", name, err)
			}
			continue
		}
		switch kind, gen, ok := parseName(name); {
		case !ok:
		case kind == "log":
			logs = append(logs, gen)
		default:
			snaps = append(snaps, gen)
		}
	}
	slices.Sort(logs)
	slices.Sort(snaps)
	slices.Reverse(snaps)

	base, snap, err := s.chooseBase(snaps, logs)
	if err != nil {
		return err
	}
	rec := &s.st.Recovery
	if snap != nil {
		d, err := engine.DecodeDelta(snap)
		if err != nil {
			return fmt.Errorf("load %s: %w", snapName(base), err)
		}
		if err := r.Restore(d); err != nil {
			return fmt.Errorf("load %s: %w", snapName(base), err)
		}
		if s.cfg.Replay != nil {
			s.cfg.Replay(d, snap)
		}
		rec.Snapshot, rec.SnapshotBytes = snapName(base), int64(len(snap))+headerSize+recordHeader
		s.st.SnapshotBytes = rec.SnapshotBytes
	}
	var chain []uint64
	for _, g := range logs {
		if g >= base {
			chain = append(chain, g)
		}
	}
	if err := s.replay(r, chain); err != nil {
		return err
	}
	s.removeBefore(base)
	rec.Duration = time.Since(start)
	s.log.Info("persistence: loaded", "snapshot", rec.Snapshot, "snapshot_bytes", rec.SnapshotBytes,
		"logs", rec.Logs, "records", rec.Records, "log_bytes", rec.LogBytes, "duration", rec.Duration)
	return nil
}

// chooseBase picks the newest valid snapshot whose logs form a complete
// chain (base, base+1, ... up to the newest log; log base always exists,
// since it is created before its snapshot), returning its
// generation and payload; with no usable snapshot, generation 1 and the
// empty state, if the logs start there.
func (s *Store) chooseBase(snaps, logs []uint64) (uint64, []byte, error) {
	var firstErr error
	for _, g := range snaps {
		payload, err := s.readSnapshot(g)
		if err == nil && slices.Contains(logs, g) && chainFrom(g, logs) {
			if firstErr != nil {
				s.log.Warn("persistence: a newer snapshot is unusable; recovering from an older one and its logs",
					"err", firstErr, "snapshot", snapName(g))
			}
			return g, payload, nil
		}
		if err == nil {
			err = fmt.Errorf("%s: the logs after it are incomplete (have %v)", snapName(g), genList(logs))
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if chainFrom(1, logs) && (len(logs) > 0 || len(snaps) == 0) {
		if firstErr != nil {
			s.log.Warn("persistence: snapshots are unusable; replaying the logs from the start", "err", firstErr)
		}
		return 1, nil, nil
	}
	if firstErr == nil {
		firstErr = fmt.Errorf("logs %v do not start at generation 1 and no snapshot precedes them", genList(logs))
	}
	return 0, nil, fmt.Errorf("data dir is incomplete, refusing to start rather than lose data: %w", firstErr)
}

// chainFrom reports whether the logs at or after base are base, base+1, ...
// with no gap (no logs at all is a complete chain).
func chainFrom(base uint64, logs []uint64) bool {
	next := base
	for _, g := range logs {
		if g < base {
			continue
		}
		if g != next {
			return false
		}
		next++
	}
	return true
}

func genList(gens []uint64) []string {
	out := make([]string, len(gens))
	for i, g := range gens {
		out[i] = logName(g)
	}
	return out
}

// readSnapshot reads and checks snapshot gen, returning its payload.
func (s *Store) readSnapshot(gen uint64) ([]byte, error) {
	name := snapName(gen)
	f, err := s.fs.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	size := f.Size()
	var h [headerSize]byte
	if size < headerSize {
		return nil, fmt.Errorf("%s: short header", name)
	}
	if _, err := f.ReadAt(h[:], 0); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if err := checkHeader(h[:], snapMagic, gen); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	rr := newRecordReader(f, headerSize, size, size)
	p, err := rr.next()
	if err == nil && rr.off != size {
		err = errors.New("trailing bytes after the snapshot record")
	}
	if errors.Is(err, errBadRecord) || err == io.EOF {
		err = errors.New("snapshot record is truncated or fails its checksum")
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

// replay applies the logs in chain (consecutive generations) to r, then
// opens the last one for appending, creating the first log if there is
// none.
func (s *Store) replay(r *engine.Replica, chain []uint64) error {
	rec := &s.st.Recovery
	for i, g := range chain {
		end, size, clean, err := s.replayLog(r, g)
		if err != nil {
			return err
		}
		rec.Logs++
		if clean {
			rec.LogBytes += size
			continue
		}
		// A bad record or header at end: a torn tail if nothing valid
		// follows it in this log or any later one.
		if err := s.checkNothingAfter(g, end, chain[i+1:]); err != nil {
			return err
		}
		if err := s.dropTail(g, end, size, chain[i+1:]); err != nil {
			return err
		}
		rec.LogBytes += max(end, headerSize)
		chain = chain[:i+1]
		break
	}
	if len(chain) == 0 {
		base := uint64(1)
		if rec.Snapshot != "" {
			_, base, _ = parseName(rec.Snapshot)
		}
		f, err := s.createLog(base)
		if err != nil {
			return err
		}
		s.f, s.gen = f, base
		s.st.LogBytes = headerSize
		return nil
	}
	s.gen = chain[len(chain)-1]
	f, err := s.fs.OpenAppend(logName(s.gen))
	if err != nil {
		return fmt.Errorf("open %s: %w", logName(s.gen), err)
	}
	s.f = f
	s.st.LogBytes = rec.LogBytes
	return nil
}

// replayLog applies the records of log gen to r. It returns the file size
// and whether the log was clean to its end; if not, end is where the
// valid data ends: 0 for a bad header, else the offset of a bad record.
func (s *Store) replayLog(r *engine.Replica, gen uint64) (end, size int64, clean bool, err error) {
	name := logName(gen)
	f, err := s.fs.Open(name)
	if err != nil {
		return 0, 0, false, fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	size = f.Size()
	var h [headerSize]byte
	if size < headerSize {
		return 0, size, false, nil
	}
	if _, err := f.ReadAt(h[:], 0); err != nil {
		return 0, 0, false, fmt.Errorf("read %s: %w", name, err)
	}
	if checkHeader(h[:], logMagic, gen) != nil {
		return 0, size, false, nil
	}
	rr := newRecordReader(f, headerSize, size, s.cfg.MaxRecord)
	for {
		at := rr.off
		p, err := rr.next()
		switch {
		case err == io.EOF:
			return size, size, true, nil
		case errors.Is(err, errBadRecord):
			return rr.off, size, false, nil
		case err != nil:
			return 0, 0, false, fmt.Errorf("read %s: %w", name, err)
		}
		d, err := engine.DecodeDelta(p)
		if err == nil {
			err = r.Restore(d)
		}
		if err != nil {
			// The checksum matched: not a torn write but data this
			// version cannot load.
			return 0, 0, false, fmt.Errorf("%s: record at offset %d: %w", name, at, err)
		}
		if s.cfg.Replay != nil {
			s.cfg.Replay(d, p)
		}
		s.st.Recovery.Records++
	}
}

// checkNothingAfter fails if a valid record follows offset end of log gen,
// in it or in the later logs: corruption in the middle of the history.
func (s *Store) checkNothingAfter(gen uint64, end int64, later []uint64) error {
	scan := func(g uint64, from int64) (int64, error) {
		f, err := s.fs.Open(logName(g))
		if err != nil {
			return -1, fmt.Errorf("open %s: %w", logName(g), err)
		}
		defer f.Close()
		if f.Size() <= from {
			return -1, nil
		}
		b := make([]byte, f.Size()-from)
		if _, err := f.ReadAt(b, from); err != nil && err != io.EOF {
			return -1, fmt.Errorf("read %s: %w", logName(g), err)
		}
		i, err := findRecord(b, s.cfg.MaxRecord)
		if err != nil {
			return -1, fmt.Errorf("%s is corrupt at offset %d, and recovery cannot tell what follows: %w; "+
				"refusing to start (to accept the loss, truncate it to %d bytes and remove the later logs)",
				logName(gen), end, err, end)
		}
		if i >= 0 {
			return from + int64(i), nil
		}
		return -1, nil
	}
	for i, g := range append([]uint64{gen}, later...) {
		from := int64(headerSize)
		if i == 0 {
			from = end + 1
		}
		at, err := scan(g, from)
		if err != nil {
			return err
		}
		if at >= 0 {
			return fmt.Errorf("%s is corrupt at offset %d, and a valid record follows at offset %d of %s: "+
				"refusing to start, since dropping the corrupt part would lose the writes after it "+
				"(to accept that loss, truncate %s to %d bytes and remove the later logs)",
				logName(gen), end, at, logName(g), logName(gen), end)
		}
	}
	return nil
}

// dropTail truncates log gen at end (rewriting its header if that is what
// is torn) and removes the later logs, which hold nothing valid.
func (s *Store) dropTail(gen uint64, end, size int64, later []uint64) error {
	name := logName(gen)
	dropped := size - end
	var err error
	if end < headerSize {
		var f File
		if f, err = s.fs.Create(name); err == nil {
			if _, err = f.Write(appendHeader(nil, logMagic, gen)); err == nil {
				err = f.Sync()
			}
			f.Close()
		}
	} else if err = s.fs.Truncate(name, end); err == nil {
		var f File
		if f, err = s.fs.OpenAppend(name); err == nil {
			err = f.Sync()
			f.Close()
		}
	}
	if err != nil {
		return fmt.Errorf("truncate torn tail of %s: %w", name, err)
	}
	for _, g := range later {
		if f, err := s.fs.Open(logName(g)); err == nil {
			dropped += max(f.Size()-headerSize, 0)
			f.Close()
		}
		if err := s.fs.Remove(logName(g)); err != nil {
			return fmt.Errorf("remove %s: %w", logName(g), err)
		}
	}
	if err := s.fs.SyncDir(); err != nil {
		return fmt.Errorf("sync data dir: %w", err)
	}
	rec := &s.st.Recovery
	rec.TruncatedFile, rec.TruncatedAt, rec.TruncatedBytes = name, end, dropped
	s.log.Warn("persistence: dropped a torn tail of the log",
		"file", name, "offset", end, "bytes_dropped", dropped, "later_logs_removed", len(later))
	return nil
}
