package memstats

import "strings"

// field is a bit naming a MemStats value that both sources always publish. Parsers OR the
// bits of the values they read, so a truncated document is told apart from a complete one
// without a bool per field.
type field uint32

const (
	fAlloc field = 1 << iota
	fTotalAlloc
	fSys
	fMallocs
	fFrees
	fHeapAlloc
	fHeapSys
	fHeapIdle
	fHeapInuse
	fHeapReleased
	fHeapObjects
	fStackInuse
	fStackSys
	fNextGC
	fLastGC
	fPauseNs
	fPauseEnd
	fNumGC
	fNumForcedGC
	fGCCPUFraction
	numFields = iota

	// fRequired excludes PauseTotalNs and MaxRSS: each is absent from one of the sources.
	fRequired field = 1<<numFields - 1
)

// fieldNames is indexed by bit position, in the order both sources print the fields.
var fieldNames = [numFields]string{
	"Alloc", "TotalAlloc", "Sys", "Mallocs", "Frees", "HeapAlloc", "HeapSys", "HeapIdle",
	"HeapInuse", "HeapReleased", "HeapObjects", "StackInuse", "StackSys", "NextGC", "LastGC",
	"PauseNs", "PauseEnd", "NumGC", "NumForcedGC", "GCCPUFraction",
}

// missingFields lists the required fields absent from seen, in print order. The heap
// trailer prints StackInuse and StackSys on one `# Stack = a / b` line, so with
// stackLine set they are reported under that line's name.
func missingFields(seen field, stackLine bool) string {
	var names []string
	for i, name := range fieldNames {
		f := field(1) << i
		if seen&f != 0 {
			continue
		}
		if stackLine && f == fStackInuse {
			name = "Stack"
		} else if stackLine && f == fStackSys {
			continue
		}
		names = append(names, name)
	}
	return strings.Join(names, ", ")
}
