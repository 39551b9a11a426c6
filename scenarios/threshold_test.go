package scenarios

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseThreshold(t *testing.T) {
	tests := []struct {
		expr string
		want Threshold
		kind Kind
	}{
		{"p95 < 300ms", Threshold{Metric: "p95", Op: "<", Value: 300, Unit: "ms"}, KindDuration},
		{"p99 < 1s", Threshold{Metric: "p99", Op: "<", Value: 1000, Unit: "ms"}, KindDuration},
		{"p50<=1.5s", Threshold{Metric: "p50", Op: "<=", Value: 1500, Unit: "ms"}, KindDuration},
		{"max < 250us", Threshold{Metric: "max", Op: "<", Value: 0.25, Unit: "ms"}, KindDuration},
		{"  mean  >  1m  ", Threshold{Metric: "mean", Op: ">", Value: 60000, Unit: "ms"}, KindDuration},
		{"p90 > 0ms", Threshold{Metric: "p90", Op: ">", Value: 0, Unit: "ms"}, KindDuration},
		{"error_rate < 1%", Threshold{Metric: "error_rate", Op: "<", Value: 1, Unit: "%"}, KindPercent},
		{"error_rate == 0%", Threshold{Metric: "error_rate", Op: "==", Value: 0, Unit: "%"}, KindPercent},
		{"success >= 99.5 %", Threshold{Metric: "success", Op: ">=", Value: 99.5, Unit: "%"}, KindPercent},
		{"success == 100%", Threshold{Metric: "success", Op: "==", Value: 100, Unit: "%"}, KindPercent},
		{"rate_limited > 0%", Threshold{Metric: "rate_limited", Op: ">", Value: 0, Unit: "%"}, KindPercent},
		{"late_sends < 5%", Threshold{Metric: "late_sends", Op: "<", Value: 5, Unit: "%"}, KindPercent},
		{"throughput >= 40/s", Threshold{Metric: "throughput", Op: ">=", Value: 40, Unit: "/s"}, KindRate},
		{"rate > 12.5/s", Threshold{Metric: "rate", Op: ">", Value: 12.5, Unit: "/s"}, KindRate},
		{"contract_violations == 0", Threshold{Metric: "contract_violations", Op: "==", Value: 0, Unit: ""}, KindCount},
		{"requests >= 100", Threshold{Metric: "requests", Op: ">=", Value: 100, Unit: ""}, KindCount},
		{"P95 < 300ms", Threshold{Metric: "p95", Op: "<", Value: 300, Unit: "ms"}, KindDuration},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got, err := ParseThreshold(tt.expr)
			require.NoError(t, err)
			tt.want.Expr = got.Expr
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.kind, got.Kind())
			assert.Equal(t, tt.kind.Unit(), got.Unit)
		})
	}
}

func TestParseThresholdErrors(t *testing.T) {
	tests := map[string]string{
		"":                        "empty threshold",
		"< 300ms":                 "does not start with a metric",
		"p96 < 300ms":             `unknown threshold metric "p96" (did you mean p90?`,
		"latency < 300ms":         `unknown threshold metric "latency"`,
		"p95 300ms":               "has no comparison",
		"p95 != 300ms":            "has no comparison",
		"p95 <":                   "has no value",
		"p95 < 5%":                `"5%" is not a valid value for p95`,
		"p95 < 300":               `p95 value "300" has no unit`,
		"p95 < 0ms":               "can never hold",
		"p95 <= 0ms":              "can never hold",
		"p95 >= 0s":               "always holds",
		"p95 > -1s":               "negative",
		"error_rate < 300ms":      `"300ms" is not a valid value for error_rate`,
		"error_rate < 0.01":       `"0.01" is not a valid value for error_rate`,
		"error_rate < 0%":         "can never hold",
		"error_rate <= 100%":      "always holds",
		"error_rate >= 0%":        "always holds",
		"success > 100%":          "can never hold",
		"success >= 101%":         "above 100%",
		"success > -1%":           "negative",
		"rate_limited < NaN%":     "is not a valid value",
		"rate_limited < Inf%":     "is not a valid value",
		"throughput >= 40":        `"40" is not a valid value for throughput`,
		"throughput >= 40/m":      "is not a valid value",
		"throughput < 0/s":        "can never hold",
		"contract_violations < 0": "can never hold",
		"contract_violations = 0": "use == to compare",
		"requests < 0.5":          "not a whole number",
		"requests < 5ms":          "is not a valid value",
		"p95 < 300ms or so":       "is not a valid value",
		"requests >= 0":           "always holds",
		"throughput >= 0x10/s":    "is not a valid value",
	}
	for expr, want := range tests {
		t.Run(expr, func(t *testing.T) {
			_, err := ParseThreshold(expr)
			require.Error(t, err)
			assert.Contains(t, err.Error(), want)
			assert.Contains(t, err.Error(), "(", "says how to fix it")
		})
	}
}

func TestThresholdHolds(t *testing.T) {
	tests := []struct {
		expr     string
		measured float64
		want     bool
	}{
		{"p95 < 300ms", 299.9, true},
		{"p95 < 300ms", 300, false},
		{"p95 <= 300ms", 300, true},
		{"success > 99%", 99, false},
		{"success >= 99%", 99, true},
		{"contract_violations == 0", 0, true},
		{"contract_violations == 0", 1, false},
		{"throughput >= 40/s", 39.99, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%g", tt.expr, tt.measured), func(t *testing.T) {
			th, err := ParseThreshold(tt.expr)
			require.NoError(t, err)
			assert.Equal(t, tt.want, th.Holds(tt.measured))
		})
	}
	assert.False(t, Threshold{Op: "?"}.Holds(0))
}

// TestHoldsIsExact pins the comparison semantics of the threshold table:
// no tolerance, at the limit and 1e-12 either side of it, for every
// operator and every kind of value.
func TestHoldsIsExact(t *testing.T) {
	want := map[string][3]bool{ // at the limit, 1e-12 over, 1e-12 under
		OpLess:         {false, false, true},
		OpLessEqual:    {true, false, true},
		OpGreater:      {false, true, false},
		OpGreaterEqual: {true, true, false},
		OpEqual:        {true, false, false},
	}
	for _, value := range []string{"300ms", "1%", "40/s"} {
		for op, w := range want {
			var expr string
			switch value {
			case "300ms":
				expr = "p95 " + op + " " + value
			case "1%":
				expr = "error_rate " + op + " " + value
			default:
				expr = "throughput " + op + " " + value
			}
			th, err := ParseThreshold(expr)
			require.NoError(t, err)
			for i, v := range []float64{th.Value, th.Value + 1e-12, th.Value - 1e-12} {
				require.True(t, i == 0 || v != th.Value, "%s: 1e-12 away is another float64", expr)
				assert.Equal(t, w[i], th.Holds(v), "%s measured %.15g", expr, v)
			}
		}
	}
}

// TestREADMEThresholdTable keeps the README's threshold table the
// rendering of Metrics, so the documentation cannot drift from the table
// the parser and the reports use.
func TestREADMEThresholdTable(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(readme), MetricsMarkdown()),
		"README.md's threshold table differs from scenarios.Metrics; replace it with:\n%s", MetricsMarkdown())
}

func TestDurationAndPercentValues(t *testing.T) {
	assert.Equal(t, 300.0, DurationValue(300*time.Millisecond))
	assert.Equal(t, 0.25, DurationValue(250*time.Microsecond))
	assert.Equal(t, 29.0, PercentValue(29, 100), "one rounding: 29/100*100 would be 28.999999999999996")
	assert.Equal(t, 0.0, PercentValue(0, 0))
	assert.Equal(t, 100.0, PercentValue(3, 3))
}

func TestMetricsHaveUnits(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range Metrics {
		assert.False(t, seen[m.Name], "metric %s listed once", m.Name)
		seen[m.Name] = true
		assert.NotEmpty(t, m.Measures)
		// every metric accepts its own example
		th, err := ParseThreshold(fmt.Sprintf("%s > %s", m.Name, map[Kind]string{KindDuration: "1ms", KindPercent: "1%", KindRate: "1/s", KindCount: "1"}[m.Kind]))
		require.NoError(t, err, m.Name)
		assert.Equal(t, m.Kind, th.Kind())
	}
}

func ExampleParseThreshold() {
	for _, expr := range []string{"p95 < 1.5s", "error_rate < 1%", "throughput >= 40/s", "contract_violations == 0", "p95 < 5%"} {
		t, err := ParseThreshold(expr)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Printf("%s %s %g%s (%s)\n", t.Metric, t.Op, t.Value, t.Unit, t.Kind())
	}
	// Output:
	// p95 < 1500ms (duration)
	// error_rate < 1% (percent)
	// throughput >= 40/s (rate)
	// contract_violations == 0 (count)
	// error: "5%" is not a valid value for p95 (p95 is a latency: write a duration, e.g. p95 < 300ms)
}
