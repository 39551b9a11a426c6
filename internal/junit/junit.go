package junit

import (
	"encoding/xml"
	"io"
	"strconv"
	"time"
)

// TimestampLayout is the suite timestamp form of the JUnit schema Jenkins
// publishes: ISO 8601 without a zone, so callers pass UTC.
const TimestampLayout = "2006-01-02T15:04:05"

// TestSuites is the document: every attribute is written, errors included,
// because some consumers (Jenkins' schema) require the counts on the root.
type TestSuites struct {
	XMLName  xml.Name    `xml:"testsuites"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Suites   []TestSuite `xml:"testsuite"`
}

// TestSuite is one group of cases. Timestamp is left out when empty and the
// properties element when there are no properties: both are optional for
// every consumer, and an empty <properties/> says nothing.
type TestSuite struct {
	Name       string     `xml:"name,attr"`
	Tests      int        `xml:"tests,attr"`
	Failures   int        `xml:"failures,attr"`
	Errors     int        `xml:"errors,attr"`
	Skipped    int        `xml:"skipped,attr"`
	Time       string     `xml:"time,attr"`
	Timestamp  string     `xml:"timestamp,attr,omitempty"`
	Properties Properties `xml:"properties,omitempty"`
	Cases      []TestCase `xml:"testcase"`
}

// Properties is the properties element of a suite; a []Property literal
// assigns to it. It has its own (un)marshalling because encoding/xml writes
// the parent of an "a>b" path even for an empty slice (Go issue 7233).
type Properties []Property

var (
	_ xml.Marshaler   = Properties(nil)
	_ xml.Unmarshaler = (*Properties)(nil)
)

type propertiesXML struct {
	List []Property `xml:"property"`
}

// MarshalXML writes <properties> with one <property> each, or nothing when
// there are none.
func (p Properties) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if len(p) == 0 {
		return nil
	}
	return e.EncodeElement(propertiesXML{List: p}, start)
}

// UnmarshalXML reads a <properties> element, adding to what p holds.
func (p *Properties) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var in propertiesXML
	if err := d.DecodeElement(&in, &start); err != nil {
		return err
	}
	*p = append(*p, in.List...)
	return nil
}

// Property is a name/value pair recorded with a suite (target, seed, …).
type Property struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// TestCase is one test. A case with neither Failure nor Skipped passed.
type TestCase struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	Time      string   `xml:"time,attr"`
	Failure   *Failure `xml:"failure,omitempty"`
	Skipped   *Skipped `xml:"skipped,omitempty"`
}

// Failure says why a case failed: Message is the one-line summary CI shows
// in its list, Text the full detail.
type Failure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// Skipped says why a case did not run.
type Skipped struct {
	Message string `xml:"message,attr"`
}

// Seconds formats a duration the way the time attributes carry it:
// seconds with millisecond precision.
func Seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

// Timestamp formats t for TestSuite.Timestamp in UTC; the zero time gives
// "" so that an unknown start is left out rather than written as year 1.
func Timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimestampLayout)
}

// Count sets tests, failures and skipped of every suite from its cases and
// those of the document from its suites. Errors are summed as given: none
// of our reports has cases that error rather than fail.
func (s *TestSuites) Count() {
	s.Tests, s.Failures, s.Errors, s.Skipped = 0, 0, 0, 0
	for i := range s.Suites {
		su := &s.Suites[i]
		su.Tests, su.Failures, su.Skipped = len(su.Cases), 0, 0
		for _, c := range su.Cases {
			switch {
			case c.Failure != nil:
				su.Failures++
			case c.Skipped != nil:
				su.Skipped++
			}
		}
		s.Tests += su.Tests
		s.Failures += su.Failures
		s.Errors += su.Errors
		s.Skipped += su.Skipped
	}
}

// Write writes s as an XML document: the XML header, the elements indented
// by two spaces, a final newline. It writes s as given; call Count first
// unless the counts are already set. Text that XML cannot carry (control
// characters other than tab, newline and carriage return, invalid UTF-8)
// is replaced by U+FFFD, so the output always parses.
func Write(w io.Writer, s TestSuites) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
