package load

import (
	"cmp"
	"context"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/jsonscan"
	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/scenarios"
)

// Read-back verification (issue 13, part 2): the keys a run wrote are read
// back with batch read by their unique value, and each record is compared
// with the key's last acknowledged write as the invariants recorded it
// (keystate.go). The read answer is walked by the same extractor as the
// upsert answers, so a value is fingerprinted by one function
// (valueFingerprint, keyed by the extractor's seed) on both sides.
//
// What a read is held to, per key:
//   - the record exists when an acknowledged result named the key;
//   - it carries the first record id the upserts gave;
//   - every property whose last acknowledged value is known (not
//     ambiguous: see keyState.write and unknownWrite) has that value.
//     Ambiguous properties are counted as unverifiable, never compared.
//
// A read that does not show the write is read again: at once when the
// write was acknowledged at least the consistency window before the first
// read, else once the window has passed since the write. If the re-read
// shows the write, the first read was lag (a write younger than the
// window: counted, not a violation) or a stale read (read-back-not-stale);
// if it still does not, the write is lost (read-back-shows-write).
//
// During the run (verify.every), keys are being written while they are
// read. A key named by any batch whose outcome was not known when the
// read left, or that was sent before its answer came back, is skipped for
// that read, and so is a key whose state changed in between: a read can
// then only be compared with writes that were settled before it.

// Defaults of read-back verification.
const (
	// DefaultRemoteConsistencyWindow is the consistency window on a target
	// other than the emulator when neither the scenario nor
	// --consistency-window sets one. A documented choice: HubSpot documents
	// no lag for batch read (hubspot-facts.md, "Search lags": no evidence of
	// lag for GET or batch read), but it writes calculated properties
	// itself about half a second after a create (same file, "A system
	// write follows a create"); 5 s gives a replica ten times that before a
	// missing write counts against the target.
	DefaultRemoteConsistencyWindow = 5 * time.Second
	// DefaultVerifyRetryFor bounds how long one read is retried after 429s,
	// 5xx answers or no answer, before its keys count as not read.
	DefaultVerifyRetryFor = time.Minute
	// DefaultVerifyReaders is how many reads are in flight at once.
	DefaultVerifyReaders = 4
)

// ResolveVerify decides what a scenario's verify section leaves to the
// target: mode auto is all on an emulator and sample elsewhere (reads cost
// a real account's quota); window auto is 0 on the emulator (it applies
// every write before it answers) and DefaultRemoteConsistencyWindow
// elsewhere.
func ResolveVerify(v scenarios.Verify, emulated bool) scenarios.Verify {
	if v.Mode == scenarios.VerifyAuto || v.Mode == "" {
		v.Mode = scenarios.VerifySample
		if emulated {
			v.Mode = scenarios.VerifyAll
		}
	}
	if v.Window == scenarios.VerifyWindowAuto {
		v.Window = DefaultRemoteConsistencyWindow
		if emulated {
			v.Window = 0
		}
	}
	if v.Sample <= 0 {
		v.Sample = scenarios.DefaultVerifySample
	}
	return v
}

// verifyConfig is what a verifier needs of the run.
type verifyConfig struct {
	baseURL, token string
	// verify is the scenario's section, resolved (ResolveVerify).
	verify  scenarios.Verify
	timeout time.Duration
	// limits are the tier's; loadPeakPer10s the whole run's busiest
	// rolling window of upserts; shards how many processes share the
	// token's burst limit.
	limits         hubspot.Limits
	loadPeakPer10s float64
	shards         int
	// start is the instant the deliveries' times count from; built says
	// how many batches the targeter has handed out so far.
	start time.Time
	built func() uint64
	seed  uint64
	// readers, retryFor and client override the defaults (tests).
	readers  int
	retryFor time.Duration
	client   *http.Client
}

// verifier reads keys back. Rounds run one at a time; within a round,
// reads run concurrently.
type verifier struct {
	inv    *invariants
	gen    *generators.Generator
	cfg    verifyConfig
	client *http.Client
	url    string
	header http.Header
	prefix []byte // the read body up to the inputs
	pace   *readPacer

	reads  atomic.Uint64 // read numbers (#m in offenders)
	rounds atomic.Int64

	mu       sync.Mutex
	sum      results.VerifySummary
	lo       uint64 // every batch below has a known outcome
	excl     exclusion
	rng      *rand.Rand
	pending  []*mismatch
	lastFail string
}

// exclusion caches the keys of the batches whose outcome was unknown at
// the last read, which at the end of a run do not change from read to read.
type exclusion struct {
	batches []uint64
	keys    map[uint64]struct{}
}

func newVerifier(inv *invariants, cfg verifyConfig) *verifier {
	v := &verifier{inv: inv, gen: inv.gen, cfg: cfg, client: cfg.client}
	if v.client == nil {
		v.client = &http.Client{Timeout: cmp.Or(cfg.timeout, scenarios.DefaultTimeout)}
	}
	v.cfg.readers = cmp.Or(cfg.readers, DefaultVerifyReaders)
	v.cfg.retryFor = cmp.Or(cfg.retryFor, DefaultVerifyRetryFor)
	v.cfg.shards = max(cfg.shards, 1)
	v.url = strings.TrimSuffix(cfg.baseURL, "/") + v.gen.Version().ReadPath()
	v.header = http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}}
	if cfg.token != "" {
		v.header.Set("Authorization", "Bearer "+cfg.token)
	}
	// The unique property and every property the engine writes; no
	// history (which would limit a read to 50 inputs).
	b := append([]byte(nil), `{"idProperty":`...)
	b = hubspot.AppendJSONString(b, v.gen.IDProperty())
	b = append(b, `,"properties":[`...)
	b = hubspot.AppendJSONString(b, v.gen.IDProperty())
	for _, p := range hubspot.WritableTaskProperties {
		b = append(b, ',')
		b = hubspot.AppendJSONString(b, p)
	}
	v.prefix = append(b, `],"propertiesWithHistory":[],"inputs":[`...)
	v.pace = newReadPacer(cfg.limits, cfg.loadPeakPer10s, v.cfg.shards)
	v.rng = rand.New(rand.NewPCG(cfg.seed, 0x766572696679)) // "verify"
	v.sum = results.VerifySummary{Mode: cfg.verify.Mode, Window: cfg.verify.Window, Every: cfg.verify.Every}
	if cfg.verify.Mode == scenarios.VerifySample || cfg.verify.Every > 0 {
		v.sum.Sample = cfg.verify.Sample
	}
	return v
}

// mismatch is a key whose first read did not show its last acknowledged
// write, waiting for its re-read.
type mismatch struct {
	key   uint64
	snap  keyState // the key's state the first read was compared with
	read  results.AnswerRef
	at    time.Time // when the first read was sent
	due   time.Time // when to read again
	what  string
	final bool
}

// keyRead is one key's part of a read's answer.
type keyRead struct {
	key      uint64
	snap     keyState
	found    bool
	excluded bool // written while being read: not comparable
	id       uint64
	idHashed bool
	idText   string
	echoed   generators.PropMask
	fp       [hubspot.NumWritableTaskProperties]uint32
}

// readScratch is one reader's reusable memory.
type readScratch struct {
	sc    jsonscan.Scanner
	facts answerFacts
	plan  []generators.Planned
	body  []byte
}

// during runs sampled rounds every verify.every until stop is closed; a
// round still running then is cut short (the final round follows).
func (v *verifier) during(ctx context.Context, stop <-chan struct{}) {
	every := v.cfg.verify.Every
	if every <= 0 || v.cfg.verify.Mode == scenarios.VerifyNone {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			v.round(ctx, v.pick(v.cfg.verify.Sample), false)
		}
	}
}

// end runs the final round, after the attack: every key, or a sample. It
// reports whether ctx ended before the round was done (the run is then
// INTERRUPTED, and the summary says what was left).
func (v *verifier) end(ctx context.Context) (interrupted bool) {
	if v.cfg.verify.Mode == scenarios.VerifyNone {
		return false
	}
	v.pace.loadEnded(time.Now())
	began := time.Now()
	defer func() {
		v.mu.Lock()
		v.sum.Duration = time.Since(began)
		v.mu.Unlock()
	}()
	var src keySource
	if v.cfg.verify.Mode == scenarios.VerifyAll {
		src = v.allKeys()
	} else {
		src = v.pick(v.cfg.verify.Sample)
	}
	if ctx.Err() != nil {
		v.mu.Lock()
		v.sum.Planned, v.sum.Unread = src.total, src.total
		v.sum.Incomplete = "interrupted before the read-back"
		v.mu.Unlock()
		return true
	}
	read, total, err := v.round(ctx, src, true)
	v.mu.Lock()
	defer v.mu.Unlock()
	// What the round set out to compare and did not: the reports judge
	// the read-back incomplete from these counts (read-back-complete).
	v.sum.Planned, v.sum.Unread = total, total-min(read, total)
	v.sum.Unsettled = uint64(len(v.pending))
	switch {
	case ctx.Err() != nil:
		v.sum.Incomplete = fmt.Sprintf("interrupted after reading %s of %s keys", count(float64(read)), count(float64(total)))
		interrupted = true
	case err != nil:
		v.sum.Incomplete = fmt.Sprintf("read %s of %s keys: %v", count(float64(read)), count(float64(total)), err)
	}
	if n := len(v.pending); n > 0 && !interrupted {
		v.sum.Incomplete = strings.TrimPrefix(v.sum.Incomplete+fmt.Sprintf("; %d keys that did not show their write could not be read again", n), "; ")
	}
	return interrupted
}

// summary is the verification's part of summary.json.
func (v *verifier) summary() *results.VerifySummary {
	v.mu.Lock()
	defer v.mu.Unlock()
	s := v.sum
	s.Rounds = int(v.rounds.Load())
	return &s
}

// keySource hands out the keys of a round in chunks of at most
// hubspot.MaxBatchInputs; total is how many it will hand out.
type keySource struct {
	next  func() []uint64 // nil when done
	total uint64
}

// allKeys walks every key an acknowledged result named, in key order.
func (v *verifier) allKeys() keySource {
	inv := v.inv
	inv.mu.Lock()
	var total uint64
	inv.keys.forEach(func(_ uint64, s *keyState) bool {
		if s.is(ksSeen) {
			total++
		}
		return true
	})
	inv.mu.Unlock()
	var k uint64
	return keySource{total: total, next: func() []uint64 {
		inv.mu.Lock()
		defer inv.mu.Unlock()
		var chunk []uint64
		for ; k < inv.keys.keys && len(chunk) < hubspot.MaxBatchInputs; k++ {
			if s := inv.keys.peek(k); s != nil && s.is(ksSeen) {
				chunk = append(chunk, k)
			}
		}
		return chunk
	}}
}

// pick draws n keys an acknowledged result named, uniformly at random
// (all of them when there are fewer), sorted.
func (v *verifier) pick(n int) keySource {
	inv := v.inv
	inv.mu.Lock()
	span := inv.keys.keys
	chosen := make(map[uint64]struct{}, n)
	v.mu.Lock()
	// Rejection sampling over the dense key numbers: uniform over the keys
	// that qualify, without a pass over the table while the run goes on.
	for tries := 0; uint64(len(chosen)) < uint64(n) && tries < 64*n && span > 0; tries++ {
		k := v.rng.Uint64N(span)
		if s := inv.keys.peek(k); s != nil && s.is(ksSeen) {
			chosen[k] = struct{}{}
		}
	}
	if len(chosen) < n {
		// Few keys qualify: take them from a full pass.
		var rest []uint64
		inv.keys.forEach(func(k uint64, s *keyState) bool {
			if _, ok := chosen[k]; !ok && s.is(ksSeen) {
				rest = append(rest, k)
			}
			return true
		})
		v.rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
		for _, k := range rest[:min(len(rest), n-len(chosen))] {
			chosen[k] = struct{}{}
		}
	}
	v.mu.Unlock()
	inv.mu.Unlock()
	keys := make([]uint64, 0, len(chosen))
	for k := range chosen {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keySource{total: uint64(len(keys)), next: func() []uint64 {
		chunk := keys[:min(len(keys), hubspot.MaxBatchInputs)]
		keys = keys[len(chunk):]
		return chunk
	}}
}

// round reads the keys of src, compares them, and re-reads the
// mismatches. It returns how many keys it read (excluded ones included)
// and the reason reads failed, if any did.
func (v *verifier) round(ctx context.Context, src keySource, final bool) (read, total uint64, err error) {
	v.rounds.Add(1)
	var (
		mu     sync.Mutex
		next   = src.next
		done   atomic.Uint64
		errs   []error
		wg     sync.WaitGroup
		srcMu  sync.Mutex
		failed atomic.Bool
	)
	take := func() []uint64 {
		srcMu.Lock()
		defer srcMu.Unlock()
		if ctx.Err() != nil {
			return nil
		}
		return next()
	}
	for range v.cfg.readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var w readScratch
			for chunk := take(); len(chunk) > 0; chunk = take() {
				reads, ref, err := v.read(ctx, chunk, nil, &w)
				if err != nil {
					if ctx.Err() == nil {
						failed.Store(true)
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
					}
					continue
				}
				done.Add(uint64(len(chunk)))
				v.judge(reads, ref, final)
				if err := v.reread(ctx, false, &w); err != nil && ctx.Err() == nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	var w readScratch
	if err := v.reread(ctx, true, &w); err != nil && ctx.Err() == nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		err = errs[0]
		if len(errs) > 1 {
			err = fmt.Errorf("%w (and %d more failed reads)", errs[0], len(errs)-1)
		}
	}
	return done.Load(), src.total, err
}

// read sends one batch read of keys (first reads: rereads nil; re-reads:
// the mismatches, whose keys they are) and matches the answer to them.
func (v *verifier) read(ctx context.Context, keys []uint64, rereads []*mismatch, w *readScratch) ([]keyRead, results.AnswerRef, error) {
	inv := v.inv
	out := make([]keyRead, len(keys))
	// Snapshot the states and the batches still in flight as the read
	// leaves: only writes settled before it can be held against it.
	inv.mu.Lock()
	hiSend := v.cfg.built()
	unsettled := v.unsettledLocked(hiSend)
	for i, k := range keys {
		out[i].key = k
		if s := inv.keys.peek(k); s != nil {
			out[i].snap = *s
		}
	}
	inv.mu.Unlock()

	body := append(w.body[:0], v.prefix...)
	for i, k := range keys {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, `{"id":`...)
		body = hubspot.AppendJSONString(body, v.gen.Key(k))
		body = append(body, '}')
	}
	body = append(body, "]}"...)
	w.body = body
	status, answer, ref, err := v.post(ctx, body)
	if err != nil {
		return nil, ref, err
	}

	// Whatever was sent or settled while the read was out may have
	// changed what it saw.
	hiAns := v.cfg.built()
	excluded := v.excludedKeys(unsettled, hiSend, hiAns, w)
	inv.mu.Lock()
	for i, k := range keys {
		cur := keyState{}
		if s := inv.keys.peek(k); s != nil {
			cur = *s
		}
		_, busy := excluded[k]
		base := out[i].snap
		if rereads != nil {
			base = rereads[i].snap
		}
		out[i].excluded = busy || cur != base
	}
	inv.mu.Unlock()

	if err := v.inv.x.extract(answer, &w.sc, &w.facts); err != nil {
		v.count(func(s *results.VerifySummary) { s.Failed++ })
		return nil, ref, fmt.Errorf("read #%d answered %d with an unreadable body: %w", ref.Batch, status, err)
	}
	for ri := range w.facts.results {
		r := &w.facts.results[ri]
		if !r.has(factKeyOurs) {
			continue
		}
		i, found := slices.BinarySearch(keys, r.key) // keys are sorted
		if !found {
			continue
		}
		kr := &out[i]
		kr.found = true
		if r.has(factID) {
			kr.id, kr.idHashed, kr.idText = r.id, r.has(factIDHashed), r.idSpan.of(answer)
		}
		kr.echoed, kr.fp = r.echoed, r.fp
	}
	return out, ref, nil
}

// unsettledLocked lists the batches below hi whose outcome the invariants
// do not know yet (sent and not answered, or answered and not yet
// processed, or never answered). Callers hold inv.mu.
func (v *verifier) unsettledLocked(hi uint64) []uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	for v.lo < hi {
		if _, ok := v.inv.batches.get(v.lo); !ok {
			break
		}
		v.lo++
	}
	var out []uint64
	for n := v.lo; n < hi; n++ {
		if _, ok := v.inv.batches.get(n); !ok {
			out = append(out, n)
		}
	}
	return out
}

// excludedKeys is the set of keys the unsettled batches and those sent
// in [hiSend, hiAns) name.
func (v *verifier) excludedKeys(unsettled []uint64, hiSend, hiAns uint64, w *readScratch) map[uint64]struct{} {
	v.mu.Lock()
	defer v.mu.Unlock()
	if hiSend == hiAns && slices.Equal(unsettled, v.excl.batches) && v.excl.keys != nil {
		return v.excl.keys
	}
	keys := make(map[uint64]struct{})
	add := func(n uint64) {
		w.plan = v.gen.PlanBatch(w.plan[:0], n)
		for _, p := range w.plan {
			keys[p.Key] = struct{}{}
		}
	}
	for _, n := range unsettled {
		add(n)
	}
	for n := hiSend; n < hiAns; n++ {
		add(n)
	}
	if hiSend == hiAns {
		v.excl = exclusion{batches: slices.Clone(unsettled), keys: keys}
	}
	return keys
}

// judge compares a first read's keys with their last acknowledged writes.
func (v *verifier) judge(reads []keyRead, ref results.AnswerRef, final bool) {
	now := time.Now()
	var compared, props, ambiguous, skipped uint64
	var miss []*mismatch
	for i := range reads {
		kr := &reads[i]
		s := &kr.snap
		if kr.excluded || !s.is(ksSeen) {
			skipped++
			continue
		}
		compared++
		what, p, amb := differs(kr)
		props += p
		ambiguous += amb
		if what == "" {
			continue
		}
		m := &mismatch{key: kr.key, snap: kr.snap, read: ref, at: now, what: what, final: final}
		m.read.ID = kr.idText
		m.due = now
		if wAt, ok := v.writeTime(s); ok && v.cfg.verify.Window > 0 {
			m.due = later(now, wAt.Add(v.cfg.verify.Window))
		}
		miss = append(miss, m)
	}
	inv := v.inv
	inv.mu.Lock()
	inv.checks[chkLostWrite].checked += compared
	inv.checks[chkStaleRead].checked += compared
	inv.mu.Unlock()
	v.mu.Lock()
	v.sum.Keys += compared
	v.sum.Properties += props
	v.sum.Unverifiable += ambiguous
	v.sum.Skipped += skipped
	v.sum.Mismatches += uint64(len(miss))
	v.pending = append(v.pending, miss...)
	v.mu.Unlock()
}

// differs says how a read differs from the key's last acknowledged write
// ("" when it shows it), and how many property values it compared and
// left out as ambiguous.
func differs(kr *keyRead) (what string, compared, ambiguous uint64) {
	s := &kr.snap
	amb := s.mask(ksAmbShift)
	verifiable := s.mask(ksHasShift) &^ amb
	compared = uint64(bits.OnesCount16(uint16(verifiable)))
	ambiguous = uint64(bits.OnesCount16(uint16(amb)))
	if !kr.found {
		return "no record with this unique value", compared, ambiguous
	}
	if s.is(ksID) && (kr.id != s.id || kr.idHashed != s.is(ksIDHashed)) {
		return fmt.Sprintf("record id %s, not %s as the upserts said", cmp.Or(kr.idText, "(none)"), idText(s)), compared, ambiguous
	}
	var wrong []string
	for p := range hubspot.NumWritableTaskProperties {
		if verifiable.Has(p) && (!kr.echoed.Has(p) || kr.fp[p] != s.fp[p]) {
			wrong = append(wrong, hubspot.WritableTaskProperties[p])
		}
	}
	if len(wrong) > 0 {
		return "another value of " + strings.Join(wrong, ", ") + " than the last acknowledged write", compared, ambiguous
	}
	return "", compared, ambiguous
}

// writeTime is when the key's last acknowledged write was answered (the
// latest by updatedAt, else the first result).
func (v *verifier) writeTime(s *keyState) (time.Time, bool) {
	ref := s.maxAns
	if ref == 0 {
		ref = s.firstAns
	}
	n, ok := answerOf(ref)
	if !ok {
		return time.Time{}, false
	}
	v.inv.mu.Lock()
	info, ok := v.inv.batches.get(n)
	v.inv.mu.Unlock()
	if !ok {
		return time.Time{}, false
	}
	return v.cfg.start.Add(time.Duration(info.done) * time.Millisecond), true
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// reread reads again the pending mismatches that are due, 100 keys a
// read. Before the end of a round (all false) it reads only full reads of
// due keys; at the end (all) it waits for every pending one.
func (v *verifier) reread(ctx context.Context, all bool, w *readScratch) error {
	for {
		v.mu.Lock()
		slices.SortFunc(v.pending, func(a, b *mismatch) int { return a.due.Compare(b.due) })
		now := time.Now()
		due := 0
		for due < len(v.pending) && !v.pending[due].due.After(now) {
			due++
		}
		var n int
		switch {
		case len(v.pending) == 0:
		case all:
			n = min(len(v.pending), hubspot.MaxBatchInputs)
		case due >= hubspot.MaxBatchInputs:
			n = hubspot.MaxBatchInputs
		}
		if n == 0 {
			v.mu.Unlock()
			return nil
		}
		batch := slices.Clone(v.pending[:n])
		v.pending = slices.Delete(v.pending, 0, n)
		v.mu.Unlock()

		if wait := time.Until(batch[n-1].due); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				v.requeue(batch)
				return ctx.Err()
			case <-t.C:
			}
		}
		slices.SortFunc(batch, func(a, b *mismatch) int { return cmp.Compare(a.key, b.key) })
		keys := make([]uint64, n)
		for i, m := range batch {
			keys[i] = m.key
		}
		reads, ref, err := v.read(ctx, keys, batch, w)
		if err != nil {
			v.requeue(batch)
			return err
		}
		v.settle(batch, reads, ref)
	}
}

// requeue puts mismatches back when their re-read did not happen (a cut
// round during the run leaves them to the final one).
func (v *verifier) requeue(batch []*mismatch) {
	v.mu.Lock()
	v.pending = append(v.pending, batch...)
	v.mu.Unlock()
}

// settle classifies mismatches by their re-read: lag, stale read, lost
// write, or not comparable (written again in between).
func (v *verifier) settle(batch []*mismatch, reads []keyRead, ref results.AnswerRef) {
	inv := v.inv
	var lag, skipped uint64
	inv.mu.Lock()
	for i, m := range batch {
		kr := &reads[i]
		if kr.excluded {
			skipped++
			continue
		}
		kr.snap = m.snap
		again := ref
		again.ID = kr.idText
		key := v.gen.Key(m.key)
		write := inv.storedRef(cmp.Or(m.snap.maxAns, m.snap.firstAns), &m.snap, "acknowledged")
		what, _, _ := differs(kr)
		if what != "" {
			inv.violate(chkLostWrite, key, fmt.Sprintf("read #%d: %s; read again (#%d), still %s", m.read.Batch, m.what, again.Batch, what), write, again)
			continue
		}
		// The re-read shows the write: the first read was behind.
		age := time.Duration(-1)
		if n, ok := answerOf(cmp.Or(m.snap.maxAns, m.snap.firstAns)); ok {
			if info, ok := inv.batches.get(n); ok {
				age = m.at.Sub(v.cfg.start.Add(time.Duration(info.done) * time.Millisecond))
			}
		}
		if age >= 0 && age < v.cfg.verify.Window {
			lag++
			continue
		}
		ageText := "an unknown time"
		if age >= 0 {
			ageText = age.Round(time.Millisecond).String()
		}
		first := m.read
		first.Detail = m.what
		inv.violate(chkStaleRead, key, fmt.Sprintf("read #%d showed %s, %s after the write was acknowledged (window %s); read #%d showed the write",
			m.read.Batch, m.what, ageText, v.cfg.verify.Window, again.Batch), write, first)
	}
	inv.mu.Unlock()
	v.count(func(s *results.VerifySummary) { s.Lag += lag; s.Skipped += skipped })
}

func (v *verifier) count(f func(*results.VerifySummary)) {
	v.mu.Lock()
	f(&v.sum)
	v.mu.Unlock()
}

// startVerify creates the run's verifier (deliveries count from startedAt)
// and starts its rounds during the attack; the returned function waits
// for them to stop, which they do once attackDone is closed.
func (r *runner) startVerify(ctx context.Context, startedAt time.Time, attackDone <-chan struct{}) (wait func()) {
	tier := cmp.Or(r.cfg.Tier, hubspot.TierFree) // the safe guess for an account we know nothing about
	if r.cfg.Emulated {
		tier = r.scenario.Emulator.Tier
	}
	r.verify = newVerifier(r.inv, verifyConfig{
		baseURL: r.cfg.BaseURL, token: r.cfg.Token, verify: r.scenario.Verify, timeout: r.scenario.HTTP.Timeout,
		limits: hubspot.TierLimits(tier), loadPeakPer10s: r.plan.PeakPer10s, shards: r.shard.Count,
		start: startedAt, built: r.targeter.Built, seed: r.seed,
	})
	var wg sync.WaitGroup
	wg.Go(func() { r.verify.during(ctx, attackDone) })
	return wg.Wait
}

// verifyEnd runs the final read-back and reports whether ctx ended during
// it (the run is then interrupted).
func (r *runner) verifyEnd(ctx context.Context) (interrupted bool) {
	if r.scenario.Verify.Mode == scenarios.VerifyNone {
		r.inv.mu.Lock()
		for _, c := range []checkIndex{chkLostWrite, chkStaleRead} {
			r.inv.checks[c].notChecked = "read-back verification is off (--verify none)"
		}
		r.inv.mu.Unlock()
		return false
	}
	interrupted = r.verify.end(ctx)
	if w := r.cfg.Progress; w != nil {
		v := r.verify.summary()
		fmt.Fprintf(w, "read-back (%s): %s keys compared in %s, %s reads (%s rate-limited), %s mismatches read again, %s lag",
			v.Mode, count(float64(v.Keys)), v.Duration.Round(time.Millisecond), count(float64(v.Requests)),
			count(float64(v.RateLimited)), count(float64(v.Mismatches)), count(float64(v.Lag)))
		if v.Incomplete != "" {
			fmt.Fprintf(w, "; incomplete: %s", v.Incomplete)
		}
		fmt.Fprintln(w)
	}
	return interrupted
}

// verifySummary is InvariantsSummary.Verify: nil when verification was off.
func (r *runner) verifySummary() *results.VerifySummary {
	if r.verify == nil || r.scenario.Verify.Mode == scenarios.VerifyNone {
		return nil
	}
	return r.verify.summary()
}
