package goroutines

import "strings"

// State buckets: a small fixed set that raw statuses and wait reasons fall into, so that
// series and filters stay stable across Go releases that add or rename wait reasons.
const (
	BucketRunning     = "running"      // running
	BucketRunnable    = "runnable"     // runnable, preempted
	BucketSyscall     = "syscall"      // in a system call
	BucketIOWait      = "io_wait"      // IO wait: blocked on the network poller (sockets, pipes)
	BucketChanReceive = "chan_receive" // chan receive, chan receive (durable)
	BucketChanSend    = "chan_send"    // chan send, chan send (durable)
	BucketSelect      = "select"       // select, select (durable)
	BucketNilChan     = "nil_chan"     // blocked forever: nil channel operations, select (no cases)
	BucketSync        = "sync"         // sync.Mutex, RWMutex, WaitGroup, Cond; semacquire
	BucketSleep       = "sleep"        // time.Sleep
	BucketGC          = "gc"           // garbage collector, finalizer and cleanup goroutines
	BucketLeaked      = "leaked"       // marked leaked by the runtime's leak detector (Go 1.26+)
	BucketIdle        = "idle"         // idle runtime helpers
	BucketOther       = "other"        // everything else, including reasons unknown to this package
)

// Buckets lists every bucket in the order a query editor offers them.
var Buckets = []string{
	BucketRunning, BucketRunnable, BucketSyscall, BucketIOWait, BucketChanReceive, BucketChanSend,
	BucketSelect, BucketNilChan, BucketSync, BucketSleep, BucketGC, BucketLeaked, BucketIdle, BucketOther,
}

// knownStatuses maps each status and wait reason of Go 1.19 to 1.27 (runtime2.go's
// waitReasonStrings and the scheduler states) to its bucket.
var knownStatuses = map[string]string{
	"idle": BucketIdle, "runnable": BucketRunnable, "running": BucketRunning, "syscall": BucketSyscall,
	"waiting": BucketOther, "dead": BucketOther, "copystack": BucketOther, "preempted": BucketRunnable,
	"leaked": BucketLeaked,

	"GC assist marking": BucketGC, "IO wait": BucketIOWait, "dumping heap": BucketOther,
	"garbage collection": BucketGC, "garbage collection scan": BucketGC, "panicwait": BucketOther,
	"GC assist wait": BucketGC, "GC sweep wait": BucketGC, "GC scavenge wait": BucketGC,
	"finalizer wait": BucketGC, "force gc (idle)": BucketGC, "GOMAXPROCS updater (idle)": BucketIdle,
	"semacquire": BucketSync, "sleep": BucketSleep,
	"chan receive (nil chan)": BucketNilChan, "chan send (nil chan)": BucketNilChan,
	"select (no cases)": BucketNilChan, "select": BucketSelect,
	"chan receive": BucketChanReceive, "chan send": BucketChanSend,
	"sync.Cond.Wait": BucketSync, "sync.Mutex.Lock": BucketSync, "sync.RWMutex.RLock": BucketSync,
	"sync.RWMutex.Lock": BucketSync, "sync.WaitGroup.Wait": BucketSync,
	"trace reader (blocked)": BucketIdle, "wait for GC cycle": BucketGC,
	"GC worker (idle)": BucketGC, "GC worker (active)": BucketGC, "debug call": BucketOther,
	"GC mark termination": BucketGC, "stopping the world": BucketGC, "flushing proc caches": BucketGC,
	"trace goroutine status": BucketOther, "trace proc status": BucketOther, "page trace flush": BucketOther,
	"coroutine": BucketOther, "GC weak to strong wait": BucketGC,
	"synctest.Run": BucketOther, "synctest.Wait": BucketOther,
	"chan receive (durable)": BucketChanReceive, "chan send (durable)": BucketChanSend,
	"select (durable)": BucketSelect, "sync.WaitGroup.Wait (durable)": BucketSync,
	"cleanup wait": BucketGC,
}

// IsKnownStatus reports whether s is a status or wait reason some Go release prints.
func IsKnownStatus(s string) bool {
	_, ok := knownStatuses[s]
	return ok
}

// leakedSuffix marks, in a status key (see StatusKey), a goroutine the runtime flagged as
// leaked while it kept its wait reason.
const leakedSuffix = " (leaked)"

// StatusKey is the raw status under which a goroutine is counted in a Summary: its status,
// plus " (leaked)" when the runtime flagged it leaked, so that Bucket can see both.
func (g *Goroutine) StatusKey() string {
	if g.Status != "leaked" && g.Leaked() {
		return g.Status + leakedSuffix
	}
	return g.Status
}

// Bucket maps a raw status or wait reason (as in Goroutine.StatusKey) to one of Buckets.
// Unknown reasons go to BucketOther.
func Bucket(status string) string {
	if strings.HasSuffix(status, leakedSuffix) {
		return BucketLeaked
	}
	if b, ok := knownStatuses[status]; ok {
		return b
	}
	return BucketOther
}

// StaleEligible reports whether a goroutine in this status counts as stale once it has
// waited long enough: it is blocked on a channel operation, a select, a nil channel, a sync
// primitive or IO, waits that end only when some other goroutine acts. Sleeps, system calls
// and the runtime's own goroutines are not. A goroutine flagged leaked is eligible.
func StaleEligible(status string) bool {
	if status == "leaked" {
		return true
	}
	switch Bucket(strings.TrimSuffix(status, leakedSuffix)) {
	case BucketChanReceive, BucketChanSend, BucketSelect, BucketNilChan, BucketSync, BucketIOWait:
		return true
	}
	return false
}
