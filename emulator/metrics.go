package emulator

import (
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the emulator's Prometheus series. Each Emulator has its own
// registry, so several emulators in one process (tests) do not collide.
type metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	created     prometheus.Counter
	updated     prometheus.Counter
	archived    prometheus.Counter
	rateLimited *prometheus.CounterVec
	faults      *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	handler     http.Handler
}

func newMetrics() *metrics {
	m := &metrics{registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "upsertbench_emulator_requests_total",
		Help: "API requests answered, by route and status code.",
	}, []string{"route", "status"})
	m.created = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "upsertbench_emulator_records_created_total",
		Help: "Task records created by upserts.",
	})
	m.updated = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "upsertbench_emulator_records_updated_total",
		Help: "Task records updated by upserts.",
	})
	m.archived = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "upsertbench_emulator_records_archived_total",
		Help: "Task records archived.",
	})
	m.rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "upsertbench_emulator_rate_limited_total",
		Help: "Requests refused with 429, by policy (TEN_SECONDLY_ROLLING, DAILY, or INJECTED for fault 429s).",
	}, []string{"policy"})
	m.faults = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "upsertbench_emulator_faults_total",
		Help: "Injected faults, by kind.",
	}, []string{"kind"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "upsertbench_emulator_request_duration_seconds",
		Help:    "Time from request arrival to answer, including modelled latency, by route.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route"})
	m.registry.MustRegister(m.requests, m.created, m.updated, m.archived, m.rateLimited, m.faults, m.duration)
	m.handler = promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
	return m
}

// Stats are the emulator's counters since it started or was last reset
// (GET /__emulator/stats).
type Stats struct {
	Records     int64  `json:"records"`     // live (not archived) records
	Requests    uint64 `json:"requests"`    // API requests answered (ops endpoints excluded)
	Upserts     uint64 `json:"upserts"`     // upsert requests answered 200/207
	Inputs      uint64 `json:"inputs"`      // inputs of those upserts
	Created     uint64 `json:"created"`     // records created
	Updated     uint64 `json:"updated"`     // records updated
	Archived    uint64 `json:"archived"`    // records archived
	InputErrors uint64 `json:"inputErrors"` // inputs refused inside 207 answers
	ClientErrs  uint64 `json:"clientErrors"`
	RateLimited uint64 `json:"rateLimited"`
	Faults      uint64 `json:"faults"`
	StartedAt   string `json:"startedAt"`
}

type counters struct {
	requests, upserts, inputs, created, updated, archived atomic.Uint64
	inputErrors, clientErrs, rateLimited, faults          atomic.Uint64
	startedAtMS                                           atomic.Int64
}

func (c *counters) reset(nowMS int64) {
	for _, v := range []*atomic.Uint64{&c.requests, &c.upserts, &c.inputs, &c.created, &c.updated,
		&c.archived, &c.inputErrors, &c.clientErrs, &c.rateLimited, &c.faults} {
		v.Store(0)
	}
	c.startedAtMS.Store(nowMS)
}
