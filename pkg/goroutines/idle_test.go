package goroutines

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIdleByDesignGoroutinesAreNeverStale reads a real dump of the demo service: its main
// goroutine, HTTP accept loop and signal.NotifyContext watcher wait for as long as the process
// lives, and must not make a healthy service look like it leaks once they pass the stale
// threshold; the goroutines the demo leaks must still count.
func TestIdleByDesignGoroutinesAreNeverStale(t *testing.T) {
	f, err := os.Open("testdata/leakyapp.debug2.txt")
	require.NoError(t, err)
	defer f.Close()
	d, err := ParseDump(f)
	require.NoError(t, err)
	s := SummarizeDump(d)

	idle := map[string]bool{}
	eligible, eligibleIdle := 0, 0
	for i := range s.Groups {
		g := &s.Groups[i]
		name := g.CreatorKey() + " / " + g.TopFunc
		if IdleByDesign(g) {
			idle[name] = true
		}
		for st, n := range g.States {
			if StaleEligible(st) {
				eligible += n
				if IdleByDesign(g) {
					eligibleIdle += n
				}
			}
		}
	}
	var main, accept, notify, leak bool
	for name := range idle {
		switch {
		case name == " / main.run":
			main = true
		case name == "os/signal.NotifyContext /usr/local/go/src/os/signal/signal.go:291 / os/signal.NotifyContext.func1":
			notify = true
		case containsFrame(s, name, idleAcceptFrame):
			accept = true
		case name == "main.leakBlockedReceiver /src/pprof-datasource/examples/leakyapp/patterns.go:268 / main.blockedReceiver":
			leak = true
		}
	}
	assert.True(t, main, "the main goroutine is idle by design: %v", idle)
	assert.True(t, notify, "the NotifyContext watcher is idle by design: %v", idle)
	assert.True(t, accept, "the accept loop is idle by design: %v", idle)
	assert.False(t, leak, "the leaked receivers are not idle by design")
	assert.Len(t, idle, 3, "nothing else is idle by design: %v", idle)

	// A threshold of 0 counts every eligible goroutine, except the idle ones.
	require.Positive(t, eligibleIdle)
	assert.Equal(t, eligible-eligibleIdle, StaleCount(s, 0))
}

func containsFrame(s *Summary, name, fn string) bool {
	for i := range s.Groups {
		g := &s.Groups[i]
		if g.CreatorKey()+" / "+g.TopFunc != name {
			continue
		}
		for _, f := range g.Stack {
			if f.Func == fn {
				return true
			}
		}
	}
	return false
}
