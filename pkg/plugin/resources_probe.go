package plugin

import (
	"net/http"

	"github.com/leakwatch/pprof-datasource/pkg/scrape"
)

// probeInfo is the answer of `GET probe?target=`: what one configured target served, for the
// config editor's "Test" button.
type probeInfo struct {
	Target     string          `json:"target"`
	OK         bool            `json:"ok"`
	Source     string          `json:"source,omitempty"`
	Goroutines *int            `json:"goroutines,omitempty"`
	Summary    string          `json:"summary"`
	Endpoints  []endpointCheck `json:"endpoints"`
}

// endpointCheck is one request the probe made.
type endpointCheck struct {
	Path   string `json:"path"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// serveProbe probes one saved target the way Save & test does. It takes a target's name, never
// a URL: a target typed into the form but not saved yet cannot be probed.
func (d *Datasource) serveProbe(w http.ResponseWriter, r *http.Request) {
	target, ok := d.resourceTarget(w, r, true)
	if !ok {
		return
	}
	writeJSON(w, probeInfoOf(d.scraper.Probe(r.Context(), target)))
}

func probeInfoOf(rep scrape.ProbeReport) probeInfo {
	out := probeInfo{Target: rep.Target, OK: rep.OK, Summary: rep.Summary(), Endpoints: []endpointCheck{}}
	if rep.OK {
		out.Source = string(rep.Source)
	}
	if rep.HasGoroutines {
		n := rep.Goroutines
		out.Goroutines = &n
	}
	for _, e := range rep.Endpoints {
		out.Endpoints = append(out.Endpoints, endpointCheck{Path: e.Path, OK: e.OK, Detail: e.Detail})
	}
	return out
}
