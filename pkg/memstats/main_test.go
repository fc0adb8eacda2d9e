package memstats

import (
	"flag"
	"os"
	"testing"
)

// fuzzMinimizeTime replaces the 60 s default of -fuzzminimizetime. The fuzz seeds are
// real captures of 4–25 KB, and Go's minimizer is quadratic in the input length, so
// with the default a `-fuzztime=20s` run spends its whole budget shrinking the first
// input that reaches new code (observed: 12 executions in 30 s instead of ~9000/s).
const fuzzMinimizeTime = "1s"

func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.fuzzminimizetime" })
	if !set {
		// Absent in a future Go, the flag is simply left alone.
		_ = flag.Set("test.fuzzminimizetime", fuzzMinimizeTime)
	}
	os.Exit(m.Run())
}
