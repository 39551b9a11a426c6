package target

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/hubspot"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name  string
		flags Flags
		env   func(string) string
		want  Target
		// wantErr is a substring of the error; wantFlag and wantEnv name
		// where the value came from.
		wantErr, wantFlag, wantEnv string
	}{
		{name: "nothing: the emulator", env: env(), want: Target{}},
		{name: "emulator keeps a given token", flags: Flags{Token: "t1"}, env: env(), want: Target{Token: "t1"}},
		{name: "target from the environment", env: env(EnvTarget, "http://127.0.0.1:8080", EnvToken, "tok"),
			want: Target{URL: "http://127.0.0.1:8080", Token: "tok"}},
		{name: "flag beats environment", flags: Flags{URL: "http://localhost:9000/", Token: "flag-tok"},
			env:  env(EnvTarget, "http://127.0.0.1:8080", EnvToken, "env-tok"),
			want: Target{URL: "http://localhost:9000", Token: "flag-tok"}},
		{name: "remote refused without permission", flags: Flags{URL: "https://api.hubapi.com", Token: "pat"}, env: env(),
			wantErr: "pass --allow-remote or set UPSERTBENCH_ALLOW_REMOTE=1", wantFlag: "--allow-remote", wantEnv: EnvAllowRemote},
		{name: "remote target from env refused too", env: env(EnvTarget, "https://api.hubapi.com", EnvToken, "pat"),
			wantErr: "api.hubapi.com is not on this machine", wantFlag: "--allow-remote"},
		{name: "remote allowed by flag", flags: Flags{URL: "https://api.hubapi.com", Token: "pat", AllowRemote: true}, env: env(),
			want: Target{URL: "https://api.hubapi.com", Token: "pat", Remote: true, AllowRemote: true}},
		{name: "remote allowed by environment", flags: Flags{URL: "https://api.hubapi.com"},
			env:  env(EnvAllowRemote, "1", EnvToken, "pat"),
			want: Target{URL: "https://api.hubapi.com", Token: "pat", Remote: true, AllowRemote: true}},
		{name: "allow-remote=true reads as yes", flags: Flags{URL: "https://api.hubapi.com", Token: "pat"}, env: env(EnvAllowRemote, "true"),
			want: Target{URL: "https://api.hubapi.com", Token: "pat", Remote: true, AllowRemote: true}},
		{name: "allow-remote=0 is no", flags: Flags{URL: "https://api.hubapi.com", Token: "pat"}, env: env(EnvAllowRemote, "0"),
			wantErr: "not on this machine"},
		{name: "a target needs a token", flags: Flags{URL: "http://127.0.0.1:8080"}, env: env(),
			wantErr: "pass --token or set UPSERTBENCH_TOKEN", wantFlag: "--token", wantEnv: EnvToken},
		{name: "tier from the environment", env: env(EnvTier, "professional"), want: Target{Tier: hubspot.TierProfessional}},
		{name: "tier flag beats environment", flags: Flags{Tier: "free"}, env: env(EnvTier, "professional"), want: Target{Tier: hubspot.TierFree}},
		{name: "bad tier names both", env: env(EnvTier, "gold"), wantErr: `--tier "gold"`, wantFlag: "--tier", wantEnv: EnvTier},
		{name: "read-only token from env", env: env(EnvReadOnlyToken, "ro"), want: Target{ReadOnlyToken: "ro"}},
		{name: "read-only token equal to token", flags: Flags{Token: "x", ReadOnlyToken: "x"}, env: env(),
			wantErr: "--read-only-token must differ", wantFlag: "--read-only-token"},
		{name: "path refused", flags: Flags{URL: "http://127.0.0.1:8080/crm/v3", Token: "t"}, env: env(),
			wantErr: "without a path", wantFlag: "--target", wantEnv: EnvTarget},
		{name: "credentials refused and redacted", flags: Flags{URL: "http://me:secret@127.0.0.1:8080", Token: "t"}, env: env(),
			wantErr: "not in the URL", wantFlag: "--target"},
		{name: "scheme refused", flags: Flags{URL: "ftp://127.0.0.1", Token: "t"}, env: env(), wantErr: "http or https"},
		{name: "no host", flags: Flags{URL: "http://", Token: "t"}, env: env(), wantErr: "invalid --target"},
		{name: "ipv6 loopback", flags: Flags{URL: "http://[::1]:8080", Token: "t"}, env: env(), want: Target{URL: "http://[::1]:8080", Token: "t"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve(tt.flags, tt.env)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				assert.Equal(t, tt.want.URL == "", got.Emulated())
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.NotContains(t, err.Error(), "secret", "credentials never appear in a message")
			assert.NotContains(t, err.Error(), "\n")
			var te *Error
			require.True(t, errors.As(err, &te))
			assert.True(t, IsError(err))
			if tt.wantFlag != "" {
				assert.Equal(t, tt.wantFlag, te.Flag)
			}
			if tt.wantEnv != "" {
				assert.Equal(t, tt.wantEnv, te.Env)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	assert.NoError(t, Check("http://127.0.0.1:1", false))
	assert.NoError(t, Check("http://localhost:1", false))
	assert.NoError(t, Check("https://api.hubapi.com", true))
	err := Check("https://api.hubapi.com", false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--allow-remote")
	assert.Contains(t, err.Error(), EnvAllowRemote)
	assert.NoError(t, Check("http://[::1]:80", false))
	assert.Error(t, Check("not a url", true))
	assert.Error(t, Check("127.0.0.1:8080", true), "a base URL needs its scheme")
	assert.Error(t, Check("ftp://127.0.0.1", true))
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.9.8.7": true, "::1": true,
		"10.0.0.1": false, "api.hubapi.com": false, "localhost.example.com": false, "0.0.0.0": false, "": false,
	} {
		assert.Equal(t, want, IsLoopback(host), host)
	}
}

func TestRedact(t *testing.T) {
	assert.Equal(t, "http://REDACTED@127.0.0.1:8080", Redact("http://me:pw@127.0.0.1:8080?token=x#frag"))
	assert.Equal(t, "https://api.hubapi.com", Redact("https://api.hubapi.com"))
	assert.Equal(t, "(invalid URL)", Redact("http://[::1"))
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func TestPreflight(t *testing.T) {
	answers := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Empty(t, r.Header.Get("Authorization"), "the preflight carries no token")
		w.WriteHeader(http.StatusInternalServerError) // reachable, even if it answers badly
	}))
	defer answers.Close()
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()

	// A server that accepts connections and never answers.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()

	tests := []struct {
		name      string
		url       string
		timeout   time.Duration
		wantCause string // "" → reachable
	}{
		{"answers 500", answers.URL, 0, ""},
		{"refused", "http://" + closedPort(t), 0, "connection refused"},
		{"unknown certificate", tlsSrv.URL, 0, "TLS certificate not accepted"},
		{"TLS to a plain server", strings.Replace(answers.URL, "http://", "https://", 1), 0, "does not speak TLS"},
		{"no answer", "http://" + silent.Addr().String(), 300 * time.Millisecond, "no answer within 300ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			err := Preflight(ctx, nil, tt.url)
			if tt.wantCause == "" {
				assert.NoError(t, err)
				return
			}
			var ue *UnreachableError
			require.True(t, errors.As(err, &ue), "%v", err)
			assert.Contains(t, ue.Cause, tt.wantCause)
			msg := err.Error()
			assert.Contains(t, msg, "target "+tt.url+" cannot be reached")
			assert.Contains(t, msg, "--target")
			assert.NotContains(t, msg, "\n")
		})
	}
}

func TestPreflightInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Preflight(ctx, nil, "http://"+closedPort(t))
	assert.ErrorIs(t, err, context.Canceled, "Ctrl-C is not a verdict on the target")
}

func TestCauseDNS(t *testing.T) {
	err := &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "nowhere.invalid", IsNotFound: true}}
	assert.Equal(t, "no such host nowhere.invalid", Cause(err))
}
