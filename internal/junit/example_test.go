package junit_test

import (
	"fmt"
	"os"
	"time"

	"github.com/upsertbench/upsertbench/internal/junit"
)

func ExampleWrite() {
	doc := junit.TestSuites{Name: "upsertbench", Time: junit.Seconds(1500 * time.Millisecond), Suites: []junit.TestSuite{{
		Name: "upsertbench.thresholds", Time: junit.Seconds(1500 * time.Millisecond),
		Timestamp:  junit.Timestamp(time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)),
		Properties: []junit.Property{{Name: "seed", Value: "7"}},
		Cases: []junit.TestCase{
			{Name: "p95 < 300ms", Classname: "upsertbench.thresholds", Time: "0"},
			{Name: "error_rate < 2%", Classname: "upsertbench.thresholds", Time: "0", Failure: &junit.Failure{
				Type: "threshold", Message: "error_rate 3% >= 2%", Text: "measured: 3%\nlimit: < 2%"}},
		},
	}}}
	doc.Count() // tests, failures and skipped from the cases
	if err := junit.Write(os.Stdout, doc); err != nil {
		fmt.Println(err)
	}
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <testsuites name="upsertbench" tests="2" failures="1" errors="0" skipped="0" time="1.500">
	//   <testsuite name="upsertbench.thresholds" tests="2" failures="1" errors="0" skipped="0" time="1.500" timestamp="2026-11-28T12:00:00">
	//     <properties>
	//       <property name="seed" value="7"></property>
	//     </properties>
	//     <testcase name="p95 &lt; 300ms" classname="upsertbench.thresholds" time="0"></testcase>
	//     <testcase name="error_rate &lt; 2%" classname="upsertbench.thresholds" time="0">
	//       <failure message="error_rate 3% &gt;= 2%" type="threshold">measured: 3%&#xA;limit: &lt; 2%</failure>
	//     </testcase>
	//   </testsuite>
	// </testsuites>
}
