package feedback

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// DefaultMaxLineBytes is the default of FileStoreOptions.MaxLineBytes.
const DefaultMaxLineBytes = 1 << 20

// FileStoreOptions configures [OpenFileStore]. The zero value is the default.
type FileStoreOptions struct {
	// MaxLineBytes bounds one encoded signal, without its newline: Append
	// refuses a longer signal, and Query stops with an error at a longer
	// line. It bounds the memory a query needs. Default DefaultMaxLineBytes.
	MaxLineBytes int
	// Perm is the permission bits of a file OpenFileStore creates, before
	// the umask. Default 0o644.
	Perm fs.FileMode
	// ReadOnly opens an existing file for queries only: it is not locked
	// for writing, a torn last line is left in place (queries skip it), and
	// Append returns ErrReadOnly.
	ReadOnly bool
	// OnRepair, if set, is called each time the store removes a torn last
	// line, at open or before an append, with the file locked: it must not
	// use the store.
	OnRepair func(Repair)
}

// Repair describes a torn last line removed from a store's file.
type Repair struct {
	// Path is the file's path.
	Path string
	// Offset is the file's new size: the dropped bytes started there.
	Offset int64
	// Dropped is how many bytes were removed.
	Dropped int64
}

// ErrReadOnly is returned by Append on a FileStore opened ReadOnly.
var ErrReadOnly = errors.New("feedback: store is read-only")

// LineError is an error in one line of a store's file.
type LineError struct {
	// Path is the file's path.
	Path string
	// Line is the line's number, from 1.
	Line int
	// Err is what is wrong with the line.
	Err error
}

// Error returns "PATH:LINE: ERR".
func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err) }

// Unwrap returns e.Err.
func (e *LineError) Unwrap() error { return e.Err }

// Is reports whether target is ErrBadRecord and the line was stepped over:
// it did not decode. A line too long to read ends a query and does not
// match.
func (e *LineError) Is(target error) bool {
	return target == ErrBadRecord && !errors.Is(e.Err, bufio.ErrTooLong)
}

// FileStore is a [Store] in one JSON Lines file: one signal per line, in its
// JSON form (see docs/signals.md), in the order appended. The file is
// portable and greppable; nothing else is kept beside it.
//
// Any of FileStore's methods may be called concurrently, and several
// processes may use one file at once: an append holds an exclusive lock on
// the file (flock(2) on Unix systems; on Windows, LockFileEx on one byte far
// past the end of the file, so that queries still read while another
// process appends; on other systems only the goroutines of one process are
// serialised, so use one process per file there) and writes with O_APPEND. Append syncs the file before it returns, so an
// acknowledged signal survives a crash of the process or of the machine.
// A crash in the middle of an append can leave a torn last line; the next
// OpenFileStore or Append (of any process) removes it first, and queries
// never return it. Use a local file system: advisory locks over NFS are not
// to be trusted.
//
// A signal whose ID is in the file already is not appended again, so a
// retried Append is safe. To know, the store keeps a digest of every ID in
// memory (about 40 bytes a signal), read from the whole file at the first
// Append and, at each Append, from the lines other processes added since.
//
// The file is never rotated or compacted: it grows by about 200 to 600
// bytes per signal, plus its hunk. To start afresh, rename it while no
// process has it open (Windows refuses to rename an open file).
//
// On Windows the creation of a new file is not synced to its directory (a
// directory cannot be synced there); the signals themselves are synced as
// on other systems.
type FileStore struct {
	path     string
	max      int
	readOnly bool
	onRepair func(Repair)
	repaired atomic.Int64

	mu     sync.Mutex // guards the fields below, and serialises appends
	f      *os.File
	closed bool
	buf    bytes.Buffer
	ends   []int // the end of each signal's line in buf
	// ids holds a digest of the ID of every signal in the file's first
	// indexed bytes, so that Append leaves out the IDs already stored. It
	// is built at the first Append and brought up to date, under the
	// file's lock, with the lines other processes appended since.
	ids     map[idDigest]struct{}
	indexed int64
}

// idDigest is the first 128 bits of the SHA-256 of a signal ID: a set of
// digests costs less memory than a set of IDs, and two IDs that differ
// never share one in practice.
type idDigest [16]byte

// digestID returns the digest of id as it reads back from the file: a byte
// of invalid UTF-8 is U+FFFD there, as encoding/json writes it.
func digestID(id string) idDigest {
	if !utf8.ValidString(id) {
		var b strings.Builder
		for i := 0; i < len(id); {
			r, size := utf8.DecodeRuneInString(id[i:])
			b.WriteRune(r) // utf8.RuneError for a bad byte
			i += size
		}
		id = b.String()
	}
	sum := sha256.Sum256([]byte(id))
	return idDigest(sum[:16])
}

// OpenFileStore opens the store in the file at path, creating it if needed
// (its directory must exist), and repairs a torn last line. A nil opts means
// the defaults. Close the store when done.
func OpenFileStore(path string, opts *FileStoreOptions) (*FileStore, error) {
	var o FileStoreOptions
	if opts != nil {
		o = *opts
	}
	switch {
	case o.MaxLineBytes < 0:
		return nil, fmt.Errorf("feedback: FileStoreOptions.MaxLineBytes is negative (%d)", o.MaxLineBytes)
	case o.MaxLineBytes == 0:
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.Perm == 0 {
		o.Perm = 0o644
	}
	s := &FileStore{path: path, max: o.MaxLineBytes, readOnly: o.ReadOnly, onRepair: o.OnRepair}
	if o.ReadOnly {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		s.f = f
		if err := s.checkRegular(); err != nil {
			f.Close()
			return nil, err
		}
		return s, nil
	}

	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE|os.O_EXCL, o.Perm.Perm())
	created := err == nil
	if errors.Is(err, fs.ErrExist) {
		f, err = os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	}
	if err != nil {
		return nil, err
	}
	s.f = f
	if err := s.open(created); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func (s *FileStore) checkRegular() error {
	fi, err := s.f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return &fs.PathError{Op: "open", Path: s.path, Err: errors.New("not a regular file")}
	}
	return nil
}

// open makes a new file's name durable and repairs an existing file.
func (s *FileStore) open(created bool) error {
	if err := s.checkRegular(); err != nil {
		return err
	}
	if created {
		// The signals appended later are synced with the file; its name is
		// in the directory.
		if err := syncDir(filepath.Dir(s.path)); err != nil {
			return err
		}
	}
	if err := lockFile(s.f, true); err != nil {
		return &fs.PathError{Op: "lock", Path: s.path, Err: err}
	}
	defer unlockFile(s.f)
	_, repaired, err := s.repairLocked()
	if err != nil {
		return err
	}
	if repaired {
		if err := s.f.Sync(); err != nil {
			return &fs.PathError{Op: "sync", Path: s.path, Err: err}
		}
	}
	return nil
}

// Path returns the path of the store's file.
func (s *FileStore) Path() string { return s.path }

// Repaired returns how many bytes of torn lines this store has removed since
// it was opened.
func (s *FileStore) Repaired() int64 { return s.repaired.Load() }

// Close closes the store's file. Queries already running go on to their end;
// other calls return ErrClosed. Closing a closed store does nothing.
func (s *FileStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.f.Close()
}

// Append validates the signals, encodes them, and appends them to the file
// in one write under the file's lock, after removing a torn last line left
// by a crash; it returns once the file is synced. A signal whose ID is in
// the file, or earlier in the batch, is left out. An invalid signal, or one
// longer than FileStoreOptions.MaxLineBytes, appends nothing. If the write
// or the sync fails, Append removes what it wrote and returns the error.
//
// Append waits for the appends of other processes; ctx is consulted before
// waiting and once the lock is held, not while waiting.
func (s *FileStore) Append(ctx context.Context, signals ...Signal) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := validate(signals); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return ErrClosed
	case s.readOnly:
		return ErrReadOnly
	case len(signals) == 0:
		return nil
	}
	if s.buf.Cap() > 4<<20 {
		s.buf = bytes.Buffer{} // do not keep a huge batch's buffer
	}
	s.buf.Reset()
	s.ends = s.ends[:0]
	for i := range signals {
		start := s.buf.Len()
		if err := signals[i].encode(&s.buf); err != nil {
			return fmt.Errorf("encoding signal %q: %w", signals[i].ID, err)
		}
		if n := s.buf.Len() - start - 1; n > s.max {
			return fmt.Errorf("%w %q: it encodes to %d bytes, more than the %d of FileStoreOptions.MaxLineBytes",
				ErrInvalidSignal, signals[i].ID, n, s.max)
		}
		s.ends = append(s.ends, s.buf.Len())
	}

	if err := lockFile(s.f, true); err != nil {
		return &fs.PathError{Op: "lock", Path: s.path, Err: err}
	}
	defer unlockFile(s.f)
	if err := ctx.Err(); err != nil {
		return err
	}
	size, _, err := s.repairLocked()
	if err != nil {
		return err
	}
	if err := s.indexLocked(size); err != nil {
		return err
	}
	out, fresh := s.newLines(signals)
	if len(out) == 0 {
		return nil // every signal is stored already
	}
	err = s.write(out)
	if err == nil {
		err = fault("sync", 0)
	}
	if err == nil {
		err = s.f.Sync()
	}
	if err != nil {
		// Nothing was acknowledged: leave no partial batch behind. Should
		// this fail too, the next append repairs a torn line.
		if fault("truncate", 0) == nil {
			s.f.Truncate(size)
		}
		return fmt.Errorf("appending to %s: %w", s.path, err)
	}
	for _, d := range fresh {
		s.ids[d] = struct{}{}
	}
	s.indexed = size + int64(len(out))
	return nil
}

// newLines returns the lines of s.buf whose signals' IDs are neither stored
// nor earlier in the batch, and the digests of their IDs.
func (s *FileStore) newLines(signals []Signal) ([]byte, []idDigest) {
	fresh := make([]idDigest, 0, len(signals))
	var batch map[idDigest]struct{}
	if len(signals) > 1 {
		batch = make(map[idDigest]struct{}, len(signals))
	}
	all := s.buf.Bytes()
	var out []byte // nil while every line so far is kept
	start := 0
	for i := range signals {
		line := all[start:s.ends[i]]
		d := digestID(signals[i].ID)
		_, stored := s.ids[d]
		_, repeated := batch[d]
		switch {
		case stored || repeated:
			if out == nil {
				out = append(make([]byte, 0, len(all)), all[:start]...)
			}
		default:
			fresh = append(fresh, d)
			if batch != nil {
				batch[d] = struct{}{}
			}
			if out != nil {
				out = append(out, line...)
			}
		}
		start = s.ends[i]
	}
	if out == nil {
		return all, fresh
	}
	return out, fresh
}

// indexLocked brings s.ids up to date with the first size bytes of the
// file, its complete lines, with the file locked: it reads what was
// appended since it last looked, or the whole file if it shrank.
func (s *FileStore) indexLocked(size int64) error {
	if s.ids == nil || size < s.indexed {
		s.ids, s.indexed = make(map[idDigest]struct{}), 0
	}
	if size == s.indexed {
		return nil
	}
	r := bufio.NewReaderSize(io.NewSectionReader(s.f, s.indexed, size-s.indexed), 64<<10)
	var long []byte
	for {
		line, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long, line...)
			continue
		}
		if long != nil {
			line = append(long, line...)
			long = nil
		}
		if len(line) > 0 {
			if id, ok := lineID(line); ok {
				s.ids[digestID(id)] = struct{}{}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return &fs.PathError{Op: "read", Path: s.path, Err: err}
		}
	}
	s.indexed = size
	return nil
}

// lineID returns the ID of the signal on a line of the file: quickly when
// the line starts as this package writes it, with encoding/json otherwise.
// A line that is not a signal has none.
func lineID(line []byte) (string, bool) {
	const prefix = `{"v":1,"id":"`
	if rest, ok := bytes.CutPrefix(line, []byte(prefix)); ok {
		if i := bytes.IndexByte(rest, '"'); i >= 0 && bytes.IndexByte(rest[:i], '\\') < 0 {
			return string(rest[:i]), true
		}
	}
	var v struct {
		ID *string `json:"id"`
	}
	if json.Unmarshal(line, &v) != nil || v.ID == nil {
		return "", false
	}
	return *v.ID, true
}

// faultHook, when set, is consulted before each write, sync and clean-up
// of Append with the operation and the bytes about to be written; an error
// it returns fails the operation, after only the first n bytes of a write.
// It is nil outside this package's tests, which fail (and "crash") every
// operation in turn.
var faultHook func(op string, size int) (n int, err error)

func fault(op string, size int) error {
	if faultHook == nil {
		return nil
	}
	_, err := faultHook(op, size)
	return err
}

// write writes b to the file, or what a test's fault hook lets through.
func (s *FileStore) write(b []byte) error {
	if faultHook != nil {
		if n, err := faultHook("write", len(b)); err != nil {
			s.f.Write(b[:n])
			return err
		}
	}
	_, err := s.f.Write(b)
	return err
}

// repairLocked removes a torn last line, with the file locked, and returns
// the file's size afterwards and whether it removed anything.
func (s *FileStore) repairLocked() (size int64, repaired bool, err error) {
	fi, err := s.f.Stat()
	if err != nil {
		return 0, false, err
	}
	size = fi.Size()
	end, err := completeEnd(s.f, size)
	if err != nil {
		return 0, false, &fs.PathError{Op: "read", Path: s.path, Err: err}
	}
	if end == size {
		return size, false, nil
	}
	if err := s.checkTorn(end); err != nil {
		return 0, false, err
	}
	if err := s.f.Truncate(end); err != nil {
		return 0, false, err
	}
	r := Repair{Path: s.path, Offset: end, Dropped: size - end}
	s.repaired.Add(r.Dropped)
	if s.onRepair != nil {
		s.onRepair(r)
	}
	return end, true, nil
}

// checkTorn refuses to remove a tail that cannot be the start of a signal
// line — NUL bytes left by a crash of the machine, then "{" — lest a file
// that is not a store be cut.
func (s *FileStore) checkTorn(at int64) error {
	var b [512]byte
	n, err := s.f.ReadAt(b[:], at)
	if err != nil && err != io.EOF {
		return &fs.PathError{Op: "read", Path: s.path, Err: err}
	}
	tail := bytes.TrimLeft(b[:n], "\x00")
	if len(tail) == 0 || tail[0] == '{' {
		return nil
	}
	return fmt.Errorf("%s: the bytes after offset %d are neither lines nor a torn signal: this does not look like a signal store, so it is left as it is", s.path, at)
}

// completeEnd returns the offset just after the last newline in the first
// size bytes of f, 0 if there is none: the end of the complete lines.
func completeEnd(f io.ReaderAt, size int64) (int64, error) {
	var last [1]byte
	if size == 0 {
		return 0, nil
	}
	if _, err := f.ReadAt(last[:], size-1); err != nil {
		return 0, err
	}
	if last[0] == '\n' {
		return size, nil
	}
	buf := make([]byte, 64<<10)
	for end := size - 1; end > 0; {
		start := max(end-int64(len(buf)), 0)
		chunk := buf[:end-start]
		if _, err := f.ReadAt(chunk, start); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return 0, nil
}

// Query streams the signals that match f, reading the file line by line
// with memory bounded by FileStoreOptions.MaxLineBytes. It reads the
// complete lines the file holds when it starts, taking the file's lock
// only to find where they end: every signal whose Append returned before
// (in any process) is among them, and appends made meanwhile are not waited
// for.
//
// A line that does not decode (another version, a hand edit) yields a
// *LineError matching ErrBadRecord; the stream goes on if the loop does. A line longer than
// MaxLineBytes, an I/O error or ctx's cancellation yields an error and ends
// the stream. Blank lines are skipped.
func (s *FileStore) Query(ctx context.Context, f Filter) iter.Seq2[Signal, error] {
	return func(yield func(Signal, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(Signal{}, err)
			return
		}
		file, end, err := s.snapshot()
		if err != nil {
			yield(Signal{}, err)
			return
		}
		defer file.Close()

		sc := bufio.NewScanner(io.NewSectionReader(file, 0, end))
		sc.Buffer(make([]byte, 0, min(64<<10, s.max+1)), s.max+1)
		sc.Split(scanCompleteLines)
		line := 0
		for sc.Scan() {
			line++
			if line%256 == 0 {
				if err := ctx.Err(); err != nil {
					yield(Signal{}, err)
					return
				}
			}
			b := sc.Bytes()
			if len(bytes.TrimSpace(b)) == 0 {
				continue
			}
			sig, err := DecodeSignal(b)
			if err != nil {
				if !yield(Signal{}, &LineError{Path: s.path, Line: line, Err: err}) {
					return
				}
				continue
			}
			if f.Match(sig) && !yield(sig, nil) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				err = fmt.Errorf("line longer than %d bytes (FileStoreOptions.MaxLineBytes): %w", s.max, err)
			}
			yield(Signal{}, &LineError{Path: s.path, Line: line + 1, Err: err})
		}
	}
}

// snapshot opens the file for a query and returns the end of its complete
// lines, which no append or repair changes later.
func (s *FileStore) snapshot() (*os.File, int64, error) {
	s.mu.Lock() // no append of this process runs
	defer s.mu.Unlock()
	if s.closed {
		return nil, 0, ErrClosed
	}
	file, err := os.Open(s.path)
	if err != nil {
		return nil, 0, err
	}
	if err := lockFile(file, false); err != nil { // nor of another process
		file.Close()
		return nil, 0, &fs.PathError{Op: "lock", Path: s.path, Err: err}
	}
	defer unlockFile(file)
	fi, err := file.Stat()
	if err == nil {
		var end int64
		if end, err = completeEnd(file, fi.Size()); err == nil {
			return file, end, nil
		}
	}
	file.Close()
	return nil, 0, &fs.PathError{Op: "read", Path: s.path, Err: err}
}

// scanCompleteLines is bufio.ScanLines without the carriage returns and
// without an unterminated last line.
func scanCompleteLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF {
		return len(data), nil, nil
	}
	return 0, nil, nil
}
