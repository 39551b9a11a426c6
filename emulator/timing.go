package emulator

import (
	"slices"
	"time"
)

// Switchable timing: the system write that follows a create, and the lag
// before writes show in search. Both are off by default, cost a flag test
// per write when off, and do their work lazily, under the lock of the
// record's shard, when the record is next read, written or searched: no
// goroutine or timer per record.

// Defaults of the timing options.
const (
	// DefaultSystemWriteDelay is off: no system write after a create.
	DefaultSystemWriteDelay time.Duration = 0
	// DefaultSearchLag is off: writes show in search at once, which keeps
	// tests deterministic.
	DefaultSearchLag time.Duration = 0
	// SuggestedSearchLag is a realistic lag to rehearse against: third-party
	// integration guides wait about 10 s after a create before searching.
	SuggestedSearchLag = 10 * time.Second
	// MaxTimingDelay bounds both options.
	MaxTimingDelay = time.Hour
)

// Record flags (record.flags).
const (
	// flagSystemWrite: the system write that follows the record's creation
	// is due at created + the delay and not applied yet.
	flagSystemWrite uint8 = 1 << iota
)

// timing holds the store's timing options and the versions search still
// shows while the lag hides a newer write.
type timing struct {
	systemDelayMS int64
	lagMS         int64
	// lag is per unique shard (by record hash, like the shards), guarded by
	// that shard's lock; store.clear empties it.
	lag [numShards]lagShard
}

// lagShard keeps, for records whose latest write is younger than the lag,
// the version search shows instead, and a queue ordered by when each such
// version may be dropped, so that versions no search asks for are still
// freed (amortised O(1) per write: each write pushes one entry, each entry
// is popped at most twice).
type lagShard struct {
	versions map[*record]record
	queue    []lagDue
	head     int
}

type lagDue struct {
	r     *record
	dueMS int64
}

// setTiming configures the store's timing before it is used.
func (s *store) setTiming(now func() int64, systemDelay, lag time.Duration) {
	s.now = now
	s.timing.systemDelayMS = systemDelay.Milliseconds()
	s.timing.lagMS = lag.Milliseconds()
}

// settle applies r's system write if it is due at nowMS: HubSpot writes
// calculated properties itself about half a second after a create
// (hubspot-facts.md, "A system write follows a create"), which bumps
// updatedAt and hs_lastmodifieddate. The emulator computes calculated
// properties when a record is written, so rewriting them yields the same
// values; what the system write changes is the modification time. Called
// under r's shard lock.
func (s *store) settle(r *record, nowMS int64) {
	if r.flags&flagSystemWrite == 0 {
		return
	}
	due := r.created + s.timing.systemDelayMS
	if nowMS < due {
		return
	}
	r.flags &^= flagSystemWrite
	s.keepSearchVersion(r, due)
	r.updated = max(due, r.updated+1)
}

// settleNow is settle at the store's clock, for reads; inlined, it costs
// reads a flag test.
func (s *store) settleNow(r *record) {
	if r.flags&flagSystemWrite != 0 {
		s.settle(r, s.now())
	}
}

// onCreate returns the flags of a record being created at nowMS with hash
// h, and sweeps its shard's kept versions, so that creates free memory as
// updates do. Called under the shard lock.
func (s *store) onCreate(h uint64, nowMS int64) uint8 {
	if s.timing.lagMS > 0 {
		s.timing.lag[h%numShards].sweep(nowMS, s.timing.lagMS)
	}
	if s.timing.systemDelayMS > 0 {
		return flagSystemWrite
	}
	return 0
}

// beforeWrite runs before an upsert changes r at nowMS: it applies a due
// system write first (it happened earlier), then keeps the version search
// must go on showing. Called under r's shard lock.
func (s *store) beforeWrite(r *record, nowMS int64) {
	if r.flags != 0 {
		s.settle(r, nowMS)
	}
	if s.timing.lagMS > 0 {
		s.keepSearchVersion(r, nowMS)
	}
}

// keepSearchVersion records, before r is rewritten at writeMS, the version
// search shows during the lag. If r's current version is already visible
// (written at least the lag ago) or none is kept, the current version is
// kept; otherwise the older kept one stays, as search has not caught up
// with the current one yet. So search shows, for each record, a version at
// least the lag old: the one it would show on HubSpot, or when a record was
// rewritten twice within the lag, an older one (a documented
// simplification: one kept version per record).
func (s *store) keepSearchVersion(r *record, writeMS int64) {
	lagMS := s.timing.lagMS
	if lagMS <= 0 {
		return
	}
	ls := &s.timing.lag[r.hash%numShards]
	ls.sweep(writeMS, lagMS)
	if _, kept := ls.versions[r]; kept && r.updated > writeMS-lagMS {
		return
	}
	if ls.versions == nil {
		ls.versions = map[*record]record{}
	}
	v := *r
	v.data = slices.Clone(r.data)
	ls.versions[r] = v
	ls.queue = append(ls.queue, lagDue{r: r, dueMS: writeMS + lagMS})
}

// sweep drops the kept versions of records whose latest write search shows
// by nowMS.
func (ls *lagShard) sweep(nowMS, lagMS int64) {
	for ls.head < len(ls.queue) && ls.queue[ls.head].dueMS <= nowMS {
		d := ls.queue[ls.head]
		ls.queue[ls.head] = lagDue{}
		ls.head++
		if _, kept := ls.versions[d.r]; !kept {
			continue
		}
		if d.r.updated <= nowMS-lagMS {
			delete(ls.versions, d.r)
		} else {
			ls.queue = append(ls.queue, lagDue{r: d.r, dueMS: d.r.updated + lagMS})
		}
	}
	if ls.head > 0 && ls.head*2 >= len(ls.queue) {
		ls.queue = append(ls.queue[:0], ls.queue[ls.head:]...)
		ls.head = 0
	}
}

// forget drops what the timing keeps for r (archived). Called under r's
// shard lock.
func (s *store) forget(r *record) {
	if s.timing.lagMS > 0 {
		delete(s.timing.lag[r.hash%numShards].versions, r)
	}
}

// searchVersion returns the version of r that search shows at nowMS, or
// nil while r's creation is younger than the lag. Called under r's shard
// lock, after settle.
func (s *store) searchVersion(r *record, nowMS int64) *record {
	lagMS := s.timing.lagMS
	if lagMS <= 0 {
		return r
	}
	cutoff := nowMS - lagMS
	if r.created > cutoff {
		return nil
	}
	if r.updated > cutoff {
		if v, kept := s.timing.lag[r.hash%numShards].versions[r]; kept {
			return &v
		}
	}
	return r
}
