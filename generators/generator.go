package generators

import (
	"fmt"

	"github.com/upsertbench/upsertbench/hubspot"
)

// Generator builds the batches of one stream. It is immutable after New and
// safe for concurrent use.
//
// # Batches and keys
//
// Batches are numbered from 0. Batch n is a pure function of the options and
// n. Its creates use fresh keys that no other batch of the stream uses; its
// updates use keys that batches before n created (see keys.go for the
// closed form), none twice in one batch.
//
// What "update" guarantees: every update key was handed as a create to
// exactly one batch m < n−lag (WithUpdateLag; batches 0..lag are all
// creates). The target sees an update (new: false) when batch m was
// accepted before batch n is processed: always when batches run one after
// another, and with up to lag+1 batches in flight at once when they are sent
// in order of n. It does not hold when batch m failed or was rejected (e.g.
// it held an invalid input and had no trace ids), when the input that
// created the key was an invalid one, or when batch m is still in flight
// because the lag is too small. Then the "update" creates the key
// (new: true), and batch m's create, if it arrives later, updates it. Like
// every upsert client, which cannot know whether a record
// exists, updates always carry hs_timestamp, the one property a create
// needs, so such an input is never refused. A create is always new to the
// stream; it is new to the target unless an earlier run used the same key
// prefix, hence WithKeyPrefix with a run-unique value. Each shard
// (WithShard) is a stream of its own, numbered from 0, with disjoint keys.
//
// # Invalid inputs
//
// With WithInvalidShare each input independently carries, with that
// probability, one bad value (an InvalidKind) but keeps its planned key. The
// decision comes from its own random stream, so the other values of a batch
// do not change with the invalid share.
type Generator struct {
	cfg     config
	p       *pools
	kinds   kindTable
	prefix  text // key prefix
	idProp  text
	refDay  int64 // reference time, in days since the epoch
	overLen string
	fast    fastJSON
}

// New builds the value pools (a few milliseconds of gofakeit) and returns a
// generator ready to build any batch.
func New(opts ...Option) (*Generator, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	g := &Generator{
		cfg:    cfg,
		p:      poolsFor(&cfg),
		kinds:  newKindTable(cfg.invalidKind),
		prefix: newText(cfg.keyPrefix),
		idProp: newText(cfg.idProperty),
		refDay: floorDiv(cfg.refMillis, 86_400_000),
	}
	if cfg.invalidPPM > 0 {
		g.overLen = overLong()
	}
	g.buildFast()
	return g, nil
}

// derive returns a generator with a changed configuration that shares this
// one's pools (the pools depend only on seed, owners, queues and reference
// time, which derive must not change).
func (g *Generator) derive(change func(*config)) *Generator {
	d := *g
	change(&d.cfg)
	d.prefix = newText(d.cfg.keyPrefix)
	d.idProp = newText(d.cfg.idProperty)
	d.buildFast()
	return &d
}

// Path is the upsert path of the configured API version.
func (g *Generator) Path() string { return g.cfg.version.UpsertPath() }

// Version is the configured API version.
func (g *Generator) Version() hubspot.Version { return g.cfg.version }

// IDProperty is the unique property the inputs are upserted by.
func (g *Generator) IDProperty() string { return g.cfg.idProperty }

// BatchSize is the number of inputs of every batch.
func (g *Generator) BatchSize() int { return g.cfg.size }

// Seed is the configured seed.
func (g *Generator) Seed() uint64 { return g.cfg.seed }

// Property indices, in the order properties are written.
const (
	pKey = iota
	pTimestamp
	pSubject
	pBody
	pOwner
	pStatus
	pPriority
	pType
	pReminders
	pQueue
	pExtra // an unknown or read-only property of an invalid input
	numProps
)

var propNames = [numProps]string{
	pTimestamp: hubspot.PropTimestamp, pSubject: hubspot.PropTaskSubject, pBody: hubspot.PropTaskBody,
	pOwner: hubspot.PropOwnerID, pStatus: hubspot.PropTaskStatus, pPriority: hubspot.PropTaskPriority,
	pType: hubspot.PropTaskType, pReminders: hubspot.PropTaskReminders, pQueue: hubspot.PropQueueMembershipIDs,
}

// input is the plan of one input: which properties it has and the pool
// indices of their values. Both encoders render from it, so AppendBatch and
// Batch cannot disagree.
type input struct {
	pos      int
	key      uint64
	update   bool
	bad      InvalidKind
	has      uint16 // bit per property index
	dueISO   bool
	typ      uint8
	status   uint8
	priority uint8
	text     uint16 // index into pools.texts[typ]
	nqueue   uint8
	queue    [2]uint8
	owner    uint16
	due      int64
	reminder int64
	badProp  int    // property whose value is badValue
	badValue string // needs no JSON escaping
	extra    string // name of the pExtra property
}

func (in *input) set(p int)     { in.has |= 1 << p }
func (in *input) is(p int) bool { return in.has&(1<<p) != 0 }
func (in *input) clear(p int)   { in.has &^= 1 << p }

// batch is the state of building one batch.
type batch struct {
	n          uint64
	r          rng // values
	ri         rng // invalid decisions
	keys       keyPlan
	update     [hubspot.MaxBatchInputs]bool
	nextCreate uint64
	nextUpdate int
	// trace ids: the batch's prefix (appendTracePrefix), made once
	tracePrefix [48]byte
	traceLen    uint8
}

func (g *Generator) start(n uint64, b *batch) {
	b.n = n
	b.r = newRNG(g.cfg.seed, n, uint64(g.cfg.shard), 1)
	b.ri = newRNG(g.cfg.seed, n, uint64(g.cfg.shard), 2)
	b.keys = g.planKeys(n)
	if g.cfg.traceIDs {
		b.traceLen = uint8(len(g.appendTracePrefix(b.tracePrefix[:0], n)))
	}
	size := g.cfg.size
	for i := 0; i < b.keys.updates; i++ {
		b.update[i] = true
	}
	for i := size - 1; i > 0; i-- { // Fisher–Yates: updates anywhere in the batch
		j := b.r.intn(i + 1)
		b.update[i], b.update[j] = b.update[j], b.update[i]
	}
}

// Weights (percent) of the enum values, in the order of the hubspot lists.
var (
	typeWeights         = newWeighted(35, 30, 25, 6, 4)                // TODO CALL EMAIL LINKED_IN_MESSAGE LINKED_IN_CONNECT
	statusWeights       = newWeighted(50, 15, 8, 22, 5)                // NOT_STARTED IN_PROGRESS WAITING COMPLETED DEFERRED
	updateStatusWeights = newWeighted(5, 30, 10, 45, 10)               // status changes of updates lean to progress and done
	priorityWeights     = newWeighted(15, 30, 35, 20)                  // NONE LOW MEDIUM HIGH
	reminderWeights     = newWeighted(20, 25, 25, 20, 10)              // see reminderOffsets
	reminderOffsets     = [...]int64{15, 30, 60, 24 * 60, 2 * 24 * 60} // minutes before the due date
)

func (g *Generator) next(b *batch, i int, in *input) {
	r := &b.r
	*in = input{pos: i}
	in.update = b.update[i]
	if in.update {
		in.key = b.keys.updateKey(b.nextUpdate, r)
		b.nextUpdate++
	} else {
		in.key = b.keys.firstCreate + b.nextCreate
		b.nextCreate++
	}
	in.set(pKey)
	d := draws{r: r}
	in.typ = uint8(typeWeights[d.below(100)])
	in.priority = uint8(priorityWeights[d.below(100)])
	in.text = uint16(d.below(textsPerType[in.typ]))
	in.due = g.drawDue(&d)
	in.dueISO = d.percent(50)
	in.reminder = in.due - reminderOffsets[reminderWeights[d.below(100)]]*60_000
	if n := len(g.p.owners); n > 0 {
		in.owner = uint16(min(d.below(n), d.below(n))) // a few reps own most tasks
	}
	if n := len(g.p.queues); n > 0 {
		in.queue[0] = uint8(d.below(n))
		in.queue[1] = uint8((int(in.queue[0]) + 1 + d.below(n-1)) % n)
		in.nqueue = 1
		if in.queue[1] != in.queue[0] && d.percent(50) {
			in.nqueue = 2
		}
	}
	if !in.update {
		in.status = uint8(statusWeights[d.below(100)])
		in.set(pTimestamp)
		in.set(pSubject)
		g.maybe(&d, in, pStatus, 95)
		g.maybe(&d, in, pPriority, 85)
		g.maybe(&d, in, pType, 95)
		g.maybe(&d, in, pOwner, 90)
		g.maybe(&d, in, pBody, 75)
		g.maybe(&d, in, pReminders, 35)
		g.maybe(&d, in, pQueue, 12)
	} else {
		// Updates are partial, as real integrations send them: a status
		// change, a note, a reassignment. hs_timestamp is always there: an
		// upsert may turn out to create, and a create needs it.
		in.status = uint8(updateStatusWeights[d.below(100)])
		in.set(pTimestamp)
		g.maybe(&d, in, pStatus, 70)
		g.maybe(&d, in, pPriority, 25)
		g.maybe(&d, in, pBody, 30)
		g.maybe(&d, in, pOwner, 15)
		g.maybe(&d, in, pSubject, 10)
		g.maybe(&d, in, pType, 5)
		g.maybe(&d, in, pQueue, 5)
		g.maybe(&d, in, pReminders, 25)
	}
	if g.cfg.invalidPPM > 0 && b.ri.chance(g.cfg.invalidPPM) {
		g.spoil(&b.ri, in)
	}
}

func (g *Generator) maybe(d *draws, in *input, p, percent int) {
	if !d.percent(percent) {
		return
	}
	switch {
	case p == pOwner && len(g.p.owners) == 0, p == pQueue && len(g.p.queues) == 0:
		return
	}
	in.set(p)
}

// drawDue spreads due dates from 90 days before to 120 days after the
// reference day, denser in the near future, on weekdays between 08:00 and
// 17:45 UTC in quarter hours, as people schedule them.
func (g *Generator) drawDue(d *draws) int64 {
	var day int64
	if d.percent(35) {
		day = -1 - int64(d.below(90))
	} else {
		day = int64(min(d.below(121), d.below(121)))
	}
	date := g.refDay + day
	switch (date%7 + 7 + 4) % 7 { // 1970-01-01 was a Thursday; 0 = Sunday
	case 6:
		date += 2
	case 0:
		date++
	}
	minute := int64(8*60 + d.below(40)*15)
	return date*86_400_000 + minute*60_000
}

// spoil puts one bad value of a weighted kind into the input.
func (g *Generator) spoil(r *rng, in *input) {
	in.bad = g.kinds.pick(r)
	switch in.bad {
	case InvalidEnum:
		switch r.intn(3) {
		case 0:
			in.badProp, in.badValue = pStatus, badStatuses[r.intn(len(badStatuses))]
		case 1:
			in.badProp, in.badValue = pPriority, badPriorities[r.intn(len(badPriorities))]
		default:
			in.badProp, in.badValue = pType, badTypes[r.intn(len(badTypes))]
		}
	case InvalidTimestamp:
		in.badProp, in.badValue = pTimestamp, badTimestamps[r.intn(len(badTimestamps))]
		in.clear(pReminders)
	case InvalidUnknownProperty:
		in.badProp, in.extra = pExtra, unknownProperties[r.intn(len(unknownProperties))]
		in.badValue = "positive"
	case InvalidReadOnlyProperty:
		in.badProp, in.extra = pExtra, readOnlyProperties[r.intn(len(readOnlyProperties))]
		in.badValue = "2025-12-01T09:30:00.000Z"
	case InvalidOverLongString:
		in.badProp, in.badValue = pBody, g.overLen
	}
	in.set(in.badProp)
}

// appendValue renders property p of in, escaped for JSON or raw.
func (g *Generator) appendValue(dst []byte, in *input, p int, esc bool) []byte {
	if in.bad != InvalidNone && p == in.badProp {
		return append(dst, in.badValue...)
	}
	switch p {
	case pKey:
		return g.appendKey(dst, in.key, esc)
	case pTimestamp:
		if in.dueISO {
			return hubspot.AppendTimestamp(dst, in.due)
		}
		return appendInt(dst, in.due)
	case pSubject:
		return g.p.texts[in.typ][in.text].subject.appendTo(dst, esc)
	case pBody:
		if in.update {
			return g.p.texts[in.typ][in.text].update.appendTo(dst, esc)
		}
		return g.p.texts[in.typ][in.text].body.appendTo(dst, esc)
	case pOwner:
		return g.p.owners[in.owner].appendTo(dst, esc)
	case pStatus:
		return append(dst, hubspot.TaskStatuses[in.status]...)
	case pPriority:
		return append(dst, hubspot.TaskPriorities[in.priority]...)
	case pType:
		return append(dst, hubspot.TaskTypes[in.typ]...)
	case pReminders:
		return appendInt(dst, in.reminder)
	case pQueue:
		dst = g.p.queues[in.queue[0]].appendTo(dst, esc)
		if in.nqueue > 1 {
			dst = append(dst, ';')
			dst = g.p.queues[in.queue[1]].appendTo(dst, esc)
		}
		return dst
	}
	panic(fmt.Sprintf("generators: no value for property %d", p))
}

func (g *Generator) propName(in *input, p int, esc bool) string {
	switch {
	case p == pKey && esc:
		return g.idProp.esc
	case p == pKey:
		return g.idProp.raw
	case p == pExtra:
		return in.extra // plain ASCII
	}
	return propNames[p]
}
