package resultstest

import _ "embed" // LongScenario

// LongScenario is a scenario (YAML) of a minute at 20 batches/s whose
// thresholds its figures pass, so only an interruption keeps it from
// passing: the one scenario of the tests that interrupt a run during its
// load phase (runjob's and the CLI's), which would otherwise each keep a
// copy. Pair it with CancelOnceWritten.
//
//go:embed testdata/long.yaml
var LongScenario string
