package store

import (
	"errors"
	"fmt"
	"lattice/shared/causal"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"lattice/shared/engine"
)

// Policy is an appendfsync policy.
type Policy int

// The appendfsync policies, as Redis names them.
const (
	EverySec Policy = iota // fsync the log once per SyncInterval
	Always                 // fsync before Append returns
	No                     // leave flushing to the OS
)

// ParsePolicy parses "always", "everysec" or "no".
func ParsePolicy(s string) (Policy, error) {
	switch strings.ToLower(s) {
	case "always":
		return Always, nil
	case "everysec":
		return EverySec, nil
	case "no":
		return No, nil
	}
	return 0, fmt.Errorf("appendfsync must be always, everysec or no, not %q", s)
}

func (p Policy) String() string {
	switch p {
	case Always:
		return "always"
	case No:
		return "no"
	}
	return "everysec"
}

// Config configures a Store. Zero fields take the defaults of
// DefaultConfig.
type Config struct {
	Dir          string // the directory, used when FS is nil
	FS           FS     // where files go; nil means DirFS(Dir)
	Fsync        Policy
	SyncInterval time.Duration // EverySec period. Default: 1s.
	// RewriteMinSize and RewritePercent say when WantsRewrite is true: the
	// log since the last snapshot holds at least RewriteMinSize bytes and
	// at least RewritePercent percent of the snapshot's size (Redis's
	// auto-aof-rewrite-min-size and -percentage). Defaults: 64 MiB, 100.
	RewriteMinSize int64
	RewritePercent int
	// MaxRecord bounds one log record's payload. Default: 1 GiB, the
	// hub's query buffer limit, so that any pipeline's delta fits (one
	// 512 MB value makes a delta slightly larger than 512 MiB).
	MaxRecord int64
	Logger    *slog.Logger

	// Replay, if set, is called during Open for the snapshot and for each
	// log record after it is loaded into the replica, in order, with its
	// encoded bytes (valid only during the call): the hub rebuilds its
	// replication positions and backlog from them.
	Replay func(d *engine.Delta, payload []byte)
	// Applied, if set, is called on the owner goroutine when a snapshot is
	// taken; its answer is stored in the snapshot (engine.Delta.Applied),
	// so that what it names survives the logs the snapshot replaces.
	Applied func() *causal.Context
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{Fsync: EverySec, SyncInterval: time.Second, RewriteMinSize: 64 << 20,
		RewritePercent: 100, MaxRecord: 1 << 30}
}

// Stats describes the store for INFO and metrics.
type Stats struct {
	Fsync            Policy
	LogBytes         int64     // bytes of the logs after the last snapshot (headers included)
	SnapshotBytes    int64     // size of the last snapshot file
	Changes          int64     // records appended since the last snapshot began
	Records          int64     // records appended since Open
	Fsyncs           int64     // log fsyncs since Open
	LastSave         time.Time // last successful snapshot, or Open
	LastSaveErr      error     // error of the last snapshot attempt, nil if it succeeded
	LastSaveDuration time.Duration
	Saves            int64     // snapshots written since Open
	SaveStarted      time.Time // start of the snapshot in progress; zero if none
	WriteErr         error     // the log's write or fsync error; nil while healthy
	Recovery         Recovery
}

// Recovery describes what Open loaded.
type Recovery struct {
	Snapshot       string // snapshot file loaded; empty if none
	SnapshotBytes  int64
	Logs           int   // log files replayed
	Records        int64 // log records replayed
	LogBytes       int64
	TruncatedFile  string // file whose torn tail was dropped; empty if none
	TruncatedAt    int64  // offset of the tear
	TruncatedBytes int64  // bytes dropped
	Duration       time.Duration
}

// ErrSaveInProgress is returned by Snapshot and SaveNow while a background
// snapshot is being written.
var ErrSaveInProgress = errors.New("store: background save already in progress")

// Store is a hub's durable log and snapshots. See the package doc.
type Store struct {
	cfg Config
	fs  FS
	log *slog.Logger

	// Owned by the caller's goroutine (the hub's owner).
	gen    uint64 // current log generation
	buf    []byte
	failed error // sticky write error

	mu     sync.Mutex // guards f for the syncer and Close, and st
	f      File
	st     Stats
	closed bool

	policy  atomic.Int32 // the fsync Policy (CONFIG SET appendfsync changes it)
	dirty   atomic.Bool  // bytes written since the syncer's last fsync
	syncErr atomic.Pointer[error]
	saving  atomic.Bool
	saveMu  sync.Mutex // held while a snapshot is being taken
	// lastAttempt is when the last snapshot attempt ended; guarded by mu.
	lastAttempt time.Time
	syncStop    chan struct{}
	wg          sync.WaitGroup // the syncer and the snapshot writer
}

// Open opens the store in cfg's directory, loads its snapshot and logs
// into r (which should be empty) and makes it ready to append.
func Open(cfg Config, r *engine.Replica) (*Store, error) {
	def := DefaultConfig()
	if cfg.SyncInterval <= 0 {
		cfg.SyncInterval = def.SyncInterval
	}
	if cfg.RewriteMinSize <= 0 {
		cfg.RewriteMinSize = def.RewriteMinSize
	}
	if cfg.RewritePercent <= 0 {
		cfg.RewritePercent = def.RewritePercent
	}
	if cfg.MaxRecord <= 0 {
		cfg.MaxRecord = def.MaxRecord
	}
	s := &Store{cfg: cfg, fs: cfg.FS, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.fs == nil {
		fsys, err := DirFS(cfg.Dir)
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		s.fs = fsys
	}
	s.st.Fsync = cfg.Fsync
	s.policy.Store(int32(cfg.Fsync))
	s.st.LastSave = time.Now()
	if err := s.recover(r); err != nil {
		if s.f != nil {
			s.f.Close()
		}
		return nil, err
	}
	return s, nil
}

// Append writes the encoded deltas as one write and, under Always, fsyncs
// before returning. A nil error means the deltas are in the log as the
// policy promises; after an error the store is failed until SaveNow
// succeeds.
func (s *Store) Append(ds []*engine.Delta) error {
	if len(ds) == 0 {
		return nil
	}
	if err := s.err(); err != nil {
		return err
	}
	ps := make([][]byte, len(ds))
	for i, d := range ds {
		b, err := engine.EncodeDelta(d)
		if err != nil {
			return s.fail(fmt.Errorf("encode delta: %w", err))
		}
		ps[i] = b
	}
	return s.AppendEncoded(ps)
}

// AppendEncoded is Append for deltas already encoded (engine.EncodeDelta
// bytes), which the hub also ships to its peers: each is encoded once.
func (s *Store) AppendEncoded(ps [][]byte) error {
	if len(ps) == 0 {
		return nil
	}
	if err := s.err(); err != nil {
		return err
	}
	s.buf = s.buf[:0]
	for _, b := range ps {
		if int64(len(b)) > s.cfg.MaxRecord {
			return s.fail(fmt.Errorf("delta of %d bytes exceeds the record limit %d", len(b), s.cfg.MaxRecord))
		}
		s.buf = appendRecord(s.buf, b)
	}
	if _, err := s.f.Write(s.buf); err != nil {
		return s.fail(fmt.Errorf("write log: %w", err))
	}
	s.mu.Lock()
	s.st.LogBytes += int64(len(s.buf))
	s.st.Changes += int64(len(ps))
	s.st.Records += int64(len(ps))
	s.mu.Unlock()
	pol := Policy(s.policy.Load())
	if pol == Always {
		if err := s.f.Sync(); err != nil {
			return s.fail(fmt.Errorf("fsync log: %w", err))
		}
		s.mu.Lock()
		s.st.Fsyncs++
		s.mu.Unlock()
		return nil
	}
	if pol == EverySec {
		s.dirty.Store(true)
		s.startSyncer()
	}
	return nil
}

// err returns the sticky error, taking in one the syncer may have hit.
func (s *Store) err() error {
	if s.failed == nil {
		if p := s.syncErr.Load(); p != nil {
			s.fail(*p)
		}
	}
	return s.failed
}

// fail enters the failed state (see the package doc) and returns err.
func (s *Store) fail(err error) error {
	if s.failed == nil {
		s.log.Error("persistence: log write failed; writes are refused until a snapshot succeeds", "err", err)
	}
	s.failed = err
	s.mu.Lock()
	s.st.WriteErr = err
	s.mu.Unlock()
	return err
}

// SetPolicy changes the fsync policy from the next Append on (CONFIG SET
// appendfsync); safe on any goroutine. Switching to Always makes the next
// Append's fsync cover everything written before it too.
func (s *Store) SetPolicy(p Policy) {
	s.policy.Store(int32(p))
	s.mu.Lock()
	s.st.Fsync = p
	s.mu.Unlock()
}

// Failed returns the write error that stopped the log, or nil.
func (s *Store) Failed() error { return s.err() }

// startSyncer starts the EverySec goroutine once.
func (s *Store) startSyncer() {
	if s.syncStop != nil {
		return
	}
	s.syncStop = make(chan struct{})
	s.wg.Add(1)
	go s.syncLoop(s.syncStop)
}

func (s *Store) syncLoop(stop chan struct{}) {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.SyncInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			s.syncNow()
		}
	}
}

// syncNow fsyncs the current log if it has unsynced bytes (EverySec).
func (s *Store) syncNow() {
	if !s.dirty.Swap(false) || s.syncErr.Load() != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil || s.closed {
		return
	}
	if err := s.f.Sync(); err != nil {
		err = fmt.Errorf("fsync log: %w", err)
		s.syncErr.Store(&err)
		s.st.WriteErr = err
		return
	}
	s.st.Fsyncs++
}

// WantsRewrite reports whether the log has grown enough that a snapshot
// should compact it (and none is in progress).
func (s *Store) WantsRewrite() bool {
	if s.saving.Load() || s.failed != nil {
		return false
	}
	s.mu.Lock()
	log, snap, lastErr, last := s.st.LogBytes, s.st.SnapshotBytes, s.st.LastSaveErr, s.lastAttempt
	s.mu.Unlock()
	if lastErr != nil && time.Since(last) < 10*time.Second {
		return false // back off after a failed snapshot
	}
	return log >= s.cfg.RewriteMinSize && log*100 >= snap*int64(s.cfg.RewritePercent)
}

// Saving reports whether a background snapshot is being written.
func (s *Store) Saving() bool { return s.saving.Load() }

// Stats returns the current figures. Safe on any goroutine.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// Close waits for a background snapshot, fsyncs and closes the log. The
// store is unusable afterwards.
func (s *Store) Close() error {
	if s.syncStop != nil {
		close(s.syncStop)
		s.syncStop = nil
	}
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.f == nil {
		return nil
	}
	var err error
	if s.failed == nil && s.syncErr.Load() == nil {
		if err = s.f.Sync(); err != nil {
			err = fmt.Errorf("fsync log: %w", err)
		}
	}
	if cerr := s.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close log: %w", cerr)
	}
	return err
}
