package generators

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/upsertbench/upsertbench/hubspot"
)

// Defaults of the options.
const (
	DefaultSeed        uint64 = 1
	DefaultBatchSize          = hubspot.MaxBatchInputs
	DefaultIDProperty         = hubspot.DefaultIDProperty
	DefaultUpdateShare        = 0.0
	DefaultKeyPrefix          = "ub"
	DefaultVersion            = hubspot.VersionV3
)

// DefaultReferenceTime is the "now" that due dates are spread around unless
// WithReferenceTime says otherwise. It is fixed, not time.Now(), because the
// same options must give the same bytes tomorrow too.
var DefaultReferenceTime = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// Option configures a Generator.
type Option func(*config) error

type config struct {
	seed        uint64
	size        int
	idProperty  string
	updatePPM   uint32
	invalidPPM  uint32
	traceIDs    bool
	version     hubspot.Version
	keyPrefix   string
	shard       int // 0-based
	shards      int
	updateLag   uint64
	keyspace    uint64 // 0 = unbounded
	refMillis   int64
	ownerIDs    []string
	ownersSet   bool
	queueIDs    []string
	queuesSet   bool
	invalidKind []InvalidKind
}

func defaultConfig() config {
	return config{
		seed:       DefaultSeed,
		size:       DefaultBatchSize,
		idProperty: DefaultIDProperty,
		version:    DefaultVersion,
		keyPrefix:  DefaultKeyPrefix,
		shards:     1,
		refMillis:  DefaultReferenceTime.UnixMilli(),
	}
}

// WithSeed sets the seed of everything random: pools and batches. Any value,
// 0 included, is a valid seed.
func WithSeed(seed uint64) Option {
	return func(c *config) error { c.seed = seed; return nil }
}

// WithBatchSize sets the number of inputs per batch, 1 to 100.
func WithBatchSize(n int) Option {
	return func(c *config) error {
		if n < 1 || n > hubspot.MaxBatchInputs {
			return fmt.Errorf("batch size %d out of range (valid: 1 to %d)", n, hubspot.MaxBatchInputs)
		}
		c.size = n
		return nil
	}
}

// WithIDProperty names the unique property the inputs are upserted by. It
// goes into every input's idProperty and, with the key as value, into its
// properties.
func WithIDProperty(name string) Option {
	return func(c *config) error {
		if strings.TrimSpace(name) == "" {
			return errors.New("empty id property (use e.g. " + DefaultIDProperty + ", a property created with hasUniqueValue: true)")
		}
		c.idProperty = name
		return nil
	}
}

// WithUpdateShare sets the share of inputs, 0 to 1, that update a key an
// earlier batch created; the rest create fresh keys. Batch 0 has nothing to
// update and is all creates.
func WithUpdateShare(f float64) Option {
	return func(c *config) error {
		ppm, err := share("update share", f)
		c.updatePPM = ppm
		return err
	}
}

// WithInvalidShare sets the share of inputs, 0 to 1, that carry one bad
// value (see InvalidKind). With trace ids a faithful target answers 207 and
// names the bad inputs; without, one bad input fails the batch with 400.
func WithInvalidShare(f float64) Option {
	return func(c *config) error {
		ppm, err := share("invalid share", f)
		c.invalidPPM = ppm
		return err
	}
}

// WithInvalidKinds restricts the bad values WithInvalidShare injects to the
// given kinds (default: all, weighted towards the cheap ones).
func WithInvalidKinds(kinds ...InvalidKind) Option {
	return func(c *config) error {
		for _, k := range kinds {
			if !k.valid() {
				return fmt.Errorf("unknown invalid kind %q (valid: %s)", k, strings.Join(invalidKindNames(), ", "))
			}
		}
		c.invalidKind = append([]InvalidKind(nil), kinds...)
		return nil
	}
}

// WithTraceIDs gives every input an objectWriteTraceId, unique within the
// stream (and across shards), derived from the batch number and position.
func WithTraceIDs(on bool) Option {
	return func(c *config) error { c.traceIDs = on; return nil }
}

// WithVersion selects the API version (only Path depends on it: both
// versions take the same body).
func WithVersion(v hubspot.Version) Option {
	return func(c *config) error {
		if _, err := hubspot.ParseVersion(string(v)); err != nil {
			return err
		}
		c.version = v
		return nil
	}
}

// WithKeyPrefix sets the prefix of every unique value, e.g. "ub-<runid>", so
// that runs against the same account never collide.
func WithKeyPrefix(prefix string) Option {
	return func(c *config) error {
		if prefix == "" {
			return errors.New("empty key prefix (use e.g. " + DefaultKeyPrefix + "-<run id>)")
		}
		if len(prefix) > 200 {
			return fmt.Errorf("key prefix of %d bytes is too long (at most 200)", len(prefix))
		}
		c.keyPrefix = prefix
		return nil
	}
}

// WithShard makes this generator shard index (1-based) of count: its keys and
// trace ids are disjoint from every other shard's, and its values differ, so
// that several load generators can share one target.
func WithShard(index, count int) Option {
	return func(c *config) error {
		if count < 1 || index < 1 || index > count {
			return fmt.Errorf("shard %d of %d is invalid (valid: 1 ≤ index ≤ count)", index, count)
		}
		c.shard, c.shards = index-1, count
		return nil
	}
}

// WithUpdateLag makes updates of batch n pick only keys created by batches
// before n−lag, so that with up to lag batches in flight at once an "update"
// still finds its key created (see Generator). Batches 0..lag are all
// creates. With at most lag+1 requests in flight, sent in order of n, every
// update finds its key created.
func WithUpdateLag(lag uint64) Option {
	return func(c *config) error { c.updateLag = lag; return nil }
}

// WithKeyspace caps the number of distinct keys a stream creates. Once the
// cap is reached every input is an update, which keeps a long soak from
// filling the target with records. 0 (the default) means no cap; otherwise
// it must be at least (lag+1) × batch size.
func WithKeyspace(keys uint64) Option {
	return func(c *config) error { c.keyspace = keys; return nil }
}

// WithReferenceTime sets the "now" that due dates (hs_timestamp) are spread
// around: from about 90 days before to 120 days after it.
func WithReferenceTime(t time.Time) Option {
	return func(c *config) error {
		if t.IsZero() {
			return errors.New("zero reference time")
		}
		c.refMillis = t.UnixMilli()
		return nil
	}
}

// WithOwnerIDs replaces the generated pool of hubspot_owner_id values with
// real owner ids (a real account refuses owners it does not have). With no
// ids, inputs carry no hubspot_owner_id at all.
func WithOwnerIDs(ids ...string) Option {
	return func(c *config) error {
		c.ownerIDs, c.ownersSet = append([]string(nil), ids...), true
		return nil
	}
}

// WithQueueIDs replaces the generated pool of task queue ids used in
// hs_queue_membership_ids. With no ids, inputs carry no queue membership.
func WithQueueIDs(ids ...string) Option {
	return func(c *config) error {
		for _, id := range ids {
			if id == "" || strings.Contains(id, ";") {
				return fmt.Errorf("invalid queue id %q (queue ids are numeric, without ';')", id)
			}
		}
		c.queueIDs, c.queuesSet = append([]string(nil), ids...), true
		return nil
	}
}

func share(what string, f float64) (uint32, error) {
	if math.IsNaN(f) || f < 0 || f > 1 {
		return 0, fmt.Errorf("%s %v out of range (valid: 0 to 1)", what, f)
	}
	return uint32(math.Round(f * 1e6)), nil
}

func (c *config) check() error {
	if c.updateLag > 1<<32 {
		return fmt.Errorf("update lag %d is too large (at most %d)", c.updateLag, uint64(1<<32))
	}
	if min := (c.updateLag + 1) * uint64(c.size); c.keyspace != 0 && c.keyspace < min {
		return fmt.Errorf("keyspace of %d keys is too small: it must hold (update lag + 1) × batch size = %d keys", c.keyspace, min)
	}
	return nil
}
