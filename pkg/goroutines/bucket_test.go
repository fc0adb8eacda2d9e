package goroutines

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBucket(t *testing.T) {
	tests := map[string]string{
		"running": BucketRunning, "runnable": BucketRunnable, "preempted": BucketRunnable,
		"syscall": BucketSyscall, "IO wait": BucketIOWait,
		"chan receive": BucketChanReceive, "chan receive (durable)": BucketChanReceive,
		"chan send": BucketChanSend, "chan send (durable)": BucketChanSend,
		"select": BucketSelect, "select (durable)": BucketSelect,
		"select (no cases)": BucketNilChan, "chan receive (nil chan)": BucketNilChan, "chan send (nil chan)": BucketNilChan,
		"semacquire": BucketSync, "sync.Mutex.Lock": BucketSync, "sync.RWMutex.RLock": BucketSync,
		"sync.RWMutex.Lock": BucketSync, "sync.WaitGroup.Wait": BucketSync, "sync.WaitGroup.Wait (durable)": BucketSync,
		"sync.Cond.Wait": BucketSync, "sleep": BucketSleep,
		"GC worker (idle)": BucketGC, "finalizer wait": BucketGC, "force gc (idle)": BucketGC, "cleanup wait": BucketGC,
		"leaked": BucketLeaked, "chan receive (leaked)": BucketLeaked,
		"idle": BucketIdle, "GOMAXPROCS updater (idle)": BucketIdle,
		"waiting": BucketOther, "future wait reason": BucketOther, "": BucketOther,
	}
	for status, want := range tests {
		assert.Equal(t, want, Bucket(status), status)
	}
}

func TestBucketsCoverEveryKnownStatus(t *testing.T) {
	valid := map[string]bool{}
	for _, b := range Buckets {
		valid[b] = true
	}
	for st, b := range knownStatuses {
		assert.True(t, valid[b], "%q maps to %q, which Buckets does not list", st, b)
	}
}

func TestStaleEligible(t *testing.T) {
	yes := []string{"chan receive", "chan send", "chan receive (durable)", "select", "select (no cases)",
		"chan send (nil chan)", "sync.Mutex.Lock", "sync.RWMutex.Lock", "sync.RWMutex.RLock", "sync.WaitGroup.Wait",
		"sync.Cond.Wait", "semacquire", "IO wait", "leaked", "chan receive (leaked)", "select (leaked)"}
	no := []string{"running", "runnable", "syscall", "sleep", "GC worker (idle)", "finalizer wait", "idle",
		"waiting", "future wait reason", "sleep (leaked)x"}
	for _, s := range yes {
		assert.True(t, StaleEligible(s), s)
	}
	for _, s := range no {
		assert.False(t, StaleEligible(s), s)
	}
}
