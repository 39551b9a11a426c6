package junit

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// write runs Write and returns the document without the XML header.
func write(t *testing.T, s TestSuites) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, s))
	out := buf.String()
	require.True(t, strings.HasPrefix(out, xml.Header), "starts with the XML header: %q", out)
	require.True(t, strings.HasSuffix(out, ">\n"), "ends with one newline: %q", out)
	return strings.TrimPrefix(out, xml.Header)
}

// parse reads a document back the way a strict consumer would.
func parse(t *testing.T, doc string) TestSuites {
	t.Helper()
	var got TestSuites
	dec := xml.NewDecoder(strings.NewReader(doc))
	dec.Strict = true
	require.NoError(t, dec.Decode(&got), doc)
	return got
}

func oneCase(c TestCase) TestSuites {
	return TestSuites{Name: "n", Suites: []TestSuite{{Name: "s", Cases: []TestCase{c}}}}
}

func TestWrite(t *testing.T) {
	tests := []struct {
		name string
		in   TestSuites
		want string // the whole document after the header
	}{
		{
			name: "no suites",
			in:   TestSuites{Name: "empty", Time: "0"},
			want: `<testsuites name="empty" tests="0" failures="0" errors="0" skipped="0" time="0"></testsuites>` + "\n",
		},
		{
			name: "suite without cases, properties or timestamp",
			in:   TestSuites{Name: "n", Suites: []TestSuite{{Name: "s", Time: "0", Properties: []Property{}}}},
			want: `<testsuites name="n" tests="0" failures="0" errors="0" skipped="0" time="">
  <testsuite name="s" tests="0" failures="0" errors="0" skipped="0" time="0"></testsuite>
</testsuites>
`,
		},
		{
			name: "properties and timestamp when set",
			in: TestSuites{Name: "n", Tests: 1, Time: "1.500", Suites: []TestSuite{{
				Name: "s", Tests: 1, Time: "1.500", Timestamp: "2026-11-28T12:00:00",
				Properties: []Property{{Name: "target", Value: "http://127.0.0.1:8080"}, {Name: "seed", Value: "7"}},
				Cases:      []TestCase{{Name: "c", Classname: "s", Time: "0.001"}},
			}}},
			want: `<testsuites name="n" tests="1" failures="0" errors="0" skipped="0" time="1.500">
  <testsuite name="s" tests="1" failures="0" errors="0" skipped="0" time="1.500" timestamp="2026-11-28T12:00:00">
    <properties>
      <property name="target" value="http://127.0.0.1:8080"></property>
      <property name="seed" value="7"></property>
    </properties>
    <testcase name="c" classname="s" time="0.001"></testcase>
  </testsuite>
</testsuites>
`,
		},
		{
			name: "failure and skipped",
			in: TestSuites{Name: "n", Tests: 2, Failures: 1, Skipped: 1, Time: "0", Suites: []TestSuite{{
				Name: "s", Tests: 2, Failures: 1, Skipped: 1, Time: "0",
				Cases: []TestCase{
					{Name: "bad", Classname: "s", Time: "0", Failure: &Failure{Message: "m", Type: "threshold", Text: "line 1\nline 2"}},
					{Name: "off", Classname: "s", Time: "0", Skipped: &Skipped{Message: "opt-in"}},
				},
			}}},
			want: `<testsuites name="n" tests="2" failures="1" errors="0" skipped="1" time="0">
  <testsuite name="s" tests="2" failures="1" errors="0" skipped="1" time="0">
    <testcase name="bad" classname="s" time="0">
      <failure message="m" type="threshold">line 1&#xA;line 2</failure>
    </testcase>
    <testcase name="off" classname="s" time="0">
      <skipped message="opt-in"></skipped>
    </testcase>
  </testsuite>
</testsuites>
`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := write(t, tc.in)
			assert.Equal(t, tc.want, got)
			back := parse(t, xml.Header+got)
			assert.Equal(t, normalize(tc.in), normalize(back), "the document reads back as written")
		})
	}
}

// normalize makes a written and a read-back document comparable: the
// decoder fills XMLName and leaves empty slices nil.
func normalize(s TestSuites) TestSuites {
	s.XMLName = xml.Name{Local: "testsuites"}
	if len(s.Suites) == 0 {
		s.Suites = nil
	}
	suites := make([]TestSuite, len(s.Suites))
	for i, su := range s.Suites {
		if len(su.Properties) == 0 {
			su.Properties = nil
		}
		if len(su.Cases) == 0 {
			su.Cases = nil
		}
		suites[i] = su
	}
	if s.Suites != nil {
		s.Suites = suites
	}
	return s
}

func TestWriteEscapes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		// attr and text are how the string appears in an attribute and in
		// element text; back is what a parser reads.
		attr, text, back string
	}{
		{name: "markup", in: `a<b>c&d"e'f`,
			attr: `a&lt;b&gt;c&amp;d&#34;e&#39;f`, text: `a&lt;b&gt;c&amp;d&#34;e&#39;f`, back: `a<b>c&d"e'f`},
		{name: "whitespace controls kept", in: "a\tb\nc\rd",
			attr: `a&#x9;b&#xA;c&#xD;d`, text: `a&#x9;b&#xA;c&#xD;d`, back: "a\tb\nc\rd"},
		{name: "other controls replaced", in: "nul\x00 esc\x1b bell\x07",
			attr: "nul\uFFFD esc\uFFFD bell\uFFFD", text: "nul\uFFFD esc\uFFFD bell\uFFFD", back: "nul\uFFFD esc\uFFFD bell\uFFFD"},
		{name: "invalid UTF-8 replaced", in: "bad\xff\xfebytes",
			attr: "bad\uFFFD\uFFFDbytes", text: "bad\uFFFD\uFFFDbytes", back: "bad\uFFFD\uFFFDbytes"},
		{name: "non-ASCII kept", in: "→ 200 ünïcode",
			attr: "→ 200 ünïcode", text: "→ 200 ünïcode", back: "→ 200 ünïcode"},
		{name: "CDATA end is plain text", in: "]]>",
			attr: "]]&gt;", text: "]]&gt;", back: "]]>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := write(t, oneCase(TestCase{Name: tc.in, Failure: &Failure{Message: tc.in, Type: tc.in, Text: tc.in}}))
			assert.Contains(t, got, `<testcase name="`+tc.attr+`"`)
			assert.Contains(t, got, `<failure message="`+tc.attr+`" type="`+tc.attr+`">`+tc.text+`</failure>`)

			back := parse(t, got)
			require.Len(t, back.Suites, 1)
			require.Len(t, back.Suites[0].Cases, 1)
			c := back.Suites[0].Cases[0]
			assert.Equal(t, tc.back, c.Name)
			require.NotNil(t, c.Failure)
			assert.Equal(t, Failure{Message: tc.back, Type: tc.back, Text: tc.back}, *c.Failure)

			skipped := parse(t, write(t, oneCase(TestCase{Name: "s", Skipped: &Skipped{Message: tc.in}})))
			require.NotNil(t, skipped.Suites[0].Cases[0].Skipped)
			assert.Equal(t, tc.back, skipped.Suites[0].Cases[0].Skipped.Message)

			props := parse(t, write(t, TestSuites{Suites: []TestSuite{{Properties: []Property{{Name: "p", Value: tc.in}}}}}))
			assert.Equal(t, []Property{{Name: "p", Value: tc.back}}, []Property(props.Suites[0].Properties))
		})
	}
}

func TestCount(t *testing.T) {
	pass := TestCase{Name: "pass"}
	fail := TestCase{Name: "fail", Failure: &Failure{Message: "m"}}
	skip := TestCase{Name: "skip", Skipped: &Skipped{Message: "m"}}
	tests := []struct {
		name                        string
		suites                      []TestSuite
		tests, failures, skips, err int
	}{
		{name: "no suites"},
		{name: "empty suite", suites: []TestSuite{{Name: "s"}}},
		{name: "mixed", suites: []TestSuite{{Cases: []TestCase{pass, fail, skip}}, {Cases: []TestCase{fail, fail}}}, tests: 5, failures: 3, skips: 1},
		{name: "stale counts are replaced", suites: []TestSuite{{Tests: 9, Failures: 9, Skipped: 9, Cases: []TestCase{pass}}}, tests: 1},
		{name: "errors are summed as given", suites: []TestSuite{{Errors: 2, Cases: []TestCase{pass}}, {Errors: 1}}, tests: 1, err: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := TestSuites{Tests: 42, Failures: 42, Errors: 42, Skipped: 42, Suites: tc.suites}
			doc.Count()
			assert.Equal(t, tc.tests, doc.Tests)
			assert.Equal(t, tc.failures, doc.Failures)
			assert.Equal(t, tc.skips, doc.Skipped)
			assert.Equal(t, tc.err, doc.Errors)
			sum := 0
			for _, s := range doc.Suites {
				assert.Equal(t, len(s.Cases), s.Tests)
				sum += s.Tests
			}
			assert.Equal(t, doc.Tests, sum)
		})
	}
}

func TestSecondsAndTimestamp(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"zero duration", Seconds(0), "0.000"},
		{"milliseconds", Seconds(1234 * time.Millisecond), "1.234"},
		{"rounds to milliseconds", Seconds(2*time.Second + 999600*time.Microsecond), "3.000"},
		{"zero time left out", Timestamp(time.Time{}), ""},
		{"UTC without zone", Timestamp(time.Date(2026, 11, 28, 13, 0, 0, 5, time.FixedZone("CET", 3600))), "2026-11-28T12:00:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, tc.got) })
	}
}

type failWriter struct{ after int }

var errFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, errFull
	}
	w.after--
	return len(p), nil
}

func TestWriteReturnsWriterErrors(t *testing.T) {
	doc := oneCase(TestCase{Name: "c"})
	for after := 0; after < 3; after++ {
		err := Write(&failWriter{after: after}, doc)
		assert.ErrorIs(t, err, errFull, "failing after %d writes", after)
	}
}

// FuzzWrite checks that whatever a report puts in names, messages and
// texts, the file parses, and text XML can carry comes back unchanged.
func FuzzWrite(f *testing.F) {
	for _, s := range []string{"", "plain", `<>&"'`, "a\tb\nc\rd", "\x00\x1b", "\xff", "]]>", "→"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, msg, text string) {
		doc := oneCase(TestCase{Name: msg, Failure: &Failure{Message: msg, Text: text}})
		doc.Suites[0].Properties = []Property{{Name: msg, Value: text}}
		doc.Count()
		var buf bytes.Buffer
		require.NoError(t, Write(&buf, doc))
		back := parse(t, buf.String())
		require.Len(t, back.Suites, 1)
		require.Len(t, back.Suites[0].Cases, 1)
		c := back.Suites[0].Cases[0]
		require.NotNil(t, c.Failure)
		assert.Equal(t, 1, back.Failures)
		if xmlSafe(msg) {
			assert.Equal(t, msg, c.Name)
			assert.Equal(t, msg, c.Failure.Message)
		}
		if xmlSafe(text) {
			assert.Equal(t, text, c.Failure.Text)
		}
	})
}

// xmlSafe reports whether XML 1.0 can carry s as it is.
func xmlSafe(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		ok := r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xD7FF) ||
			(r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
		if !ok || r == utf8.RuneError {
			return false
		}
	}
	return true
}
