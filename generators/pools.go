package generators

import (
	"time"

	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/brianvoe/gofakeit/v7"
)

// text is a pool value kept both as is (for Batch) and JSON-escaped (for
// AppendBatch), so that encoding a batch is copying, not escaping.
type text struct{ raw, esc string }

func newText(s string) text { return text{raw: s, esc: escape(s)} }

func (t *text) appendTo(dst []byte, esc bool) []byte {
	if esc {
		return append(dst, t.esc...)
	}
	return append(dst, t.raw...)
}

// slot names a placeholder of a subject or body template. One input draws
// one value per slot, so "{company}" in its subject and body agree.
type slot uint8

const (
	slotNone       slot = iota
	slotFirst           // contact's first name
	slotName            // contact's full name (same contact as slotFirst)
	slotTitle           // contact's job title
	slotCompany         // the account
	slotCompetitor      // another company
	slotProduct         // product name
	slotMeeting         // meeting type
	slotWeekday         // Monday … Friday
	slotInitiative      // a buzzword-y initiative
	slotAmount          // deal amount with currency
	slotQuarter         // fiscal quarter
	slotNote            // a free sentence from gofakeit
	numSlots
)

var slotNames = map[string]slot{
	"first": slotFirst, "name": slotName, "title": slotTitle, "company": slotCompany,
	"competitor": slotCompetitor, "product": slotProduct, "meeting": slotMeeting,
	"weekday": slotWeekday, "initiative": slotInitiative, "amount": slotAmount,
	"quarter": slotQuarter, "note": slotNote,
}

type segment struct {
	lit  text
	slot slot
}

// template is a compiled "Call {first} at {company}" string.
type template []segment

func compile(s string) template {
	var t template
	for s != "" {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			t = append(t, segment{lit: newText(s)})
			break
		}
		if open > 0 {
			t = append(t, segment{lit: newText(s[:open])})
		}
		end := strings.IndexByte(s[open:], '}')
		sl, ok := slotNames[s[open+1:open+end]]
		if end < 0 || !ok {
			panic(fmt.Sprintf("generators: bad template slot in %q", s))
		}
		t = append(t, segment{slot: sl})
		s = s[open+end+1:]
	}
	return t
}

// pools holds every realistic value a batch is assembled from.
type pools struct {
	slots     [numSlots][]text
	people    int // slotFirst, slotName and slotTitle share this index space
	owners    []text
	queues    []text
	subjects  [5][]template // by task type, in the order of hubspot.TaskTypes
	bodies    []template
	updBodies []template
	texts     [5][]taskText // by task type, as is (for Batch)
	refs      [5][]textRef  // the same texts, escaped, in arena (for AppendBatch)
	arena     []byte
}

// textRef locates the escaped subject, body and update note of one task text
// in the arena, each with its `","name":"` lead-in. They sit next to each other, and the refs are 12 bytes, so
// the hot path touches a few adjacent cache lines per input instead of
// chasing string headers all over the heap: with a working set well inside
// L2, batch assembly stops waiting for memory.
type textRef struct {
	off             uint32
	subj, body, upd uint16
}

func (p *pools) appendSubject(dst []byte, typ uint8, i uint16) []byte {
	r := &p.refs[typ][i]
	return append(dst, p.arena[r.off:r.off+uint32(r.subj)]...)
}

func (p *pools) appendBody(dst []byte, typ uint8, i uint16, update bool) []byte {
	r := &p.refs[typ][i]
	start := r.off + uint32(r.subj)
	if update {
		start += uint32(r.body)
		return append(dst, p.arena[start:start+uint32(r.upd)]...)
	}
	return append(dst, p.arena[start:start+uint32(r.body)]...)
}

// taskText is the free text of one task, rendered at New from templates with
// one draw of people, companies and products, so subject and notes tell the
// same story. Rendering here rather than per input makes a task's text two
// copies of pre-escaped bytes on the hot path.
type taskText struct {
	subject, body, update text
}

// textsPerType is how many distinct texts each task type has, by the order
// of hubspot.TaskTypes: enough that a 100-input batch rarely repeats one
// (rare types need fewer), few enough that the escaped texts stay around
// 300 KB.
var textsPerType = [5]int{256, 256, 256, 64, 64}

func (p *pools) appendTemplate(dst []byte, t template, ctx *[numSlots]uint16, esc bool) []byte {
	for i := range t {
		s := &t[i]
		if s.slot == slotNone {
			dst = s.lit.appendTo(dst, esc)
			continue
		}
		dst = p.slots[s.slot][ctx[s.slot]].appendTo(dst, esc)
	}
	return dst
}

// Sizes of the pools: large enough that a 100-input batch rarely repeats a
// value, small enough to build in a few milliseconds.
const (
	poolPeople    = 512
	poolCompanies = 256
	poolProducts  = 128
	poolMisc      = 64
	poolOwners    = 24
	poolQueues    = 6
)

// International names gofakeit does not produce; they also keep non-ASCII
// text flowing through every target's JSON handling.
var internationalPeople = [][2]string{
	{"José", "Núñez"}, {"Zoë", "Müller"}, {"Søren", "Kjærgaard"}, {"Chloé", "Lefèvre"},
	{"Łukasz", "Wiśniewski"}, {"Ana", "João"}, {"Björn", "Åström"}, {"Yūki", "Satō"},
	{"Dvořák", "Tomáš"}, {"Renée", "O'Connor"}, {"İlkay", "Gündoğan"}, {"Siobhán", "Ní Bhriain"},
}

var meetings = []string{
	"discovery call", "product demo", "pricing review", "QBR", "onboarding kickoff",
	"security review", "contract walkthrough", "renewal check-in", "executive briefing",
	"technical deep dive", "procurement call", "success plan review",
}

var weekdays = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}

var titleRoles = []string{"Manager", "Director", "VP", "Lead", "Specialist", "Architect", "Officer"}

var currencies = []struct{ symbol, sep string }{{"$", ","}, {"€", "."}, {"£", ","}, {"$", ","}}

var subjectTemplates = [5][]string{
	{ // TODO
		"Prepare {meeting} deck for {company}",
		"Update {company} opportunity after the {meeting}",
		"Draft {quarter} account plan for {company}",
		"Review {competitor} comparison for {name}",
		"Log notes from the {meeting} with {company}",
		"Get legal sign-off on {company}’s order form",
	},
	{ // CALL
		"Call {first} at {company} re: {product} renewal",
		"Follow-up call with {name} ({company})",
		"Discovery call — {company}",
		"Check in with {first} about the {meeting}",
		"Call {name} to confirm {weekday}’s {meeting}",
	},
	{ // EMAIL
		"Email {first} the {product} proposal",
		"Send recap of the {meeting} to {name}",
		"Follow up with {company} on {quarter} pricing",
		"Reply to {first}’s questions about {product}",
		"Send {company} the updated quote ({amount})",
	},
	{ // LINKED_IN_MESSAGE
		"LinkedIn: message {name} about {product}",
		"Send {first} the {meeting} invite on LinkedIn",
		"LinkedIn follow-up with {first} ({company})",
	},
	{ // LINKED_IN_CONNECT
		"Connect with {name} ({title}, {company}) on LinkedIn",
		"LinkedIn connect: {first} at {company}",
	},
}

var bodyTemplates = []string{
	"Spoke with {name} ({title}) at {company}. They want to move on their {initiative} initiative and asked for \"{product}\" pricing by {weekday}.\nNext step: {meeting}.",
	"{first} mentioned {company} is also evaluating {competitor}. Budget is around {amount}; decision expected in {quarter}.\n- Send case study\n- Loop in solutions engineer",
	"Agenda for the {meeting}:\n1. Recap of goals ({initiative})\n2. {product} demo\n3. Pricing & next steps",
	"Left a voicemail for {first}. Try again {weekday} morning; their assistant says they’re back from the offsite.",
	"Follow-up after the {meeting}: {name} needs sign-off from the CFO. Quote {amount} valid until end of {quarter}.",
	"Notes: the \"{initiative}\" project is the main priority at {company}. {first} owns the budget — keep them in the loop.\n{note}",
	"{note} {first} asked whether {product} integrates with their CRM.\tSend docs + {meeting} invite.",
}

var updateBodyTemplates = []string{
	"Update: {first} confirmed the {meeting} for {weekday}.",
	"Rescheduled — {company} asked to move the {meeting} to next week.",
	"Done: sent the {product} proposal ({amount}) to {name}.",
	"{first} is out until {weekday}; following up then.",
	"Waiting on {company} procurement; {competitor} still in the running.\n{note}",
}

// poolCache shares the pools of generators that differ only in options the
// pools do not depend on: building them costs ~10 ms of gofakeit, and tests,
// the contract suite and every load shard ask for the same seeds again.
var poolCache sync.Map // poolKey → *pools

type poolKey struct {
	seed uint64
	ref  int64
}

const maxCachedPools = 64

var cachedPools atomic.Int32

// poolsFor returns the (shared, read-only) pools for cfg.
func poolsFor(cfg *config) *pools {
	if cfg.ownersSet || cfg.queuesSet {
		return buildPools(cfg.seed, cfg)
	}
	k := poolKey{cfg.seed, cfg.refMillis}
	if p, ok := poolCache.Load(k); ok {
		return p.(*pools)
	}
	p := buildPools(cfg.seed, cfg)
	if cachedPools.Load() < maxCachedPools {
		if _, loaded := poolCache.LoadOrStore(k, p); !loaded {
			cachedPools.Add(1)
		}
	}
	return p
}

func buildPools(seed uint64, cfg *config) *pools {
	f := gofakeit.New(mix64(seed^0x706f6f6c73) | 1) // 0 would mean "random" to gofakeit
	p := &pools{}
	add := func(s slot, v string) { p.slots[s] = append(p.slots[s], newText(v)) }

	for i := 0; i < poolPeople; i++ {
		first, last := f.FirstName(), f.LastName()
		if i%(poolPeople/len(internationalPeople)) == 0 && i/(poolPeople/len(internationalPeople)) < len(internationalPeople) {
			n := internationalPeople[i/(poolPeople/len(internationalPeople))]
			first, last = n[0], n[1]
		}
		add(slotFirst, first)
		add(slotName, first+" "+last)
		add(slotTitle, f.JobDescriptor()+" "+f.JobLevel()+" "+titleRoles[f.IntN(len(titleRoles))])
	}
	p.people = poolPeople
	for i := 0; i < poolCompanies; i++ {
		c := f.Company()
		add(slotCompany, c)
		add(slotCompetitor, f.Company())
	}
	for i := 0; i < poolProducts; i++ {
		add(slotProduct, f.ProductName())
	}
	for i := 0; i < poolMisc; i++ {
		add(slotInitiative, f.BuzzWord())
		add(slotNote, note(f))
		cur := currencies[f.IntN(len(currencies))]
		k := f.Number(5, 480) * 500
		add(slotAmount, cur.symbol+strconv.Itoa(k/1000)+cur.sep+fmt.Sprintf("%03d", k%1000))
	}
	for _, m := range meetings {
		add(slotMeeting, m)
	}
	for _, d := range weekdays {
		add(slotWeekday, d)
	}
	year := civilYear(cfg.refMillis)
	for y := year; y <= year+1; y++ {
		for q := 1; q <= 4; q++ {
			add(slotQuarter, fmt.Sprintf("Q%d %d", q, y))
		}
	}

	if cfg.ownersSet {
		for _, id := range cfg.ownerIDs {
			p.owners = append(p.owners, newText(id))
		}
	} else {
		for range poolOwners {
			p.owners = append(p.owners, newText(strconv.Itoa(f.Number(10_000_000, 999_999_999))))
		}
	}
	if cfg.queuesSet {
		for _, id := range cfg.queueIDs {
			p.queues = append(p.queues, newText(id))
		}
	} else {
		for range poolQueues {
			p.queues = append(p.queues, newText(strconv.Itoa(f.Number(1_000_000, 99_999_999))))
		}
	}

	for typ, ts := range subjectTemplates {
		for _, s := range ts {
			p.subjects[typ] = append(p.subjects[typ], compile(s))
		}
	}
	for _, s := range bodyTemplates {
		p.bodies = append(p.bodies, compile(s))
	}
	for _, s := range updateBodyTemplates {
		p.updBodies = append(p.updBodies, compile(s))
	}
	r := newRNG(seed, 0x7465787473)
	var ctx [numSlots]uint16
	var buf []byte
	render := func(t template) text {
		buf = p.appendTemplate(buf[:0], t, &ctx, false)
		return newText(string(buf))
	}
	for typ := range p.subjects {
		p.texts[typ] = make([]taskText, textsPerType[typ])
		p.refs[typ] = make([]textRef, textsPerType[typ])
		for i := range p.texts[typ] {
			p.drawContext(&r, &ctx)
			t := taskText{
				subject: render(p.subjects[typ][r.intn(len(p.subjects[typ]))]),
				body:    render(p.bodies[r.intn(len(p.bodies))]),
				update:  render(p.updBodies[r.intn(len(p.updBodies))]),
			}
			p.texts[typ][i] = t
			// Each text is stored with its property lead-in, ready to append.
			subj := propLeads[pSubject] + t.subject.esc
			body := propLeads[pBody] + t.body.esc
			upd := propLeads[pBody] + t.update.esc
			p.refs[typ][i] = textRef{off: uint32(len(p.arena)), subj: uint16(len(subj)), body: uint16(len(body)), upd: uint16(len(upd))}
			p.arena = append(p.arena, subj...)
			p.arena = append(p.arena, body...)
			p.arena = append(p.arena, upd...)
		}
	}
	return p
}

// note writes one line of the kind reps jot down, from gofakeit values
// (gofakeit's own Sentence reads like word salad).
func note(f *gofakeit.Faker) string {
	switch f.IntN(8) {
	case 0:
		return fmt.Sprintf("HQ in %s; %d seats in scope.", f.City(), f.Number(2, 120)*25)
	case 1:
		return fmt.Sprintf("Champion is %s from %s.", f.FirstName(), f.JobLevel())
	case 2:
		return fmt.Sprintf("Current contract with %s ends in %s.", f.Company(), f.MonthString())
	case 3:
		return fmt.Sprintf("Team of %d reporting to the %s.", f.Number(3, 60), []string{"COO", "CFO", "CTO", "CRO", "VP Sales"}[f.IntN(5)])
	case 4:
		return fmt.Sprintf("Asked for references in %s.", f.Country())
	case 5:
		return fmt.Sprintf("Legal wants the DPA before %s %d.", f.MonthString(), f.Number(1, 28))
	case 6:
		return fmt.Sprintf("Security questionnaire has %d open items.", f.Number(2, 40))
	default:
		return fmt.Sprintf("Prefers %s calls, %s time.", []string{"morning", "afternoon", "short", "video"}[f.IntN(4)], f.TimeZoneAbv())
	}
}

func civilYear(ms int64) int { return time.UnixMilli(ms).UTC().Year() }

// drawContext picks one value per slot for an input.
func (p *pools) drawContext(r *rng, ctx *[numSlots]uint16) {
	person := uint16(r.intn(p.people))
	ctx[slotFirst], ctx[slotName], ctx[slotTitle] = person, person, person
	for s := slotCompany; s < numSlots; s++ {
		ctx[s] = uint16(r.intn(len(p.slots[s])))
	}
}
