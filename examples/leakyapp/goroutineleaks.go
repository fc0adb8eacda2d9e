package main

import "context"

// This file holds the goroutine leaks that block in demo code. Each one has its own creating
// function and its own blocked function, so goroutine?debug=2 groups each pattern under a
// distinct "created by" site and a distinct top frame. The README lists both with their
// file:line, and a test keeps that list in step with this file.

// jobs holds the stop function of every job startJobWorker ever started, keyed by job id.
// A real service keeps them so that a later "request finished" path can stop the job; the
// leak is that this path does not exist. Only the ctxworker pattern's goroutine touches it.
var (
	jobs      = map[int64]context.CancelFunc{}
	jobNextID int64
)

// startJobWorker handles n requests that each start a background worker with its own
// cancellable context, the shape of a handler that detaches work from its request. The
// context comes from context.Background (not the request), so nothing cancels it when the
// request ends, and the cancel function is stored in jobs and never called.
//
// Storing cancel is what a real service does, and it is also why vet's lostcancel check
// is satisfied honestly: the check only proves that cancel is reachable, not that anyone
// calls it, and this is exactly the leak it cannot see.
//
//go:noinline
func startJobWorker(n int) {
	for range n {
		ctx, cancel := context.WithCancel(context.Background())
		jobs[jobNextID] = cancel
		jobNextID++
		go jobWorker(ctx, make(chan int))
	}
}

// jobWorker waits for work items or cancellation. Neither ever arrives: items has no
// sender and the context is never cancelled, so it parks in a two-case select forever
// (goroutine state "select").
func jobWorker(ctx context.Context, items <-chan int) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-items:
		}
	}
}

// leakBlockedSender starts n goroutines that each compute a result and send it on an
// unbuffered channel whose only receiver has already given up: the "caller timed out and
// returned, the worker is stuck delivering" leak. The channel is dropped here, so no one
// will ever receive (goroutine state "chan send").
//
//go:noinline
func leakBlockedSender(n int) {
	for range n {
		results := make(chan int)
		go blockedSender(results)
	}
}

// blockedSender sends one result on an unbuffered channel and blocks there forever.
func blockedSender(results chan<- int) {
	results <- 1
}
