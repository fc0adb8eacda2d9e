package plugin

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/leakwatch/pprof-datasource/pkg/collector"
	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/scrape"
)

// profileHealth is what Save & test says about profile and goroutine-dump collection, from
// the probe's goroutine counts and what the collector has seen so far.
type profileHealth struct {
	settings   *models.PluginSettings
	dumpStatus func(target string) (collector.DumpStatus, bool)
	profStatus func(target string, pt models.ProfileType) (collector.FetchStatus, bool)
	binary     func(target string) (binaryChange, bool)
	now        time.Time
}

func (d *Datasource) profileHealth() profileHealth {
	return profileHealth{
		settings: d.settings, dumpStatus: d.collector.DumpStatus, profStatus: d.collector.ProfileStatus,
		binary: d.ingest.binaryChangeOf, now: time.Now(),
	}
}

// lines returns the schedule line and one line per target that has something to report.
func (h profileHealth) lines(reports []scrape.ProbeReport) []string {
	s := h.settings
	var sched []string
	for _, pt := range models.CollectedProfileTypes() {
		if every, ok := s.ProfileIntervals[pt]; ok {
			sched = append(sched, fmt.Sprintf("%s every %s", pt, every))
		}
	}
	dumps := "goroutine dumps (debug=2) off"
	if s.GoroutineDumpInterval > 0 {
		dumps = fmt.Sprintf("goroutine dumps (debug=2) every %s while a target has at most %d goroutines", s.GoroutineDumpInterval, s.GoroutineDumpCeiling)
	}
	profilesLine := "Profiles: none collected"
	if len(sched) > 0 {
		profilesLine = "Profiles: " + strings.Join(sched, ", ")
	}
	out := []string{profilesLine + "; " + dumps + "."}
	for _, r := range reports {
		var notes []string
		if s.GoroutineDumpInterval > 0 && r.HasGoroutines && r.Goroutines > s.GoroutineDumpCeiling {
			notes = append(notes, fmt.Sprintf("goroutine dumps will be skipped: %d goroutines is above the dump ceiling of %d", r.Goroutines, s.GoroutineDumpCeiling))
		} else if st, ok := h.dumpStatus(r.Target); ok && st.Skipping {
			notes = append(notes, "goroutine dumps are being skipped: "+st.SkipReason)
		}
		var failing []string
		for pt := range s.ProfileIntervals {
			st, ok := h.profStatus(r.Target, pt)
			switch {
			case !ok:
			case st.NotServed:
				failing = append(failing, fmt.Sprintf("%s is not served", pt))
			case st.LastError != nil:
				failing = append(failing, fmt.Sprintf("%s failed: %v", pt, st.LastError))
			}
		}
		sort.Strings(failing)
		notes = append(notes, failing...)
		if c, ok := h.binary(r.Target); ok {
			notes = append(notes, fmt.Sprintf("started serving a different binary %s ago (%s); diffs across that time compare different programs", h.now.Sub(c.Time).Round(time.Second), c.Detail))
		}
		if len(notes) > 0 {
			out = append(out, r.Target+": "+strings.Join(notes, "; ")+".")
		}
	}
	return out
}
