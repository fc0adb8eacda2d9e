package goroutines

// idleAcceptFrame is the frame every listener's accept loop blocks under, TCP and Unix alike.
const idleAcceptFrame = "net.(*netFD).accept"

// idleCreators start goroutines that wait, by design, for as long as the process lives.
var idleCreators = map[string]bool{
	// The watcher of signal.NotifyContext waits for the signal or the context.
	"os/signal.NotifyContext": true,
}

// IdleByDesign reports whether a group's goroutines wait indefinitely as part of how any
// healthy service works, so that a long wait says nothing about a leak: the main goroutine
// (waiting for shutdown), listener accept loops (waiting for the next connection, for
// hours on a quiet listener) and signal.NotifyContext watchers. Such goroutines exist once
// per process or per listener; they never count as stale, which would otherwise flag every
// idle service after the stale threshold. Their counts and waits are still reported.
func IdleByDesign(g *SummaryGroup) bool {
	if g.Creator == "" && len(g.Stack) > 0 {
		// Every goroutine but the main one has a creator in a dump.
		return true
	}
	if idleCreators[g.Creator] {
		return true
	}
	for _, f := range g.Stack {
		if f.Func == idleAcceptFrame {
			return true
		}
	}
	return false
}
