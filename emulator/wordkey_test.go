package emulator

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/upsertbench/upsertbench/hubspot"
)

func TestWordKeyEqual(t *testing.T) {
	names := append([]string{"", "a", "a\x00", "\x00", "ab", "abcdefg", "abcdefgh", "abcdefghi",
		"hs_task_status", "hs_task_statuS", "hs_task_status\x00", "external_task_id", "external_task_iD",
		"hs_queue_membership_ids", "hs_queue_membership_idz", "hs_queue_Membership_ids",
		strings.Repeat("x", 17), strings.Repeat("x", 16) + "y", "y" + strings.Repeat("x", 16),
		strings.Repeat("x", 8) + "Q" + strings.Repeat("x", 8)}, hubspot.WritableTaskProperties...)
	for _, a := range names {
		for _, b := range names {
			ka, kb := keyOf([]byte(a)), keyOf([]byte(b))
			assert.Equal(t, a == b, ka.equal(kb, []byte(a), b), "%q vs %q", a, b)
		}
	}
}

func TestSchemaLookup(t *testing.T) {
	s := newSchema([]string{"my_unique_key_that_is_long"})
	for i, d := range s.props {
		assert.Equal(t, i, s.lookup([]byte(d.name)), d.name)
		assert.Equal(t, -1, s.lookup([]byte(d.name+"x")), d.name+"x")
		assert.Equal(t, -1, s.lookup([]byte(strings.ToUpper(d.name))), strings.ToUpper(d.name))
	}
	assert.Equal(t, -1, s.lookup(nil))
}

func FuzzWordKey(f *testing.F) {
	f.Add("hs_task_status", "hs_task_status")
	f.Add("abcdefgh", "abcdefg\x00")
	f.Add(strings.Repeat("q", 20), strings.Repeat("q", 19)+"r")
	f.Fuzz(func(t *testing.T, a, b string) {
		if keyOf([]byte(a)).equal(keyOf([]byte(b)), []byte(a), b) != (a == b) {
			t.Fatalf("%q vs %q", a, b)
		}
	})
}
