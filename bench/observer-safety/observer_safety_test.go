package observersafety

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	debug1Path = "/debug/pprof/goroutine?debug=1"
	debug2Path = "/debug/pprof/goroutine?debug=2"
	// runs is how many times each case is measured; the test reports medians and maxima.
	runs = 3
	// maxDumpBytes is where the runtime silently truncates a debug=2 dump.
	maxDumpBytes = 64 << 20
	// maxIdleWindow caps an idle baseline window, so a slow, loaded machine still runs the
	// test in well under a minute.
	maxIdleWindow = 3 * time.Second
)

// series is the repeated measurements of one case.
type series []measurement

// median returns the median of one figure of the series.
func (s series) median(figure func(measurement) time.Duration) time.Duration {
	d := make([]time.Duration, len(s))
	for i, m := range s {
		d[i] = figure(m)
	}
	slices.Sort(d)
	return d[len(d)/2]
}

func (s series) medianLag() time.Duration {
	return s.median(func(m measurement) time.Duration { return m.maxLag })
}
func (s series) medianFetch() time.Duration {
	return s.median(func(m measurement) time.Duration { return m.fetch })
}
func (s series) medianTotal() time.Duration {
	return s.median(func(m measurement) time.Duration { return m.totalLag })
}

func (s series) maxLag() time.Duration {
	var out time.Duration
	for _, m := range s {
		out = max(out, m.maxLag)
	}
	return out
}

var debug1Total = regexp.MustCompile(`^goroutine profile: total ([0-9]+)\n`)

// TestGoroutineDumpStall measures the stall one goroutine dump causes in a service with
// 10,000 deep goroutines, against idle windows of the same length, and checks the relations
// the plugin's collection policy relies on: debug=2 is a large, complete dump that stalls
// the service far longer than debug=1 and than the service's idle noise.
func TestGoroutineDumpStall(t *testing.T) {
	tg := startTarget(t, idleGoroutines)
	body, _ := tg.fetch(t, "GET", debug1Path)
	m := debug1Total.FindSubmatch(body)
	if m == nil {
		t.Fatalf("goroutine?debug=1 does not start with a total: %.100q", body)
	}
	if total, _ := strconv.Atoi(string(m[1])); total < idleGoroutines {
		t.Fatalf("service runs %d goroutines, want at least %d", total, idleGoroutines)
	}

	// Each dump is compared with idle windows as long as its fetch took, so both have had
	// the same chance to catch the machine's own scheduling noise.
	var d1, d2, idle1, idle2 series
	for range runs {
		d1 = append(d1, tg.measure(t, debug1Path, 0))
		idle1 = append(idle1, tg.measure(t, "", d1[len(d1)-1].fetch))
	}
	for range runs {
		d2 = append(d2, tg.measure(t, debug2Path, 0))
		idle2 = append(idle2, tg.measure(t, "", min(d2[len(d2)-1].fetch, maxIdleWindow)))
	}

	for _, m := range d2 {
		if m.bytes >= maxDumpBytes {
			t.Errorf("debug=2 dump is %d bytes: truncated at the runtime's 64 MiB limit", m.bytes)
		}
		if n := bytes.Count(m.body, []byte("\ngoroutine ")) + 1; n < idleGoroutines {
			t.Errorf("debug=2 dump has %d goroutines, want at least %d", n, idleGoroutines)
		}
		if m.bytes < 10<<20 {
			t.Errorf("debug=2 dump of %d goroutines 22 frames deep is %d bytes, want over 10 MiB", idleGoroutines, m.bytes)
		}
	}
	for _, m := range d1 {
		if m.bytes > 64<<10 {
			t.Errorf("debug=1 dump is %d bytes, want a few KB: its size follows distinct stacks, not goroutines", m.bytes)
		}
	}
	for _, s := range []series{idle1, idle2, d1, d2} {
		for _, m := range s {
			// A stall happens inside the window that brackets it, so it cannot be longer.
			if m.maxLag > m.window || m.maxLag > m.totalLag {
				t.Errorf("max lag %v is longer than its %v window or the %v total", m.maxLag, m.window, m.totalLag)
			}
		}
	}
	if d2.medianLag() <= idle2.medianLag() {
		t.Errorf("debug=2 median stall %v is not above the idle median %v", d2.medianLag(), idle2.medianLag())
	}
	if d2.medianLag() <= d1.medianLag() {
		t.Errorf("debug=2 median stall %v is not above the debug=1 median %v", d2.medianLag(), d1.medianLag())
	}
	if d2.medianFetch() <= d1.medianFetch() {
		t.Errorf("debug=2 median fetch %v is not slower than debug=1's %v", d2.medianFetch(), d1.medianFetch())
	}
	t.Log(report([]row{
		{"idle, as long as a debug=1 fetch", idle1, nil},
		{"goroutine?debug=1", d1, idle1},
		{"idle, as long as a debug=2 fetch", idle2, nil},
		{"goroutine?debug=2", d2, idle2},
	}))
}

// row is one line of the report; base is its idle baseline (nil for a baseline itself).
type row struct {
	name string
	s    series
	base series
}

// report formats the figures as a table with ratios against each row's idle baseline.
func report(rows []row) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%d goroutines, %d runs each, medians unless noted\n", idleGoroutines, runs)
	fmt.Fprintf(&b, "| case | bytes | fetch (idle: window) | max lag | max lag (worst run) | total lag | max lag / idle |\n")
	fmt.Fprintf(&b, "| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range rows {
		ratio := "baseline"
		if r.base != nil {
			ratio = fmt.Sprintf("%.1f×", float64(r.s.medianLag())/float64(max(r.base.medianLag(), time.Microsecond)))
		}
		fetch := r.s.medianFetch()
		if r.s[0].body == nil {
			fetch = r.s.median(func(m measurement) time.Duration { return m.window })
		}
		fmt.Fprintf(&b, "| %s | %d | %v | %v | %v | %v | %s |\n", r.name, r.s[0].bytes, fetch.Round(time.Millisecond),
			r.s.medianLag().Round(100*time.Microsecond), r.s.maxLag().Round(100*time.Microsecond),
			r.s.medianTotal().Round(100*time.Microsecond), ratio)
	}
	return b.String()
}

// BenchmarkGoroutineDump reports, per operation, the stall the service saw (max-lag-ms and
// total-lag-ms) and the bytes fetched, for a 250 ms idle window (the baseline) and for one
// dump. Run it with a fixed count, e.g. -benchtime=3x: a debug=2 operation takes seconds.
func BenchmarkGoroutineDump(b *testing.B) {
	tg := startTarget(b, idleGoroutines)
	for _, bc := range []struct {
		name string
		path string
	}{{"idle", ""}, {"debug=1", debug1Path}, {"debug=2", debug2Path}} {
		b.Run(bc.name, func(b *testing.B) {
			var lag, total time.Duration
			var fetched int
			for b.Loop() {
				m := tg.measure(b, bc.path, 250*time.Millisecond)
				lag += m.maxLag
				total += m.totalLag
				fetched += m.bytes
			}
			n := float64(b.N)
			b.ReportMetric(float64(lag)/float64(time.Millisecond)/n, "max-lag-ms/op")
			b.ReportMetric(float64(total)/float64(time.Millisecond)/n, "total-lag-ms/op")
			b.ReportMetric(float64(fetched)/n, "dump-bytes/op")
		})
	}
}
