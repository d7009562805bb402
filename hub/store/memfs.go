package store

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"slices"
	"sync"
)

// MemFS is an in-memory FS for tests that models what survives a power
// loss: each file keeps the bytes written since its last Sync apart from
// the synced ones, and the directory keeps the entries created, renamed or
// removed since the last SyncDir apart from the durable ones. Crash turns
// the durable view into the current one, as a machine would find its disk
// after losing power. It is safe for concurrent use.
type MemFS struct {
	mu      sync.Mutex
	files   map[string]*memInode // the directory as the process sees it
	durable map[string]*memInode // the directory as of the last SyncDir
	epoch   int                  // bumped by Crash: older handles fail
	fault   func(op, name string) error
}

type memInode struct {
	data   []byte // what the process sees
	synced []byte // what a crash keeps (a prefix of data, unless truncated)
}

// ErrCrashed is returned by a file handle opened before a Crash.
var ErrCrashed = errors.New("memfs: handle from before the crash")

// NewMemFS returns an empty MemFS.
func NewMemFS() *MemFS {
	return &MemFS{files: map[string]*memInode{}, durable: map[string]*memInode{}}
}

// CrashMode says what a crash keeps of the unsynced bytes.
type CrashMode int

const (
	// DropUnsynced keeps only what was fsynced.
	DropUnsynced CrashMode = iota
	// KeepRandomPrefix keeps the synced bytes plus a random prefix of the
	// bytes appended after them (a torn write), chosen by rng.
	KeepRandomPrefix
)

func (c CrashMode) String() string {
	if c == KeepRandomPrefix {
		return "keep-random-prefix"
	}
	return "drop-unsynced"
}

// Crash simulates a power loss: the directory returns to its last SyncDir,
// every file to its synced bytes (plus, with KeepRandomPrefix, a random
// prefix of what was appended since), and every open handle stops
// working.
func (m *MemFS) Crash(mode CrashMode, rng *rand.Rand) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.epoch++
	files := make(map[string]*memInode, len(m.durable))
	seen := map[*memInode]*memInode{}
	for name, ino := range m.durable {
		if c, ok := seen[ino]; ok {
			files[name] = c
			continue
		}
		keep := ino.synced
		extends := len(ino.data) >= len(ino.synced) && bytes.Equal(ino.data[:len(ino.synced)], ino.synced)
		if mode == KeepRandomPrefix && extends && len(ino.data) > len(ino.synced) {
			keep = ino.data[:len(ino.synced)+rng.IntN(len(ino.data)-len(ino.synced)+1)]
		}
		c := &memInode{data: bytes.Clone(keep)}
		c.synced = c.data[:len(c.data):len(c.data)]
		seen[ino], files[name] = c, c
	}
	m.files = files
	m.durable = make(map[string]*memInode, len(files))
	for name, ino := range files {
		m.durable[name] = ino
	}
}

// SetFault installs a hook called before every operation (op is create,
// append, open, write, sync, truncate, rename, remove, list or syncdir);
// a non-nil error fails the operation. nil removes the hook.
func (m *MemFS) SetFault(f func(op, name string) error) {
	m.mu.Lock()
	m.fault = f
	m.mu.Unlock()
}

// Bytes returns a copy of a file's current content (for tests).
func (m *MemFS) Bytes(name string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ino, ok := m.files[name]
	if !ok {
		return nil, false
	}
	return bytes.Clone(ino.data), true
}

// Put replaces a file's content and makes it durable (for tests that
// damage files).
func (m *MemFS) Put(name string, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ino := &memInode{data: bytes.Clone(data)}
	ino.synced = ino.data[:len(ino.data):len(ino.data)]
	m.files[name], m.durable[name] = ino, ino
}

// check runs the fault hook, outside the lock (a hook may block).
func (m *MemFS) check(op, name string) error {
	m.mu.Lock()
	f := m.fault
	m.mu.Unlock()
	if f != nil {
		return f(op, name)
	}
	return nil
}

// memView is the FS of one process lifetime (Process), or of any (ep < 0).
type memView struct {
	m  *MemFS
	ep int
}

// stale fails if a crash ended the view's process; the caller holds the
// lock.
func (v memView) stale() error {
	if v.ep >= 0 && v.ep != v.m.epoch {
		return ErrCrashed
	}
	return nil
}

// Process returns the FS of one process lifetime: after the next Crash,
// every operation through it fails with ErrCrashed, as a dead process
// does nothing more. (The MemFS itself works across crashes.)
func (m *MemFS) Process() FS {
	m.mu.Lock()
	defer m.mu.Unlock()
	return memView{m: m, ep: m.epoch}
}

func (m *MemFS) any() memView { return memView{m: m, ep: -1} }

// The FS methods of MemFS work across crashes (for tests that inspect or
// damage files between process lifetimes).

func (m *MemFS) Create(name string) (File, error)       { return m.any().Create(name) }
func (m *MemFS) OpenAppend(name string) (File, error)   { return m.any().OpenAppend(name) }
func (m *MemFS) Open(name string) (Reader, error)       { return m.any().Open(name) }
func (m *MemFS) Truncate(name string, size int64) error { return m.any().Truncate(name, size) }
func (m *MemFS) Rename(oldname, newname string) error   { return m.any().Rename(oldname, newname) }
func (m *MemFS) Remove(name string) error               { return m.any().Remove(name) }
func (m *MemFS) List() ([]string, error)                { return m.any().List() }
func (m *MemFS) SyncDir() error                         { return m.any().SyncDir() }

func notExist(op, name string) error {
	return &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
}

func (v memView) Create(name string) (File, error) {
	m := v.m
	if err := m.check("create", name); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := v.stale(); err != nil {
		return nil, err
	}
	ino := &memInode{}
	m.files[name] = ino
	return &memFile{m: m, ino: ino, name: name, epoch: m.epoch}, nil
}

func (v memView) OpenAppend(name string) (File, error) {
	var f File
	err := v.withInode("append", name, func(ino *memInode) {
		f = &memFile{m: v.m, ino: ino, name: name, epoch: v.m.epoch}
	})
	return f, err
}

func (v memView) Open(name string) (Reader, error) {
	var r Reader
	err := v.withInode("open", name, func(ino *memInode) {
		r = memReader{data: ino.data[:len(ino.data):len(ino.data)]}
	})
	return r, err
}

// withInode runs fn on the existing file name under the lock, after the
// checks every open makes (injected faults, a crashed process's view).
func (v memView) withInode(op, name string, fn func(*memInode)) error {
	m := v.m
	if err := m.check(op, name); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := v.stale(); err != nil {
		return err
	}
	ino, ok := m.files[name]
	if !ok {
		return notExist("open", name)
	}
	fn(ino)
	return nil
}

func (v memView) Truncate(name string, size int64) error {
	m := v.m
	if err := m.check("truncate", name); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := v.stale(); err != nil {
		return err
	}
	ino, ok := m.files[name]
	if !ok {
		return notExist("truncate", name)
	}
	if size < int64(len(ino.data)) {
		// A fresh array: later appends must not overwrite synced bytes.
		ino.data = bytes.Clone(ino.data[:size])
	} else {
		ino.data = append(ino.data, make([]byte, size-int64(len(ino.data)))...)
	}
	return nil
}

func (v memView) Rename(oldname, newname string) error {
	m := v.m
	if err := m.check("rename", oldname); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := v.stale(); err != nil {
		return err
	}
	ino, ok := m.files[oldname]
	if !ok {
		return notExist("rename", oldname)
	}
	delete(m.files, oldname)
	m.files[newname] = ino
	return nil
}

func (v memView) Remove(name string) error {
	m := v.m
	if err := m.check("remove", name); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := v.stale(); err != nil {
		return err
	}
	if _, ok := m.files[name]; !ok {
		return notExist("remove", name)
	}
	delete(m.files, name)
	return nil
}

func (v memView) List() ([]string, error) {
	m := v.m
	if err := m.check("list", ""); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := v.stale(); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(m.files))
	for name := range m.files {
		names = append(names, name)
	}
	slices.Sort(names)
	return names, nil
}

func (v memView) SyncDir() error {
	m := v.m
	if err := m.check("syncdir", ""); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := v.stale(); err != nil {
		return err
	}
	m.durable = make(map[string]*memInode, len(m.files))
	for name, ino := range m.files {
		m.durable[name] = ino
	}
	return nil
}

type memFile struct {
	m      *MemFS
	ino    *memInode
	name   string
	epoch  int
	closed bool
}

// live fails if the handle was closed or a crash came after its opening;
// the caller holds the lock.
func (f *memFile) live() error {
	if f.closed {
		return fs.ErrClosed
	}
	if f.epoch != f.m.epoch {
		return ErrCrashed
	}
	return nil
}

func (f *memFile) Write(p []byte) (int, error) {
	if err := f.m.check("write", f.name); err != nil {
		return 0, err
	}
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if err := f.live(); err != nil {
		return 0, err
	}
	f.ino.data = append(f.ino.data, p...)
	return len(p), nil
}

func (f *memFile) Sync() error {
	if err := f.m.check("sync", f.name); err != nil {
		return err
	}
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if err := f.live(); err != nil {
		return err
	}
	f.ino.synced = f.ino.data[:len(f.ino.data):len(f.ino.data)]
	return nil
}

func (f *memFile) Close() error {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if f.closed {
		return fs.ErrClosed
	}
	f.closed = true
	return nil
}

type memReader struct{ data []byte }

func (r memReader) Size() int64  { return int64(len(r.data)) }
func (r memReader) Close() error { return nil }

func (r memReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("memfs: negative offset")
	}
	if off >= int64(len(r.data)) {
		return 0, io.EOF
	}
	n := copy(p, r.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
