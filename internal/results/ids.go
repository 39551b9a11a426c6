package results

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// IDsFile is a shard's key file: every key the run wrote with the first
// record id the target gave it, sorted by id. The report merges the files
// of all shards to check one id per unique value across shards without
// holding any shard's keys in memory (see MergeShardIDs).
const IDsFile = "ids.bin"

// KeyID is one key's first record id. Hashed says ID is the hash of a
// non-numeric id (HubSpot's ids are decimal numbers; a target that answers
// otherwise is still compared, by hash); Key is the unique value; First the
// answer that gave the id.
type KeyID struct {
	ID     uint64
	Hashed bool
	Key    string
	First  AnswerRef
}

// CompareKeyIDs is the file's order: ID, then plain before hashed, then
// Key. It is the one owner of that order: the writer, the reader and the
// shard merge hold records to it, and a caller that streams records to
// CreateIDs sorts with it.
func CompareKeyIDs(a, b KeyID) int {
	return cmp.Or(cmp.Compare(a.ID, b.ID), cmpBool(a.Hashed, b.Hashed), cmp.Compare(a.Key, b.Key))
}

// SameID reports whether two keys got the same record id.
func (k KeyID) SameID(o KeyID) bool { return k.ID == o.ID && k.Hashed == o.Hashed }

// IDText is the id as reports print it.
func (k KeyID) IDText() string {
	if k.Hashed {
		return fmt.Sprintf("(non-numeric, hash %016x)", k.ID)
	}
	return strconv.FormatUint(k.ID, 10)
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// The ids.bin format, version 1. All integers are unsigned LEB128 varints
// (encoding/binary's Uvarint) unless said otherwise; a string is its byte
// length as a uvarint, then its bytes.
//
//	magic     "UBIDS" (5 bytes), then the version byte 1
//	count     number of records
//	records   count times, sorted by (ID, Hashed, Key), no two equal:
//	  idDelta   ID minus the previous record's ID (the first: ID itself)
//	  flags     one byte: 1 Hashed, 2 First is set, 4 First.ID is the
//	            decimal ID (and so not stored); other bits must be 0
//	  key       string (at most MaxIDKeyBytes)
//	  when flags&2, First:
//	    kind    one byte: 1 "upsert", 2 "read", 3 another kind as a string
//	    batch   uvarint
//	    at      signed varint, nanoseconds into the run
//	    status  uvarint
//	    id      string, absent when flags&4
//	    detail  string
//	crc       4 bytes, big-endian CRC-32 (IEEE) of every byte before it
//
// Delta-coded ids and the omitted decimal id keep a record near the key's
// own length plus ~12 bytes: 1M keys of ~30 bytes make a ~45 MB file. The
// count up front and the CRC at the end make a cut-off or damaged file an
// error, never a silently shorter key list.
const (
	idsMagic   = "UBIDS"
	idsVersion = 1

	idFlagHashed   = 1
	idFlagFirst    = 2
	idFlagDecimal  = 4
	idFlagsKnown   = idFlagHashed | idFlagFirst | idFlagDecimal
	idKindUpsert   = 1
	idKindRead     = 2
	idKindOther    = 3
	idsHeaderBytes = len(idsMagic) + 1
)

// MaxIDKeyBytes bounds a key, and any other string, in ids.bin: a longer
// length is damage, not data (HubSpot's unique values are far shorter).
const MaxIDKeyBytes = 1 << 16

// maxIDStatus is the largest status an answer reference may carry.
const maxIDStatus = 999

// WriteIDs writes dir/ids.bin atomically from a slice. It sorts ids in
// place by ID, Hashed and Key when they are not sorted yet (the reader and
// the shard merge rely on that order) and drops exact repeats of one (ID,
// Hashed, Key): the first stays. A caller with many keys streams them in
// order through CreateIDs instead, holding none of them as KeyIDs.
func WriteIDs(dir string, ids []KeyID) error {
	if !slices.IsSortedFunc(ids, CompareKeyIDs) {
		slices.SortFunc(ids, CompareKeyIDs)
	}
	n := len(ids)
	for i := 1; i < len(ids); i++ {
		if CompareKeyIDs(ids[i-1], ids[i]) == 0 {
			n--
		}
	}
	w, err := CreateIDs(dir, uint64(n))
	if err != nil {
		return err
	}
	defer func() { _ = w.Abort() }()
	for i, k := range ids {
		if i > 0 && CompareKeyIDs(ids[i-1], k) == 0 {
			continue
		}
		if err := w.Add(k); err != nil {
			return err
		}
	}
	return w.Commit()
}

// IDWriter writes an ids.bin record by record, holding one record at a
// time: the caller sorts (ID, Hashed, Key; CompareKeyIDs) and says the
// count up front, as the header carries it. Add refuses a record out of
// that order, and Commit a count that was not met, so a wrong caller gets
// an error, never a file the reader refuses. The file appears, whole, at
// Commit; Abort (or a failed Add) leaves nothing.
type IDWriter struct {
	f       *AtomicFile
	w       *bufio.Writer
	crc     hash.Hash32
	e       idEncoder
	count   uint64
	written uint64
	prev    KeyID
	dec     []byte // the decimal id, to compare with First.ID without allocating
	err     error
}

// CreateIDs starts writing dir/ids.bin with count records.
func CreateIDs(dir string, count uint64) (*IDWriter, error) {
	f, err := CreateAtomic(filepath.Join(dir, IDsFile))
	if err != nil {
		return nil, err
	}
	w := &IDWriter{f: f, crc: crc32.NewIEEE(), count: count}
	w.w = bufio.NewWriterSize(io.MultiWriter(f, w.crc), 64<<10)
	w.e = idEncoder{w: w.w}
	w.e.raw([]byte(idsMagic))
	w.e.raw([]byte{idsVersion})
	w.e.uvarint(count)
	return w, nil
}

// Add writes the next record. It must come after the previous one in
// CompareKeyIDs' order (an exact repeat is refused too), and there must be
// room left in the count. After an error the writer is spent: Abort.
func (w *IDWriter) Add(k KeyID) error {
	if w.err != nil {
		return w.err
	}
	path := w.f.Name()
	switch {
	case len(k.Key) > MaxIDKeyBytes || len(k.First.ID) > MaxIDKeyBytes ||
		len(k.First.Detail) > MaxIDKeyBytes || len(k.First.Kind) > MaxIDKeyBytes:
		w.err = fmt.Errorf("write %s: key %.40q…: a string longer than %d bytes", path, k.Key, MaxIDKeyBytes)
	case k.First.Status < 0 || k.First.Status > maxIDStatus:
		w.err = fmt.Errorf("write %s: key %q: status %d is not an HTTP status", path, k.Key, k.First.Status)
	case w.written == w.count:
		w.err = fmt.Errorf("write %s: record %d (key %q) beyond the %d announced", path, w.written+1, k.Key, w.count)
	case w.written > 0 && CompareKeyIDs(w.prev, k) >= 0:
		w.err = fmt.Errorf("write %s: record %d (id %s, key %q) is not after id %s, key %q: records go in order of id, then key, once each",
			path, w.written+1, k.IDText(), k.Key, w.prev.IDText(), w.prev.Key)
	}
	if w.err != nil {
		return w.err
	}
	e := &w.e
	e.uvarint(k.ID - w.prev.ID)
	var flags byte
	if k.Hashed {
		flags |= idFlagHashed
	}
	first := k.First != (AnswerRef{})
	if first {
		flags |= idFlagFirst
		if !k.Hashed {
			w.dec = strconv.AppendUint(w.dec[:0], k.ID, 10)
			if k.First.ID == string(w.dec) {
				flags |= idFlagDecimal
			}
		}
	}
	e.byte(flags)
	e.str(k.Key)
	if first {
		switch k.First.Kind {
		case "upsert":
			e.byte(idKindUpsert)
		case "read":
			e.byte(idKindRead)
		default:
			e.byte(idKindOther)
			e.str(k.First.Kind)
		}
		e.uvarint(k.First.Batch)
		e.varint(int64(k.First.At))
		e.uvarint(uint64(k.First.Status))
		if flags&idFlagDecimal == 0 {
			e.str(k.First.ID)
		}
		e.str(k.First.Detail)
	}
	if e.err != nil {
		w.err = fmt.Errorf("write %s: %w", path, e.err)
		return w.err
	}
	w.written++
	w.prev = k
	return nil
}

// Commit checks that every announced record was added, writes the
// checksum and moves the file into place.
func (w *IDWriter) Commit() error {
	if w.err != nil {
		return w.err
	}
	path := w.f.Name()
	if w.written != w.count {
		w.err = fmt.Errorf("write %s: %d records announced, %d added", path, w.count, w.written)
		return w.err
	}
	if err := w.w.Flush(); err != nil {
		w.err = fmt.Errorf("write %s: %w", path, err)
		return w.err
	}
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], w.crc.Sum32())
	if _, err := w.f.Write(sum[:]); err != nil {
		w.err = fmt.Errorf("write %s: %w", path, err)
		return w.err
	}
	w.err = errIDWriterDone
	return w.f.Commit()
}

// Abort drops the file; after Commit it does nothing.
func (w *IDWriter) Abort() error {
	if w.err == nil {
		w.err = errIDWriterDone
	}
	return w.f.Abort()
}

var errIDWriterDone = errors.New("results: the ids.bin writer is closed")

type idEncoder struct {
	w   *bufio.Writer
	buf [binary.MaxVarintLen64]byte
	err error
}

func (e *idEncoder) raw(p []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(p)
	}
}

// byte writes one byte without a slice of its own (a []byte{b} passed to
// bufio.Writer.Write escapes: one allocation per field per record).
func (e *idEncoder) byte(b byte) {
	if e.err == nil {
		e.err = e.w.WriteByte(b)
	}
}

func (e *idEncoder) uvarint(v uint64) { e.raw(e.buf[:binary.PutUvarint(e.buf[:], v)]) }
func (e *idEncoder) varint(v int64)   { e.raw(e.buf[:binary.PutVarint(e.buf[:], v)]) }

func (e *idEncoder) str(s string) {
	e.uvarint(uint64(len(s)))
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}

// IDReader streams the records of one ids.bin in file order, holding one
// record at a time. It checks the order, the count and the CRC as it goes:
// Next returns false at the end or at the first damage, and Err says which.
type IDReader struct {
	name  string
	c     io.Closer
	r     *crcReader
	buf   []byte // read buffer of strings, reused
	count uint64
	read  uint64
	prev  KeyID
	cur   KeyID
	err   error
	done  bool
}

// OpenIDs opens dir/ids.bin for streaming. It returns nil, nil when the
// file does not exist (a run without invariants, or an older run).
func OpenIDs(dir string) (*IDReader, error) {
	path := filepath.Join(dir, IDsFile)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &IDsError{Path: path, Err: err}
	}
	r, err := NewIDReader(path, f)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	r.c = f
	return r, nil
}

// NewIDReader reads an ids.bin from r; name is what errors call it. It
// reads the header at once and fails when it is not an ids.bin.
func NewIDReader(name string, r io.Reader) (*IDReader, error) {
	ir := &IDReader{name: name, r: &crcReader{r: bufio.NewReaderSize(r, 32<<10)}}
	var head [idsHeaderBytes]byte
	if _, err := io.ReadFull(ir.r, head[:]); err != nil {
		return nil, ir.damage("no ids.bin header (%v)", eofUnexpected(err))
	}
	if string(head[:len(idsMagic)]) != idsMagic {
		return nil, ir.damage("not an ids.bin file (no %q header)", idsMagic)
	}
	if v := head[len(idsMagic)]; v != idsVersion {
		return nil, ir.damage("ids.bin version %d, this build reads version %d: use the upsertbench that wrote it", v, idsVersion)
	}
	n, err := binary.ReadUvarint(ir.r)
	if err != nil {
		return nil, ir.damage("record count: %v", eofUnexpected(err))
	}
	ir.count = n
	return ir, nil
}

// Count is the number of records the header announces.
func (r *IDReader) Count() uint64 { return r.count }

// Name is the file the reader reads.
func (r *IDReader) Name() string { return r.name }

// KeyID is the record Next moved to.
func (r *IDReader) KeyID() KeyID { return r.cur }

// Err is the reason reading stopped early, nil at a clean end.
func (r *IDReader) Err() error { return r.err }

// Close closes the file OpenIDs opened.
func (r *IDReader) Close() error {
	if r == nil || r.c == nil {
		return nil
	}
	err := r.c.Close()
	r.c = nil
	return err
}

// Next moves to the next record. After the last one it checks the CRC and
// that nothing follows.
func (r *IDReader) Next() bool {
	if r.done {
		return false
	}
	if r.read == r.count {
		r.done = true
		r.finish()
		return false
	}
	k, err := r.record()
	if err != nil {
		r.done = true
		r.err = r.damage("record %d of %d: %v", r.read+1, r.count, err)
		return false
	}
	if r.read > 0 && CompareKeyIDs(r.prev, k) >= 0 {
		r.done = true
		r.err = r.damage("record %d (id %s, key %q) is out of order after id %s, key %q", r.read+1, k.IDText(), k.Key, r.prev.IDText(), r.prev.Key)
		return false
	}
	r.read++
	r.prev, r.cur = k, k
	return true
}

func (r *IDReader) finish() {
	want := r.r.sum
	var sum [4]byte
	if _, err := io.ReadFull(r.r.r, sum[:]); err != nil {
		r.err = r.damage("checksum after %d records: %v", r.count, eofUnexpected(err))
		return
	}
	if got := binary.BigEndian.Uint32(sum[:]); got != want {
		r.err = r.damage("checksum %08x, the content sums to %08x: the file is damaged", got, want)
		return
	}
	if _, err := r.r.r.ReadByte(); err != io.EOF {
		r.err = r.damage("data after the checksum of %d records", r.count)
	}
}

func (r *IDReader) record() (KeyID, error) {
	var k KeyID
	delta, err := binary.ReadUvarint(r.r)
	if err != nil {
		return k, fmt.Errorf("id: %w", eofUnexpected(err))
	}
	k.ID = r.prev.ID + delta
	if k.ID < r.prev.ID {
		return k, errors.New("id overflows 64 bits")
	}
	flags, err := r.r.ReadByte()
	if err != nil {
		return k, fmt.Errorf("flags: %w", eofUnexpected(err))
	}
	if flags&^idFlagsKnown != 0 {
		return k, fmt.Errorf("unknown flags %#x", flags)
	}
	if flags&idFlagDecimal != 0 && (flags&idFlagFirst == 0 || flags&idFlagHashed != 0) {
		return k, fmt.Errorf("flags %#x: a decimal id needs a first answer and a numeric id", flags)
	}
	k.Hashed = flags&idFlagHashed != 0
	if k.Key, err = r.str("key"); err != nil {
		return k, err
	}
	if flags&idFlagFirst == 0 {
		return k, nil
	}
	kind, err := r.r.ReadByte()
	if err != nil {
		return k, fmt.Errorf("answer kind: %w", eofUnexpected(err))
	}
	switch kind {
	case idKindUpsert:
		k.First.Kind = "upsert"
	case idKindRead:
		k.First.Kind = "read"
	case idKindOther:
		if k.First.Kind, err = r.str("answer kind"); err != nil {
			return k, err
		}
	default:
		return k, fmt.Errorf("unknown answer kind %d", kind)
	}
	if k.First.Batch, err = binary.ReadUvarint(r.r); err != nil {
		return k, fmt.Errorf("batch: %w", eofUnexpected(err))
	}
	at, err := binary.ReadVarint(r.r)
	if err != nil {
		return k, fmt.Errorf("time: %w", eofUnexpected(err))
	}
	k.First.At = time.Duration(at)
	status, err := binary.ReadUvarint(r.r)
	if err != nil || status > maxIDStatus {
		if err == nil {
			return k, fmt.Errorf("status %d is not an HTTP status", status)
		}
		return k, fmt.Errorf("status: %w", eofUnexpected(err))
	}
	k.First.Status = int(status)
	if flags&idFlagDecimal != 0 {
		k.First.ID = strconv.FormatUint(k.ID, 10)
	} else if k.First.ID, err = r.str("answer id"); err != nil {
		return k, err
	}
	if k.First.Detail, err = r.str("answer detail"); err != nil {
		return k, err
	}
	return k, nil
}

func (r *IDReader) str(what string) (string, error) {
	n, err := binary.ReadUvarint(r.r)
	if err != nil {
		return "", fmt.Errorf("%s length: %w", what, eofUnexpected(err))
	}
	if n > MaxIDKeyBytes {
		return "", fmt.Errorf("%s of %d bytes, more than %d", what, n, MaxIDKeyBytes)
	}
	if n == 0 {
		return "", nil
	}
	if uint64(cap(r.buf)) < n {
		r.buf = make([]byte, n)
	}
	b := r.buf[:n]
	if _, err := io.ReadFull(r.r, b); err != nil {
		return "", fmt.Errorf("%s: %w", what, eofUnexpected(err))
	}
	return string(b), nil
}

// crcReader sums the bytes the decoder consumes (not those bufio reads
// ahead, which include the checksum itself).
type crcReader struct {
	r   *bufio.Reader
	sum uint32
	one [1]byte
}

func (c *crcReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.one[0] = b
		c.sum = crc32.Update(c.sum, crc32.IEEETable, c.one[:])
	}
	return b, err
}

func (c *crcReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.sum = crc32.Update(c.sum, crc32.IEEETable, p[:n])
	return n, err
}

func (r *IDReader) damage(format string, args ...any) error {
	return &IDsError{Path: r.name, Err: fmt.Errorf(format, args...)}
}

// IDsError is an ids.bin that cannot be read or is damaged; Path names it.
type IDsError struct {
	Path string
	Err  error
}

func (e *IDsError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *IDsError) Unwrap() error { return e.Err }

// eofUnexpected names a file that ends too early as cut off.
func eofUnexpected(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("the file is cut off")
	}
	return err
}

// ReadIDs reads all of dir/ids.bin into memory (nil, nil when absent). For
// a whole run's shards, MergeShardIDs streams instead.
func ReadIDs(dir string) ([]KeyID, error) {
	r, err := OpenIDs(dir)
	if r == nil || err != nil {
		return nil, err
	}
	defer func() { _ = r.Close() }()
	ids := make([]KeyID, 0, min(r.Count(), 1<<16))
	for r.Next() {
		ids = append(ids, r.KeyID())
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return ids, nil
}
