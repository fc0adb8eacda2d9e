package plugin

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/leakwatch/pprof-datasource/pkg/scrape"
)

// CheckHealth ("Save & test") probes every target concurrently and reports, per target,
// which endpoints answered and what failed, plus where history is kept. It fails when no
// target serves MemStats; some failing targets give a warning-style message but pass, so one
// dead service does not block saving the others.
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	reports := make([]scrape.ProbeReport, len(d.settings.Targets))
	var wg sync.WaitGroup
	for i, t := range d.settings.Targets {
		wg.Add(1)
		go func(i int, name string) {
			defer wg.Done()
			reports[i] = d.scraper.Probe(ctx, name)
		}(i, t.Name)
	}
	wg.Wait()
	res := healthResult(reports, d.storageLine())
	if len(reports) > 0 {
		res.Message += "\n" + strings.Join(d.profileHealth().lines(reports), "\n")
	}
	return res, nil
}

func (d *Datasource) storageLine() string {
	info := d.store.Info()
	if info.Durable {
		line := fmt.Sprintf("History: stored on disk at %s (retention %s).", info.Path, d.settings.Retention)
		if sn := d.snapshots.Info(); !sn.Durable {
			line += " Profile snapshots: " + sn.Reason
		}
		return line
	}
	return "History: " + info.Reason
}

// healthResult turns probe reports into the Save & test message.
func healthResult(reports []scrape.ProbeReport, storage string) *backend.CheckHealthResult {
	if len(reports) == 0 {
		return &backend.CheckHealthResult{
			Status:  backend.HealthStatusError,
			Message: "No targets configured: add at least one Go service's pprof base URL. " + storage,
		}
	}
	ok := 0
	lines := make([]string, 0, len(reports)+2)
	for _, r := range reports {
		if r.OK {
			ok++
		}
		lines = append(lines, r.Summary())
	}
	status := backend.HealthStatusOk
	head := fmt.Sprintf("%d of %d targets serve Go runtime data.", ok, len(reports))
	if ok == 0 {
		status = backend.HealthStatusError
		head = "No target serves Go runtime data."
	}
	msg := head + "\n" + strings.Join(lines, "\n") + "\n" + storage
	return &backend.CheckHealthResult{Status: status, Message: msg}
}
