//go:build !unix

package store

import "time"

// processCPU is not measured where getrusage is missing; the benchmarks then report wall
// time only.
func processCPU() (time.Duration, bool) { return 0, false }
