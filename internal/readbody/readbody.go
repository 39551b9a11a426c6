package readbody

import "io"

// Into appends the body r yields to dst, up to limit bytes, drains and
// discards the rest, and returns the extended slice and the body's whole
// size (what was kept plus what was drained). sizeHint is the size the
// body announced (a Content-Length; ≤ 0 when unknown): dst grows to it at
// once, up to limit, instead of doubling its way there (one byte more, so
// that a reader that reports the end in a read of its own finds room and
// the buffer is not doubled for nothing). A read error is returned with
// what was read before it.
func Into(dst []byte, r io.Reader, sizeHint int64, limit int) ([]byte, int64, error) {
	if want := int64(len(dst)) + min(sizeHint+1, int64(limit)); sizeHint > 0 && want > int64(cap(dst)) {
		grown := make([]byte, len(dst), want)
		copy(grown, dst)
		dst = grown
	}
	start := len(dst)
	for len(dst)-start < limit {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		m, err := r.Read(dst[len(dst):min(cap(dst), start+limit)])
		dst = dst[:len(dst)+m]
		if err == io.EOF {
			return dst, int64(len(dst) - start), nil
		}
		if err != nil {
			return dst, int64(len(dst) - start), err
		}
	}
	rest, err := io.Copy(io.Discard, r)
	return dst, int64(len(dst)-start) + rest, err
}
