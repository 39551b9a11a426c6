package results

import (
	"errors"
	"strconv"
	"strings"
)

// MaxShards bounds the shard count of a run.
const MaxShards = 1000

// ParseShard reads "I/N" (shard I of N, 1-based); "" is the whole run,
// shard 1 of 1.
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{Index: 1, Count: 1}, nil
	}
	i, n, ok := strings.Cut(s, "/")
	idx, err1 := strconv.Atoi(strings.TrimSpace(i))
	cnt, err2 := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err1 != nil || err2 != nil || cnt < 1 || idx < 1 || idx > cnt || cnt > MaxShards {
		return Shard{}, errors.New("want I/N with 1 ≤ I ≤ N ≤ 1000, e.g. 2/4")
	}
	return Shard{Index: idx, Count: cnt}, nil
}
