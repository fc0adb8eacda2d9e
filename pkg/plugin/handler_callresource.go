package plugin

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/leakwatch/pprof-datasource/pkg/goroutines"
	"github.com/leakwatch/pprof-datasource/pkg/metrics"
)

// CallResource serves the editors' lists (targets, metric catalog, profile types, goroutine
// states), snapshot lists, pins and snapshot downloads.
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	return d.resources.CallResource(ctx, req, sender)
}

// targetInfo is what the editors learn about a target: its name and labels, not its URL,
// because the browser never talks to targets.
type targetInfo struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels"`
}

func (d *Datasource) newResourceHandler() backend.CallResourceHandler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /targets", func(w http.ResponseWriter, _ *http.Request) {
		out := make([]targetInfo, 0, len(d.settings.Targets))
		for _, t := range d.settings.Targets {
			labels := t.Labels
			if labels == nil {
				labels = map[string]string{}
			}
			out = append(out, targetInfo{Name: t.Name, Labels: labels})
		}
		writeJSON(w, out)
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, metrics.Catalog())
	})
	mux.HandleFunc("GET /goroutine-states", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, goroutines.Buckets)
	})
	mux.HandleFunc("GET /probe", d.serveProbe)
	d.registerProfileResources(mux)
	return httpadapter.New(mux)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}
