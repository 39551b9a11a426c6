package results

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// AtomicFile is an output file that appears at its final path complete or
// not at all: writes go to a temporary file in the same directory, and
// Commit syncs it and renames it over the destination. A crash, an error or
// Abort leaves any earlier file at the path untouched. It is not safe for
// concurrent use.
type AtomicFile struct {
	path string
	f    *os.File
	done bool
	err  error // first write error; Commit refuses to publish after one
}

// CreateAtomic starts an atomic write of path. Always finish with Commit or
// Abort (a deferred Abort after Commit is a no-op).
func CreateAtomic(path string) (*AtomicFile, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// The temporary file must live in the destination directory: rename is
	// only atomic within one file system.
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &AtomicFile{path: path, f: f}, nil
}

// Name is the final path of the file.
func (a *AtomicFile) Name() string { return a.path }

// Write writes to the temporary file.
func (a *AtomicFile) Write(p []byte) (int, error) {
	if a.done {
		return 0, fmt.Errorf("write %s: %w", a.path, os.ErrClosed)
	}
	n, err := a.f.Write(p)
	if err != nil && a.err == nil {
		a.err = fmt.Errorf("write %s: %w", a.path, err)
	}
	return n, err
}

// Commit flushes the data to stable storage and moves the file into place.
// If any Write failed, Commit aborts and returns that error.
func (a *AtomicFile) Commit() error {
	if a.done {
		return fmt.Errorf("commit %s: %w", a.path, os.ErrClosed)
	}
	if a.err != nil {
		_ = a.Abort()
		return a.err
	}
	a.done = true
	tmp := a.f.Name()
	fail := func(err error) error {
		_ = a.f.Close()
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", a.path, err)
	}
	// CreateTemp makes 0600 files; outputs are meant to be shared like any
	// file the user would have written with the shell.
	if err := a.f.Chmod(0o644); err != nil {
		return fail(err)
	}
	if err := a.f.Sync(); err != nil {
		return fail(err)
	}
	if err := a.f.Close(); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", a.path, err)
	}
	if err := os.Rename(tmp, a.path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", a.path, err)
	}
	syncDir(filepath.Dir(a.path))
	return nil
}

// Abort discards the temporary file. It is a no-op after Commit or Abort.
func (a *AtomicFile) Abort() error {
	if a.done {
		return nil
	}
	a.done = true
	err := a.f.Close()
	if rmErr := os.Remove(a.f.Name()); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
		err = errors.Join(err, rmErr)
	}
	return err
}

// WriteFileAtomic writes data to path atomically (temporary file in the
// same directory, fsync, rename): readers see the old file or the new one,
// never a partial one.
func WriteFileAtomic(path string, data []byte) error {
	a, err := CreateAtomic(path)
	if err != nil {
		return err
	}
	if _, err := a.Write(data); err != nil {
		_ = a.Abort()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return a.Commit()
}

// syncDir makes a rename durable. Best effort: some file systems refuse to
// sync directories, and the data itself is already synced.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
