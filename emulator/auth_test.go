package emulator

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAuthenticateApps(t *testing.T) {
	tests := []struct {
		name   string
		opts   []Option
		token  string
		status int
	}{
		{"configured token writes", []Option{WithToken("a"), WithToken("b")}, "b", http.StatusOK},
		{"unknown token", []Option{WithToken("a")}, "c", http.StatusUnauthorized},
		{"read-only token reads only", []Option{WithToken("a"), WithReadOnlyToken("r")}, "r", http.StatusForbidden},
		{"open account takes any token", nil, "anything", http.StatusOK},
		{"open account keeps read-only tokens read-only", []Option{WithReadOnlyToken("r")}, "r", http.StatusForbidden},
		{"open account with a read-only token takes others", []Option{WithReadOnlyToken("r")}, "x", http.StatusOK},
		{"empty tokens are ignored", []Option{WithToken(""), WithReadOnlyToken("")}, "x", http.StatusOK},
		{"first registration wins", []Option{WithReadOnlyToken("t"), WithToken("t"), WithToken("a")}, "t", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := New(tt.opts...)
			h := &harness{t: t, emu: emu, srv: newTestServer(t, emu)}
			r := h.do(http.MethodPost, upsertPathV3, batchBody("a", 1, false), map[string]string{"Authorization": "Bearer " + tt.token})
			assert.Equal(t, tt.status, r.status, "%s", r.body)
		})
	}
}
