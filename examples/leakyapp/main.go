// Command leakyapp is the demo and integration-test target of the Go pprof data source. It
// serves net/http/pprof and expvar like any instrumented Go service, and leaks memory and
// goroutines in well-known patterns at exact, adjustable rates so the plugin's heap growth,
// GC pressure, leak-slope and goroutine-leak views have something known to measure. A
// ticker-lag monitor measures, from inside, how long a scrape stalls the program.
//
// It uses only the standard library so it builds anywhere the plugin's tests run.
package main

import (
	"context"
	"errors"
	"expvar"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// shutdownTimeout bounds how long in-flight requests (a CPU profile, a trace) may delay exit.
const shutdownTimeout = 5 * time.Second

func main() {
	logger := log.New(os.Stderr, "leakyapp: ", log.LstdFlags)
	err := run(os.Args[1:], os.Stdout, logger)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, errUsage):
		os.Exit(2)
	case err != nil:
		logger.Print(err)
		os.Exit(1)
	}
}

// errUsage marks a command-line error the flag package has already reported.
var errUsage = errors.New("usage error")

// config is the parsed command line.
type config struct {
	addr                 string
	expvar               bool
	memProfileRate       int
	registryBytesPerSec  float64
	goroutinesPerSec     float64
	poolBufferBytes      int
	poolBuffersPerSec    float64
	subsliceBytesPerSec  float64
	subsliceBufferBytes  int
	churnBytesPerSec     float64
	unclosedBodiesPerSec float64
	ctxWorkersPerSec     float64
	blockedSendersPerSec float64
	idleGoroutines       int
}

// parseFlags parses args into a config; usage errors are printed to output.
func parseFlags(args []string, output io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("leakyapp", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&c.addr, "addr", ":6060", "listen address; port 0 picks a free port")
	fs.BoolVar(&c.expvar, "expvar", true, "serve /debug/vars (false: answer 404, so scrapers must use the heap?debug=1 MemStats trailer)")
	fs.IntVar(&c.memProfileRate, "memprofilerate", -1, "set runtime.MemProfileRate (bytes per heap profile sample; 1 records every allocation, 0 disables); -1 leaves the default")
	fs.Float64Var(&c.registryBytesPerSec, "registry-bytes-per-sec", 0, "grow a global map registry by this many bytes/s of live memory")
	fs.Float64Var(&c.goroutinesPerSec, "goroutines-per-sec", 0, "leak this many goroutines/s blocked forever on a channel receive")
	fs.IntVar(&c.poolBufferBytes, "pool-buffer-bytes", 0, "put buffers of this size into a sync.Pool (0 disables the pool pattern)")
	fs.Float64Var(&c.poolBuffersPerSec, "pool-buffers-per-sec", 10, "pool buffers put per second when -pool-buffer-bytes is set")
	fs.Float64Var(&c.subsliceBytesPerSec, "subslice-bytes-per-sec", 0, "retain this many bytes/s of large buffers through 16-byte sub-slices")
	fs.IntVar(&c.subsliceBufferBytes, "subslice-buffer-bytes", 1<<20, "size of each buffer retained by a sub-slice")
	fs.Float64Var(&c.churnBytesPerSec, "churn-bytes-per-sec", 0, "allocate and drop this many bytes/s of short-lived objects (GC pressure, no leak)")
	fs.Float64Var(&c.unclosedBodiesPerSec, "unclosed-bodies-per-sec", 0, "make this many HTTP requests/s to the program's own /payload and never close the response bodies (2 goroutines leaked per request)")
	fs.Float64Var(&c.ctxWorkersPerSec, "ctx-workers-per-sec", 0, "start this many workers/s whose context is never cancelled, each parked in a select")
	fs.Float64Var(&c.blockedSendersPerSec, "blocked-senders-per-sec", 0, "leak this many goroutines/s blocked sending on an unbuffered channel with no reader")
	fs.IntVar(&c.idleGoroutines, "idle-goroutines", 0, fmt.Sprintf("start this many goroutines parked %d frames deep (10000 makes a ~20 MB goroutine?debug=2 dump)", idleStackDepth))
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(output, "unexpected arguments: %v\n", fs.Args())
		fs.Usage()
		return c, fmt.Errorf("%w: unexpected arguments %v", errUsage, fs.Args())
	}
	return c, nil
}

// newLeakerFromConfig applies the pattern flags to a fresh leaker.
func newLeakerFromConfig(c config) (*leaker, error) {
	if c.poolBufferBytes < 0 {
		return nil, fmt.Errorf("check -pool-buffer-bytes: %d is negative", c.poolBufferBytes)
	}
	if c.idleGoroutines < 0 || c.idleGoroutines > maxIdleGoroutines {
		return nil, fmt.Errorf("check -idle-goroutines: %d out of range [0, %d]", c.idleGoroutines, maxIdleGoroutines)
	}
	if c.subsliceBufferBytes <= 0 {
		return nil, fmt.Errorf("check -subslice-buffer-bytes: %d is not positive", c.subsliceBufferBytes)
	}
	l := newLeaker(c.poolBufferBytes, c.subsliceBufferBytes)
	poolRate := 0.0
	// The pool pattern is switched on by its buffer size; its rate has a non-zero default.
	if c.poolBufferBytes > 0 {
		poolRate = c.poolBuffersPerSec
	}
	for p, rate := range map[pattern]float64{
		patternRegistry:     c.registryBytesPerSec,
		patternGoroutines:   c.goroutinesPerSec,
		patternPool:         poolRate,
		patternSubslice:     c.subsliceBytesPerSec,
		patternChurn:        c.churnBytesPerSec,
		patternUnclosedBody: c.unclosedBodiesPerSec,
		patternCtxWorker:    c.ctxWorkersPerSec,
		patternBlockedSend:  c.blockedSendersPerSec,
	} {
		if err := l.set(p, rate, 0); err != nil {
			return nil, fmt.Errorf("apply flags: %w", err)
		}
	}
	return l, nil
}

// newMux wires the debug and control endpoints on an explicit mux. Importing net/http/pprof
// and expvar also registers them on http.DefaultServeMux, which this program never serves:
// an explicit mux is the only way -expvar=false can really make /debug/vars a 404.
func newMux(l *leaker, lag *lagMonitor, serveExpvar bool) *http.ServeMux {
	mux := http.NewServeMux()
	// Index also serves every named profile: allocs, block, goroutine, heap, mutex, threadcreate.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	if serveExpvar {
		mux.Handle("/debug/vars", expvar.Handler())
	}
	mux.HandleFunc("GET /leak", l.handleGetLeak)
	mux.HandleFunc("POST /leak", l.handleSetLeak)
	mux.HandleFunc("GET /lag", lag.handleGetLag)
	mux.HandleFunc("POST /lag", lag.handleResetLag)
	mux.HandleFunc("GET "+payloadPath, handlePayload)
	return mux
}

// run is main without the exits, so every failure is a wrapped error.
func run(args []string, stdout io.Writer, logger *log.Logger) error {
	c, err := parseFlags(args, os.Stderr)
	if err != nil {
		return err
	}
	// Set before the patterns allocate anything, so every sample uses the same rate.
	if c.memProfileRate >= 0 {
		runtime.MemProfileRate = c.memProfileRate
	}
	l, err := newLeakerFromConfig(c)
	if err != nil {
		return err
	}
	l.publishExpvar()
	lag := newLagMonitor(lagTickInterval)
	lag.publishExpvar()
	// Parked before the listen line is printed, so a test that reads it sees them all.
	if err := startIdleGoroutines(c.idleGoroutines); err != nil {
		return err
	}
	l.setIdleGoroutines(c.idleGoroutines)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	patternCtx, stopPatterns := context.WithCancel(ctx)
	var patterns sync.WaitGroup
	defer patterns.Wait()
	defer stopPatterns()
	// The lag monitor runs before the listen line is printed: a client may bracket a
	// request between two POST /lag as soon as it has read the address.
	patterns.Go(func() { lag.run(patternCtx) })

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.addr, err)
	}
	selfURL, err := loopbackURL(ln.Addr(), payloadPath)
	if err != nil {
		ln.Close()
		return err
	}
	l.setSelfURL(selfURL)
	// Tests parse this exact line to learn the port picked for -addr host:0, so it is the
	// first thing on stdout and everything else goes to the logger on stderr.
	if _, err := fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr()); err != nil {
		ln.Close()
		return fmt.Errorf("print listen address: %w", err)
	}

	srv := &http.Server{
		Handler: newMux(l, lag, c.expvar),
		// No WriteTimeout: /debug/pprof/profile and /trace legitimately stream for 30 s or more.
		ReadHeaderTimeout: 10 * time.Second,
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	l.start(patternCtx, &patterns)

	select {
	case err := <-serveErr:
		stopPatterns()
		patterns.Wait()
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	// Restore default signal handling so a second Ctrl-C kills a stuck shutdown.
	stop()
	logger.Print("shutting down")
	stopPatterns()
	patterns.Wait()

	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
		return fmt.Errorf("shut down http server: %w", err)
	}
	return nil
}
