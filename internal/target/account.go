package target

import (
	"cmp"
	"strings"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
)

// The environment of what the commands and contracttest write to a target
// besides where it is: the unique property, and a real account's owner and
// queue ids (comma-separated).
const (
	EnvIDProperty = "UPSERTBENCH_ID_PROPERTY"
	EnvOwnerIDs   = "UPSERTBENCH_OWNER_IDS"
	EnvQueueIDs   = "UPSERTBENCH_QUEUE_IDS"
)

// IDProperty is the unique property to upsert by: the flag, else
// UPSERTBENCH_ID_PROPERTY, else hubspot.DefaultIDProperty.
func IDProperty(flag string, getenv func(string) string) string {
	return cmp.Or(flag, getenv(EnvIDProperty), hubspot.DefaultIDProperty)
}

// GeneratorOptions returns the generator options for t's account: the
// owner and queue ids given (flags), else those of UPSERTBENCH_OWNER_IDS
// and UPSERTBENCH_QUEUE_IDS. The generator's own ids are made up and a real
// HubSpot account refuses ids it does not have, so a remote target gets
// only the ids named (or none), while loopback targets keep the realistic
// made-up ones when none are named.
func GeneratorOptions(t Target, owners, queues []string, getenv func(string) string) []generators.Option {
	if len(owners) == 0 {
		owners = splitList(getenv(EnvOwnerIDs))
	}
	if len(queues) == 0 {
		queues = splitList(getenv(EnvQueueIDs))
	}
	var opts []generators.Option
	if t.Remote || len(owners) > 0 {
		opts = append(opts, generators.WithOwnerIDs(owners...))
	}
	if t.Remote || len(queues) > 0 {
		opts = append(opts, generators.WithQueueIDs(queues...))
	}
	return opts
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
