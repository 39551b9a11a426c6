package hubspot

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWritablePropertyIndex(t *testing.T) {
	require.Len(t, WritableTaskProperties, NumWritableTaskProperties)
	for i, p := range WritableTaskProperties {
		assert.Equal(t, i, WritablePropertyIndex([]byte(p)))
	}
	assert.Equal(t, -1, WritablePropertyIndex([]byte(PropObjectID)))
	assert.Equal(t, -1, WritablePropertyIndex(nil))
}
