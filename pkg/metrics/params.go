package metrics

// Params frames one evaluation: the requested range, the output step and the look-back
// window of slopes and windowed estimates. All times are Unix milliseconds.
type Params struct {
	FromMs   int64
	ToMs     int64
	StepMs   int64
	WindowMs int64
}

// LookbackMs is how far before FromMs raw data must be read so the first output point of a
// rate, slope or windowed estimate has the history it needs.
func (p Params) LookbackMs() int64 {
	lb := 2 * p.StepMs
	if p.WindowMs > lb {
		lb = p.WindowMs
	}
	return lb
}
