// Package observersafety measures what scraping goroutine dumps costs the observed service.
// Its test and benchmarks start the demo service (examples/leakyapp) with 10,000 goroutines
// parked 22 frames deep and read the demo's own ticker-lag monitor around one
// goroutine?debug=1 and one goroutine?debug=2 fetch: the longest stall the service saw,
// next to an idle window measured the same way. The plugin's debug=2 interval and goroutine
// ceiling defaults rest on these figures.
package observersafety
