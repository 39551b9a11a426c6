// Package junit writes JUnit XML, the test report format CI systems read
// (Jenkins, GitLab, GitHub test reporters, gotestsum): testsuites >
// testsuite > testcase, with a failure or skipped child on a case.
//
// It is the one JUnit writer of the module: the contract suite's report and
// the load run's report both build a TestSuites and call Write, so both
// files have the same shape and escaping. The package knows nothing of
// either report; counts come from the cases (TestSuites.Count), never from
// a caller's tally, so they cannot disagree with what the file lists.
package junit
