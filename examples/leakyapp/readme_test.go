package main

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeListsCreationSites keeps the README's creation-site table in step with the
// source: the goroutine analytics' tests assert these sites, so a stale line number there
// would send someone looking at the wrong code.
func TestReadmeListsCreationSites(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatalf("read README: %v", err)
	}
	for _, site := range []struct{ file, marker string }{
		{"patterns.go", "go blockedReceiver("},
		{"patterns.go", "\t<-ch"},
		{"goroutineleaks.go", "go jobWorker("},
		{"goroutineleaks.go", "select {"},
		{"goroutineleaks.go", "go blockedSender("},
		{"goroutineleaks.go", "results <- 1"},
		{"idle.go", "go idleWorker("},
		{"idle.go", "<-wake"},
	} {
		want := "`" + strings.TrimPrefix(demoSite(t, site.file, site.marker), "/") + "`"
		if !strings.Contains(string(readme), want) {
			t.Errorf("README does not list %s (the line with %q)", want, site.marker)
		}
	}
	for _, fn := range []string{
		"main.leakUnclosedBody", "net/http.(*Transport).dialConn", "net/http.(*persistConn).readLoop",
		"net/http.(*persistConn).writeLoop", "main.leakIntoRegistry", "main.leakSubslice",
		"main.putLargeBufferInPool", "main.churnAllocate",
	} {
		if !strings.Contains(string(readme), "`"+fn+"`") {
			t.Errorf("README does not name %s", fn)
		}
	}
}
