package emulator

import (
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/upsertbench/upsertbench/hubspot"
)

func bySubject(subject string) []hubspot.FilterGroup {
	return where(filter(hubspot.PropTaskSubject, "EQ", subject))
}

// Records appear in search only the lag after they are written: a create
// is not found until then, an update is found with its earlier values.
// Reads by id or unique value never lag.
func TestSearchLag(t *testing.T) {
	clock := newFakeClock()
	const lag = 10 * time.Second
	h := newHarness(t, WithClock(clock.Now), WithSearchLag(lag))
	_, created := h.upsert(task("lag-1", hubspot.PropTaskSubject, "first"))
	id := created.Results[0].ID

	clock.Advance(lag - time.Millisecond)
	assert.Zero(t, h.search(hubspot.SearchRequest{}).Total, "1 ms before the lag passes, search does not know the task")
	assert.Empty(t, searchUniques(t, h, bySubject("first")))
	_, read := h.read("", nil, id)
	assert.Len(t, read.Results, 1, "batch read does not lag")
	assert.Equal(t, http.StatusOK, h.do(http.MethodGet, hubspot.VersionV3.ObjectPath(id), "", nil).status, "GET does not lag")

	clock.Advance(time.Millisecond)
	assert.Equal(t, []string{"lag-1"}, searchUniques(t, h, bySubject("first")), "found once the lag has passed")

	clock.Advance(10 * time.Second)
	h.upsert(task("lag-1", hubspot.PropTaskSubject, "second"))
	updatedAt := clock.Now()
	clock.Advance(5 * time.Second)
	assert.Empty(t, searchUniques(t, h, bySubject("second")), "the update does not show yet")
	out := h.search(hubspot.SearchRequest{FilterGroups: bySubject("first"), Properties: []string{hubspot.PropTaskSubject}})
	require.Equal(t, 1, out.Total, "search still sees the earlier version")
	assert.Equal(t, "first", out.Results[0].Properties[hubspot.PropTaskSubject], "with its earlier values")
	assert.Equal(t, string(hubspot.FormatTimestamp(clock.Now().Add(-25*time.Second))), string(out.Results[0].UpdatedAt))
	since := where(filter(hubspot.PropLastModifiedDate, "GTE", strconv.FormatInt(updatedAt.UnixMilli(), 10)))
	assert.Empty(t, searchUniques(t, h, since), "sync code searching by hs_lastmodifieddate misses the update for now")

	clock.Advance(5 * time.Second)
	assert.Equal(t, []string{"lag-1"}, searchUniques(t, h, bySubject("second")))
	assert.Empty(t, searchUniques(t, h, bySubject("first")))
	assert.Equal(t, []string{"lag-1"}, searchUniques(t, h, since))
	assert.Zero(t, keptVersions(h.emu), "versions search no longer needs are dropped")
}

// Two updates within the lag: search keeps showing the version from
// before the first (one kept version per record, documented), then the
// latest once the lag has passed for it.
func TestSearchLagTwoUpdates(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, WithClock(clock.Now), WithSearchLag(10*time.Second))
	h.upsert(task("two", hubspot.PropTaskSubject, "v1"))
	clock.Advance(20 * time.Second)
	h.upsert(task("two", hubspot.PropTaskSubject, "v2"))
	clock.Advance(4 * time.Second)
	h.upsert(task("two", hubspot.PropTaskSubject, "v3"))
	clock.Advance(7 * time.Second) // v2 is 11 s old, v3 7 s
	assert.Equal(t, []string{"two"}, searchUniques(t, h, bySubject("v1")), "the simplification: v1, not v2")
	clock.Advance(3 * time.Second)
	assert.Equal(t, []string{"two"}, searchUniques(t, h, bySubject("v3")))
	assert.Empty(t, searchUniques(t, h, bySubject("v1")))
}

// Kept versions are freed by later writes in their shard even when nobody
// searches, so memory stays bounded by the writes of one lag.
func TestSearchLagFreesVersionsWithoutSearches(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, WithClock(clock.Now), WithSearchLag(time.Second))
	body := batchBody("free", 100, false)
	h.post(upsertPathV3, body)
	for range 20 {
		clock.Advance(300 * time.Millisecond)
		require.Equal(t, http.StatusOK, h.post(upsertPathV3, body).status)
	}
	assert.LessOrEqual(t, keptVersions(h.emu), 100, "at most one kept version per record")
	clock.Advance(5 * time.Second)
	h.post(upsertPathV3, batchBody("other", 100, false)) // writes to most shards sweep them
	assert.Less(t, keptVersions(h.emu), 100)
	h.search(hubspot.SearchRequest{})
	assert.Zero(t, keptVersions(h.emu))
	h.emu.Reset()
	assert.Zero(t, keptVersions(h.emu))
}

func keptVersions(e *Emulator) int {
	n := 0
	for i := range e.store.unique {
		sh := &e.store.unique[i]
		sh.mu.Lock()
		n += len(e.store.timing.lag[i].versions)
		sh.mu.Unlock()
	}
	return n
}

// D after a create the emulator writes the record again, as HubSpot's own
// write of calculated properties does: updatedAt and hs_lastmodifieddate
// move to createdAt + D, whoever looks first, and later writes stay later.
func TestSystemWriteDelay(t *testing.T) {
	const delay = 500 * time.Millisecond
	t.Run("bumps updatedAt at created + delay", func(t *testing.T) {
		clock := newFakeClock()
		h := newHarness(t, WithClock(clock.Now), WithSystemWriteDelay(delay))
		t0 := clock.Now()
		_, out := h.upsert(task("sw-1"))
		res := out.Results[0]
		assert.Equal(t, res.CreatedAt, res.UpdatedAt, "the create answer is the create")
		assert.True(t, res.New)

		clock.Advance(delay - time.Millisecond)
		got := h.get(res.ID)
		assert.Equal(t, string(hubspot.FormatTimestamp(t0)), string(got.UpdatedAt), "not yet")

		clock.Advance(time.Millisecond)
		got = h.get(res.ID)
		want := string(hubspot.FormatTimestamp(t0.Add(delay)))
		assert.Equal(t, want, string(got.UpdatedAt))
		assert.Equal(t, want, got.Properties[hubspot.PropLastModifiedDate])
		assert.Equal(t, string(hubspot.FormatTimestamp(t0)), string(got.CreatedAt), "createdAt stays")
		clock.Advance(time.Hour)
		assert.Equal(t, want, string(h.get(res.ID).UpdatedAt), "it happens once")
	})
	t.Run("applies on whatever touches the record first", func(t *testing.T) {
		clock := newFakeClock()
		h := newHarness(t, WithClock(clock.Now), WithSystemWriteDelay(delay))
		t0 := clock.Now()
		h.upsert(task("sw-2"))
		clock.Advance(2 * time.Second)
		out := h.search(hubspot.SearchRequest{FilterGroups: where(filter(hubspot.PropLastModifiedDate, "GT", strconv.FormatInt(t0.UnixMilli(), 10)))})
		require.Equal(t, 1, out.Total, "search sees the system write")
		assert.Equal(t, string(hubspot.FormatTimestamp(t0.Add(delay))), string(out.Results[0].UpdatedAt))

		h.upsert(task("sw-3"))
		t1 := clock.Now()
		clock.Advance(time.Second)
		_, upd := h.upsert(task("sw-3", hubspot.PropTaskStatus, "COMPLETED"))
		assert.False(t, upd.Results[0].New)
		assert.Equal(t, string(hubspot.FormatTimestamp(clock.Now())), string(upd.Results[0].UpdatedAt),
			"a write after the system write is later than it")
		_, read := h.read(hubspot.DefaultIDProperty, nil, "sw-3")
		assert.Equal(t, string(hubspot.FormatTimestamp(t1)), string(read.Results[0].CreatedAt))
	})
	t.Run("an update before it is due does not cancel it", func(t *testing.T) {
		clock := newFakeClock()
		h := newHarness(t, WithClock(clock.Now), WithSystemWriteDelay(delay))
		t0 := clock.Now()
		_, out := h.upsert(task("sw-4"))
		clock.Advance(200 * time.Millisecond)
		_, upd := h.upsert(task("sw-4", hubspot.PropTaskStatus, "COMPLETED"))
		assert.Equal(t, string(hubspot.FormatTimestamp(t0.Add(200*time.Millisecond))), string(upd.Results[0].UpdatedAt))
		clock.Advance(time.Second)
		assert.Equal(t, string(hubspot.FormatTimestamp(t0.Add(delay))), string(h.get(out.Results[0].ID).UpdatedAt))
	})
	t.Run("off by default", func(t *testing.T) {
		clock := newFakeClock()
		h := newHarness(t, WithClock(clock.Now))
		_, out := h.upsert(task("sw-5"))
		clock.Advance(time.Hour)
		assert.Equal(t, out.Results[0].CreatedAt, h.get(out.Results[0].ID).UpdatedAt)
	})
	t.Run("with a search lag the system write lags too", func(t *testing.T) {
		clock := newFakeClock()
		h := newHarness(t, WithClock(clock.Now), WithSystemWriteDelay(delay), WithSearchLag(10*time.Second))
		t0 := clock.Now()
		h.upsert(task("sw-6"))
		clock.Advance(10 * time.Second)
		out := h.search(hubspot.SearchRequest{})
		require.Equal(t, 1, out.Total)
		assert.Equal(t, string(hubspot.FormatTimestamp(t0)), string(out.Results[0].UpdatedAt), "search has not seen the system write yet")
		clock.Advance(delay)
		assert.Equal(t, string(hubspot.FormatTimestamp(t0.Add(delay))), string(h.search(hubspot.SearchRequest{}).Results[0].UpdatedAt))
	})
}

// get reads one task by id.
func (h *harness) get(id string) hubspot.SimplePublicObject {
	h.t.Helper()
	r := h.do(http.MethodGet, hubspot.VersionV3.ObjectPath(id), "", nil)
	require.Equal(h.t, http.StatusOK, r.status, "%s", r.body)
	var o hubspot.SimplePublicObject
	r.json(h.t, &o)
	return o
}

func TestTimingOptionsAreBounded(t *testing.T) {
	e := New(WithSystemWriteDelay(-time.Second), WithSearchLag(48*time.Hour))
	assert.Zero(t, e.store.timing.systemDelayMS)
	assert.Equal(t, MaxTimingDelay.Milliseconds(), e.store.timing.lagMS)
}

// Searches and reads race upserts, archives and resets with both timing
// options on (run with -race): every answer is a 200 or 204, and once
// writes stop and the lag has passed, search finds exactly the stored
// tasks.
func TestSearchConcurrentWithWrites(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, WithClock(clock.Now), WithSearchLag(time.Second), WithSystemWriteDelay(100*time.Millisecond))
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for w := range 3 {
		wg.Go(func() {
			for i := range 20 {
				clock.Advance(50 * time.Millisecond)
				r := h.post(upsertPathV3, batchBody("c"+strconv.Itoa(w), 50, i%2 == 0))
				if r.status != http.StatusOK {
					errs <- string(r.body)
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for range 15 {
				r := h.post(searchPathV3, `{"filterGroups":[{"filters":[{"propertyName":"hs_lastmodifieddate","operator":"GT","value":"0"}]}],"sorts":["-hs_lastmodifieddate"],"limit":200}`)
				if r.status != http.StatusOK {
					errs <- string(r.body)
				}
				if r := h.post(readPathV3, `{"idProperty":"external_task_id","inputs":[{"id":"c0-1"},{"id":"c1-2"}]}`); r.status != http.StatusOK && r.status != http.StatusMultiStatus {
					errs <- string(r.body)
				}
			}
		})
	}
	wg.Go(func() {
		r := h.post(hubspot.VersionV3.ArchivePath(), `{"inputs":[{"id":"`+strconv.FormatUint(FirstObjectID+3, 10)+`"}]}`)
		if r.status != http.StatusNoContent {
			errs <- string(r.body)
		}
	})
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	clock.Advance(2 * time.Second)
	assert.Equal(t, int(h.emu.Stats().Records), h.search(hubspot.SearchRequest{}).Total)
}
