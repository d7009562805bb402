package store

import (
	"io"
	"os"
	"path/filepath"
	"slices"
)

// FS is the directory the store writes through: the real one (DirFS) or,
// in tests, MemFS, which can lose what was not fsynced. Names are plain
// file names inside the directory.
type FS interface {
	// Create creates or truncates a file for writing.
	Create(name string) (File, error)
	// OpenAppend opens an existing file for appending.
	OpenAppend(name string) (File, error)
	// Open opens a file for reading.
	Open(name string) (Reader, error)
	// Truncate cuts a file to size bytes.
	Truncate(name string, size int64) error
	Rename(oldname, newname string) error
	Remove(name string) error
	// List returns the names in the directory, sorted.
	List() ([]string, error)
	// SyncDir makes the directory's entries (creates, renames, removes)
	// durable.
	SyncDir() error
}

// File is a file open for writing.
type File interface {
	io.Writer
	Sync() error
	Close() error
}

// Reader is a file open for reading.
type Reader interface {
	io.ReaderAt
	io.Closer
	Size() int64
}

// DirFS returns the FS of a directory on the operating system's file
// system, creating the directory if needed.
func DirFS(dir string) (FS, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return osFS{dir: dir}, nil
}

type osFS struct{ dir string }

func (f osFS) path(name string) string { return filepath.Join(f.dir, name) }

func (f osFS) Create(name string) (File, error) {
	return os.OpenFile(f.path(name), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
}

func (f osFS) OpenAppend(name string) (File, error) {
	return os.OpenFile(f.path(name), os.O_WRONLY|os.O_APPEND, 0)
}

func (f osFS) Open(name string) (Reader, error) {
	fh, err := os.Open(f.path(name))
	if err != nil {
		return nil, err
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, err
	}
	return osReader{File: fh, size: st.Size()}, nil
}

type osReader struct {
	*os.File
	size int64
}

func (r osReader) Size() int64 { return r.size }

func (f osFS) Truncate(name string, size int64) error { return os.Truncate(f.path(name), size) }
func (f osFS) Rename(o, n string) error               { return os.Rename(f.path(o), f.path(n)) }
func (f osFS) Remove(name string) error               { return os.Remove(f.path(name)) }

func (f osFS) List() ([]string, error) {
	ents, err := os.ReadDir(f.dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

func (f osFS) SyncDir() error {
	d, err := os.Open(f.dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
