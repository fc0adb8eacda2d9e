package main

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The groups the goroutine analytics must find for each new pattern: the creator and the
// function each goroutine is blocked in.
var (
	readLoopGroup    = goroutineGroup{createdBy: "net/http.(*Transport).dialConn", topFrame: "net/http.(*persistConn).readLoop"}
	writeLoopGroup   = goroutineGroup{createdBy: "net/http.(*Transport).dialConn", topFrame: "net/http.(*persistConn).writeLoop"}
	ctxWorkerGroup   = goroutineGroup{createdBy: "main.startJobWorker", topFrame: "main.jobWorker"}
	blockedSendGroup = goroutineGroup{createdBy: "main.leakBlockedSender", topFrame: "main.blockedSender"}
	idleGroup        = goroutineGroup{createdBy: "main.startIdleGoroutines", topFrame: "main.parkAtDepth"}
)

// checkGroupSite fails unless every goroutine of the group has the given state, was
// created at one single file:line ending in wantSite, and is blocked at a top frame
// location ending in wantTop. A location ending in ":" accepts any line of that file
// (net/http's lines move between Go releases).
func checkGroupSite(t *testing.T, dump []dumpGoroutine, g goroutineGroup, state, wantSite, wantTop string) {
	t.Helper()
	members := g.members(dump)
	if len(members) == 0 {
		t.Errorf("no goroutine created by %s is blocked in %s", g.createdBy, g.topFrame)
		return
	}
	sites := map[string]int{}
	for _, m := range members {
		sites[m.createdAt]++
		if m.state != state {
			t.Errorf("goroutine %s (%s) is in state %q, want %q", m.id, g.topFrame, m.state, state)
		}
		if !locationMatches(m.sites[0], wantTop) {
			t.Errorf("goroutine %s is blocked at %s, want ...%s", m.id, m.sites[0], wantTop)
		}
	}
	if len(sites) != 1 {
		t.Errorf("%s goroutines were created at %d sites, want one: %v", g.topFrame, len(sites), sites)
	}
	for site := range sites {
		if !locationMatches(site, wantSite) {
			t.Errorf("%s goroutines were created at %s, want ...%s", g.topFrame, site, wantSite)
		}
	}
}

// locationMatches reports whether the file:line got ends in want, ignoring the line when
// want ends in ":".
func locationMatches(got, want string) bool {
	if strings.HasSuffix(want, ":") {
		got = got[:strings.LastIndex(got, ":")+1]
	}
	return strings.HasSuffix(got, want)
}

// demoSite is a file:line of the demo source found by marker, as a dump suffix.
func demoSite(t *testing.T, file, marker string) string {
	t.Helper()
	return "/" + file + ":" + strconv.Itoa(sourceLine(t, file, marker))
}

func TestGoroutineLeakPatterns(t *testing.T) {
	const (
		bodies  = 20.0
		workers = 30.0
		senders = 40.0
	)
	a := startApp(t)
	a.goroutines(t) // open the keep-alive connection so its goroutine is in every count
	g0, _ := a.goroutines(t)
	for _, q := range []string{
		fmt.Sprintf("?pattern=%s&rate=%v", patternUnclosedBody, bodies),
		fmt.Sprintf("?pattern=%s&rate=%v", patternCtxWorker, workers),
		fmt.Sprintf("?pattern=%s&rate=%v", patternBlockedSend, senders),
	} {
		a.leakStatus(t, http.MethodPost, q)
	}
	// Let the first partial ticks pass so both ends of the window are in steady state.
	time.Sleep(300 * time.Millisecond)
	d0, s0, t0 := a.dump(t), a.leakStatus(t, http.MethodGet, ""), time.Now()
	time.Sleep(3 * time.Second)
	d1, s1 := a.dump(t), a.leakStatus(t, http.MethodGet, "")
	elapsed := time.Since(t0)

	// The rates the plugin will compute from two dumps, and the program's own counts.
	checkRate(t, "unclosed-body readLoop goroutines", float64(readLoopGroup.count(d1)-readLoopGroup.count(d0)), elapsed, bodies, 0.25)
	checkRate(t, "unclosed-body writeLoop goroutines", float64(writeLoopGroup.count(d1)-writeLoopGroup.count(d0)), elapsed, bodies, 0.25)
	checkRate(t, "ctx worker goroutines", float64(ctxWorkerGroup.count(d1)-ctxWorkerGroup.count(d0)), elapsed, workers, 0.25)
	checkRate(t, "blocked sender goroutines", float64(blockedSendGroup.count(d1)-blockedSendGroup.count(d0)), elapsed, senders, 0.25)
	checkRate(t, "expvar unclosedBody.requests", float64(s1.UnclosedBody.Requests-s0.UnclosedBody.Requests), elapsed, bodies, 0.25)
	checkRate(t, "expvar ctxWorker.started", float64(s1.CtxWorker.Started-s0.CtxWorker.Started), elapsed, workers, 0.25)
	checkRate(t, "expvar blockedSend.started", float64(s1.BlockedSend.Started-s0.BlockedSend.Started), elapsed, senders, 0.25)

	for _, p := range []pattern{patternUnclosedBody, patternCtxWorker, patternBlockedSend} {
		a.leakStatus(t, http.MethodPost, "?pattern="+string(p)+"&rate=0")
	}
	// The server closes its side of each leaked connection right after answering; give its
	// goroutines time to exit so only the leaks remain.
	time.Sleep(300 * time.Millisecond)
	s := a.leakStatus(t, http.MethodGet, "")
	d := a.dump(t)
	g1, _ := a.goroutines(t)
	if s.UnclosedBody.Failed != 0 {
		t.Errorf("%d unclosed-body requests failed, last error %q", s.UnclosedBody.Failed, s.UnclosedBody.LastError)
	}

	// Once stopped, the dump must hold exactly the goroutines the program says it leaked.
	for _, c := range []struct {
		g    goroutineGroup
		want int64
	}{
		{readLoopGroup, s.UnclosedBody.Requests},
		{writeLoopGroup, s.UnclosedBody.Requests},
		{ctxWorkerGroup, s.CtxWorker.Started},
		{blockedSendGroup, s.BlockedSend.Started},
	} {
		if got := c.g.count(d); int64(got) != c.want {
			t.Errorf("dump has %d goroutines in %s created by %s, want %d", got, c.g.topFrame, c.g.createdBy, c.want)
		}
	}
	// Everything the process gained is the leaks; per leaked request that is exactly the
	// connection's readLoop and writeLoop.
	perRequest := float64(int64(g1-g0)-s.CtxWorker.Started-s.BlockedSend.Started) / float64(s.UnclosedBody.Requests)
	t.Logf("goroutines %d -> %d: %d unclosed bodies (%.2f goroutines each), %d ctx workers, %d blocked senders",
		g0, g1, s.UnclosedBody.Requests, perRequest, s.CtxWorker.Started, s.BlockedSend.Started)
	if perRequest != 2 {
		t.Errorf("each unclosed body left %.2f goroutines, want 2", perRequest)
	}

	// The creation sites the README documents.
	checkGroupSite(t, d, readLoopGroup, "select", "net/http/transport.go:", "net/http/transport.go:")
	checkGroupSite(t, d, writeLoopGroup, "select", "net/http/transport.go:", "net/http/transport.go:")
	checkGroupSite(t, d, ctxWorkerGroup, "select",
		demoSite(t, "goroutineleaks.go", "go jobWorker("), demoSite(t, "goroutineleaks.go", "select {"))
	checkGroupSite(t, d, blockedSendGroup, "chan send",
		demoSite(t, "goroutineleaks.go", "go blockedSender("), demoSite(t, "goroutineleaks.go", "results <- 1"))
	// The demo code that triggers the HTTP leak is not on the leaked stacks at all.
	for _, r := range readLoopGroup.members(d) {
		for _, f := range r.frames {
			if strings.HasPrefix(f, "main.") {
				t.Fatalf("readLoop goroutine %s has demo frame %s; the README says it has none", r.id, f)
			}
		}
	}
}

func TestIdleGoroutinesAreParkedDeep(t *testing.T) {
	const n = 300
	a := startApp(t, "-idle-goroutines", strconv.Itoa(n))
	if s := a.leakStatus(t, http.MethodGet, ""); s.Idle.Goroutines != n || s.Idle.StackDepth != idleStackDepth {
		t.Errorf("status idle = %+v, want %d goroutines %d deep", s.Idle, n, idleStackDepth)
	}
	d := a.dump(t)
	members := idleGroup.members(d)
	if len(members) != n {
		t.Fatalf("dump has %d idle goroutines, want %d", len(members), n)
	}
	for _, m := range members {
		if len(m.frames) != idleStackDepth || m.frames[len(m.frames)-1] != "main.idleWorker" {
			t.Fatalf("idle goroutine %s has %d frames ending in %s, want %d ending in main.idleWorker",
				m.id, len(m.frames), m.frames[len(m.frames)-1], idleStackDepth)
		}
	}
	checkGroupSite(t, d, idleGroup, "chan receive", demoSite(t, "idle.go", "go idleWorker("), demoSite(t, "idle.go", "<-wake"))
	// Idle goroutines are a steady population, not a leak: the count must not move.
	time.Sleep(200 * time.Millisecond)
	if again := idleGroup.count(a.dump(t)); again != n {
		t.Errorf("idle goroutines went from %d to %d", n, again)
	}
}
