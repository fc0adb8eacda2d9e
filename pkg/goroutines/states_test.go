package goroutines

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const pkgPath = "github.com/leakwatch/pprof-datasource/pkg/goroutines."

// blockedStates maps the function each test goroutine blocks in to the header it must get.
var blockedStates = map[string]struct {
	status string
	locked bool
}{
	"blockChanSend":    {status: "chan send"},
	"blockChanReceive": {status: "chan receive"},
	"blockSelect":      {status: "select"},
	"blockMutex":       {status: "sync.Mutex.Lock"},
	"blockRWMutex":     {status: "sync.RWMutex.RLock"},
	"blockWaitGroup":   {status: "sync.WaitGroup.Wait"},
	"blockCond":        {status: "sync.Cond.Wait"},
	"blockSleep":       {status: "sleep"},
	"blockPipeRead":    {status: "IO wait"},
	"blockLocked":      {status: "chan receive", locked: true},
	"blockNilChan":     {status: "chan receive (nil chan)"},
	"blockNoCases":     {status: "select (no cases)"},
}

// foreverOnce starts the goroutines that can never be released (nil channel, empty select,
// long sleep) once per test binary.
var foreverOnce sync.Once

//go:noinline
func blockChanSend(ch chan int) { ch <- 1 }

//go:noinline
func blockChanReceive(ch chan int) { <-ch }

//go:noinline
func blockSelect(a, b chan int) {
	select {
	case <-a:
	case <-b:
	}
}

//go:noinline
func blockMutex(mu *sync.Mutex, n *int) {
	mu.Lock()
	*n++
	mu.Unlock()
}

//go:noinline
func blockRWMutex(mu *sync.RWMutex, n *int) int {
	mu.RLock()
	defer mu.RUnlock()
	return *n
}

//go:noinline
func blockWaitGroup(wg *sync.WaitGroup) { wg.Wait() }

//go:noinline
func blockCond(c *sync.Cond, done *bool) {
	c.L.Lock()
	for !*done {
		c.Wait()
	}
	c.L.Unlock()
}

//go:noinline
func blockSleep() { time.Sleep(24 * time.Hour) }

//go:noinline
func blockPipeRead(r *os.File) { _, _ = r.Read(make([]byte, 1)) }

//go:noinline
func blockLocked(ch chan int) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	<-ch
}

//go:noinline
func blockNilChan() {
	var ch chan int
	<-ch
}

//go:noinline
func blockNoCases() { select {} }

// startBlocked starts one goroutine per entry of blockedStates and returns a function that
// releases the ones that can be released.
func startBlocked(t *testing.T) (stop func()) {
	t.Helper()
	send, recv, sel, locked := make(chan int), make(chan int), make(chan int), make(chan int)
	var mu sync.Mutex
	mu.Lock()
	var rw sync.RWMutex
	rw.Lock()
	var wg sync.WaitGroup
	wg.Add(1)
	cond := sync.NewCond(&sync.Mutex{})
	condDone := false
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	go blockChanSend(send)
	go blockChanReceive(recv)
	go blockSelect(sel, sel)
	var nm, nr int
	go blockMutex(&mu, &nm)
	go blockRWMutex(&rw, &nr)
	go blockWaitGroup(&wg)
	go blockCond(cond, &condDone)
	go blockPipeRead(pr)
	go blockLocked(locked)
	foreverOnce.Do(func() {
		go blockSleep()
		go blockNilChan()
		go blockNoCases()
	})
	return func() {
		<-send
		close(recv)
		close(sel)
		close(locked)
		mu.Unlock()
		rw.Unlock()
		wg.Done()
		cond.L.Lock()
		condDone = true
		cond.L.Unlock()
		cond.Broadcast()
		_ = pw.Close()
		_ = pr.Close()
	}
}

// blockedDump waits until every goroutine of startBlocked shows its expected status and
// returns that dump.
func blockedDump(t *testing.T) []byte {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var buf bytes.Buffer
		require.NoError(t, pprof.Lookup("goroutine").WriteTo(&buf, 2))
		d, err := ParseDump(bytes.NewReader(buf.Bytes()))
		require.NoError(t, err)
		if len(mismatchedStates(d)) == 0 || time.Now().After(deadline) {
			return buf.Bytes()
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func mismatchedStates(d *Dump) []string {
	var bad []string
	for fn, want := range blockedStates {
		g := findByFunc(d, pkgPath+fn)
		if g == nil || g.Status != want.status || g.LockedToThread != want.locked {
			bad = append(bad, fn)
		}
	}
	slices.Sort(bad)
	return bad
}

func findByFunc(d *Dump, fn string) *Goroutine {
	for i := range d.Goroutines {
		for _, f := range d.Goroutines[i].Frames {
			if f.Func == fn {
				return &d.Goroutines[i]
			}
		}
	}
	return nil
}

// TestParseDumpThisRuntime parses a dump of this test binary with goroutines blocked in
// known states. With -capture it also stores the dump (and the debug=1 profile taken right
// after) as testdata/states.debug{2,1}.txt, with the checkout's path replaced.
func TestParseDumpThisRuntime(t *testing.T) {
	stop := startBlocked(t)
	defer stop()
	raw := blockedDump(t)
	var grouped, proto bytes.Buffer
	require.NoError(t, pprof.Lookup("goroutine").WriteTo(&grouped, 1))
	require.NoError(t, pprof.Lookup("goroutine").WriteTo(&proto, 0))

	d, err := ParseDump(bytes.NewReader(raw))
	require.NoError(t, err)
	assert.Empty(t, mismatchedStates(d))
	for fn := range blockedStates {
		g := findByFunc(d, pkgPath+fn)
		require.NotNil(t, g, fn)
		require.NotNil(t, g.CreatedBy, fn)
		if fn == "blockSleep" || fn == "blockNilChan" || fn == "blockNoCases" {
			assert.Equal(t, pkgPath+"startBlocked.func1", g.CreatedBy.Func, fn)
		} else {
			assert.Equal(t, pkgPath+"startBlocked", g.CreatedBy.Func, fn)
		}
		assert.NotZero(t, g.CreatorID, fn)
		assert.Equal(t, "states_test.go", filepath.Base(g.CreatedBy.File), fn)
	}

	// The debug=1 profile of the same moment holds the same blocked stacks, and google/pprof
	// reads the proto form to the same stacks and counts.
	gr, err := ParseGrouped(bytes.NewReader(grouped.Bytes()))
	require.NoError(t, err)
	p, err := profile.Parse(bytes.NewReader(proto.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, blockedStacks(groupedStacks(gr)), blockedStacks(profileStacks(p)))
	assert.Len(t, blockedStacks(groupedStacks(gr)), len(blockedStates))

	if *capture {
		root, err := filepath.Abs("../..")
		require.NoError(t, err)
		clean := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(root+"/"), []byte("/src/pprof-datasource/")) }
		require.NoError(t, os.WriteFile(filepath.Join("testdata", "states.debug2.txt"), clean(raw), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join("testdata", "states.debug1.txt"), clean(grouped.Bytes()), 0o644))
	}
}

// groupedStacks renders each debug=1 stack as "count func;func;..." lines.
func groupedStacks(g *Grouped) []string {
	var out []string
	for _, s := range g.Stacks {
		var fns []string
		for _, f := range s.Frames {
			fns = append(fns, f.Func+"@"+f.Site())
		}
		out = append(out, strconv.Itoa(s.Count)+" "+strings.Join(fns, ";"))
	}
	return out
}

// profileStacks renders each proto sample like groupedStacks, leaving out the leading
// runtime frames and runtime.goexit as the runtime does for debug=1.
func profileStacks(p *profile.Profile) []string {
	var out []string
	for _, s := range p.Sample {
		var fns []string
		show := false
		for _, loc := range s.Location {
			// Lines of one location run from the innermost inlined call outwards, the order
			// of debug=1 frames.
			for _, ln := range loc.Line {
				name := ln.Function.Name
				if name == "runtime.goexit" || (!show && strings.HasPrefix(name, "runtime.")) {
					continue
				}
				show = true
				fns = append(fns, name+"@"+ln.Function.Filename+":"+strconv.FormatInt(ln.Line, 10))
			}
		}
		out = append(out, strconv.FormatInt(s.Value[0], 10)+" "+strings.Join(fns, ";"))
	}
	return out
}

func blockedStacks(stacks []string) []string {
	var out []string
	for _, s := range stacks {
		if strings.Contains(s, pkgPath+"block") {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}
