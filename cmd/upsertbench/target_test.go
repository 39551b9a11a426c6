package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/target"
)

func TestAccountFlagsGeneratorOptions(t *testing.T) {
	tests := []struct {
		name       string
		target     string
		owners     []string
		env        string
		wantOwners func(t *testing.T, owners map[string]bool)
	}{
		{"emulator keeps made-up owners", "", nil, "", func(t *testing.T, owners map[string]bool) {
			assert.NotEmpty(t, owners)
		}},
		{"loopback target keeps made-up owners", "http://127.0.0.1:8080", nil, "", func(t *testing.T, owners map[string]bool) {
			assert.NotEmpty(t, owners)
		}},
		{"remote target without ids sends no owner", "https://api.hubapi.com", nil, "", func(t *testing.T, owners map[string]bool) {
			assert.Empty(t, owners)
		}},
		{"remote target with --owner-id sends only those", "https://api.hubapi.com", []string{"111", "222"}, "", func(t *testing.T, owners map[string]bool) {
			assert.Equal(t, map[string]bool{"111": true, "222": true}, owners)
		}},
		{"remote target with the environment list", "https://api.hubapi.com", nil, " 333 ,444", func(t *testing.T, owners map[string]bool) {
			assert.Equal(t, map[string]bool{"333": true, "444": true}, owners)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(target.EnvOwnerIDs, tt.env)
			t.Setenv(target.EnvQueueIDs, "")
			a := accountFlags{owners: tt.owners}
			tg, err := target.Resolve(target.Flags{URL: tt.target, Token: "t", AllowRemote: true}, func(string) string { return "" })
			require.NoError(t, err)
			g, err := generators.New(append([]generators.Option{generators.WithSeed(1)}, a.generatorOptions(tg)...)...)
			require.NoError(t, err)
			owners := map[string]bool{}
			for n := range uint64(5) {
				for _, in := range g.Batch(n).Inputs {
					if o := in.Properties[hubspot.PropOwnerID]; o != "" {
						owners[o] = true
					}
					if strings.HasPrefix(tt.target, "https:") {
						assert.Empty(t, in.Properties[hubspot.PropQueueMembershipIDs], "made-up queue ids must not reach a real account")
					}
				}
			}
			tt.wantOwners(t, owners)
		})
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// TestUnreachableTarget: a target that cannot be reached is a
// configuration problem: one line naming the target and the cause, exit
// 2, before any check runs, for every command that sends traffic
// (verdicts issue, item 2).
func TestUnreachableTarget(t *testing.T) {
	url := "http://" + closedAddr(t)
	for _, args := range [][]string{
		{"contract", "--target", url, "--token", "t"},
		{"load", "--target", url, "--token", "t", "--out", t.TempDir()},
		{"run", "--target", url, "--token", "t", "--out", t.TempDir()},
	} {
		t.Run(args[0], func(t *testing.T) {
			code, stdout, stderr := cli(t, args...)
			assert.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			assert.Equal(t, "upsertbench "+args[0]+": target "+url+" cannot be reached: connection refused; check --target (or UPSERTBENCH_TARGET) and that the service is running\n", stderr)
			assert.Empty(t, stdout, "no check ran")
		})
	}
}

// TestTargetFromEnvironment: every command honours UPSERTBENCH_TARGET
// (load and contract used to ignore it and test the in-process emulator),
// and refuses a remote one naming both --allow-remote and the variable,
// before any request.
func TestTargetFromEnvironment(t *testing.T) {
	url := "http://" + closedAddr(t)
	for _, cmd := range []string{"contract", "load", "run"} {
		t.Run(cmd+" unreachable", func(t *testing.T) {
			t.Setenv(target.EnvTarget, url)
			t.Setenv(target.EnvToken, "t")
			args := []string{cmd}
			if cmd != "contract" {
				args = append(args, "--out", t.TempDir())
			}
			code, stdout, stderr := cli(t, args...)
			assert.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			assert.Contains(t, stderr, "target "+url+" cannot be reached", "the environment's target was used")
		})
		t.Run(cmd+" remote refused", func(t *testing.T) {
			t.Setenv(target.EnvTarget, "https://api.hubapi.com")
			t.Setenv(target.EnvToken, "t")
			t.Setenv(target.EnvAllowRemote, "")
			args := []string{cmd}
			if cmd != "contract" {
				args = append(args, "--out", t.TempDir())
			}
			code, stdout, stderr := cli(t, args...)
			assert.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			assert.Contains(t, stderr, "pass --allow-remote or set UPSERTBENCH_ALLOW_REMOTE=1")
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
		})
	}
}

// TestTargetThatAnswersBadly: a reachable target that answers badly is not
// a configuration problem: the checks run and fail, exit 1.
func TestTargetThatAnswersBadly(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer srv.Close()
	code, stdout, stderr := cli(t, "contract", "--target", srv.URL, "--token", "t")
	assert.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "FAIL")
}
