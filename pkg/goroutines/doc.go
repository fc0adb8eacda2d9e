// Package goroutines reads the goroutine dumps a Go service serves on /debug/pprof/goroutine
// (debug=2, one record per goroutine with its wait time and creator; debug=1, counts per
// distinct stack), reduces each one to a small storable Summary, and analyses a time-ordered
// series of summaries for the signatures of goroutine leaks: groups whose count keeps rising
// and goroutines blocked for a long time on channels, selects, locks or IO.
//
// google/pprof cannot read debug=2 text, hence the hand-written parsers. They stream from an
// io.Reader, intern the function names and file paths that repeat across goroutines, and
// accept the output of Go 1.19 through 1.27.
package goroutines
