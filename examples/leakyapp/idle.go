package main

import "fmt"

// idleStackDepth is how many demo frames each idle goroutine's stack holds, about what a
// request handler parked in a database or RPC client shows. At 80-100 bytes per frame in
// goroutine?debug=2 (depending on the source path), 10,000 idle goroutines make a dump of
// about 20 MB, the size the observer-safety measurements are quoted for.
const idleStackDepth = 22

// maxIdleGoroutines bounds -idle-goroutines: a million parked goroutines is already about
// 8 GB of stacks and a 2 GB dump, far past what the observer-safety tests need.
const maxIdleGoroutines = 1_000_000

// idleWake is never closed or sent on: idle goroutines park on it for the process lifetime.
var idleWake = make(chan struct{})

// startIdleGoroutines starts n goroutines parked at idleStackDepth frames. They are not a
// leak that grows but the steady population of a large service, which is what makes a
// goroutine dump expensive: every parked goroutine costs its frames in the dump and in the
// stop-the-world that produces it.
func startIdleGoroutines(n int) error {
	if n < 0 || n > maxIdleGoroutines {
		return fmt.Errorf("start idle goroutines: %d out of range [0, %d]", n, maxIdleGoroutines)
	}
	for range n {
		go idleWorker(idleStackDepth-1, idleWake)
	}
	return nil
}

// idleWorker is the bottom demo frame of an idle goroutine; noinline keeps it a real frame
// with its own pc, like the rest of the stack.
//
//go:noinline
func idleWorker(depth int, wake <-chan struct{}) {
	parkAtDepth(depth, wake)
}

// parkAtDepth recurses until depth frames are on the stack and then blocks on wake
// (goroutine state "chan receive"). The result is used so the calls are not tail calls
// the compiler could flatten; noinline keeps one frame per level.
//
//go:noinline
func parkAtDepth(depth int, wake <-chan struct{}) int {
	if depth <= 1 {
		<-wake
		return 0
	}
	return parkAtDepth(depth-1, wake) + 1
}
