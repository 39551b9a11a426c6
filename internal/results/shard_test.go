package results

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseShard(t *testing.T) {
	tests := []struct {
		in   string
		want Shard
		ok   bool
	}{
		{"", Shard{1, 1}, true},
		{"1/1", Shard{1, 1}, true},
		{"2/4", Shard{2, 4}, true},
		{" 3 / 4 ", Shard{3, 4}, true},
		{"1000/1000", Shard{1000, 1000}, true},
		{"0/4", Shard{}, false},
		{"5/4", Shard{}, false},
		{"1/0", Shard{}, false},
		{"1/1001", Shard{}, false},
		{"-1/4", Shard{}, false},
		{"2", Shard{}, false},
		{"a/b", Shard{}, false},
		{"1/2/3", Shard{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseShard(tt.in)
			if !tt.ok {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "I/N")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
