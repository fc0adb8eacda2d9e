// Package plugin wires the data source instance: settings, HTTP client, scraper, store and
// collector, and the SDK handlers that serve queries, health checks and editor resources.
package plugin

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/leakwatch/pprof-datasource/pkg/collector"
	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/scrape"
	"github.com/leakwatch/pprof-datasource/pkg/snapshots"
	"github.com/leakwatch/pprof-datasource/pkg/store"
)

var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ backend.CallResourceHandler   = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// storageDirEnv names the environment variable that overrides the default storage base
// directory; Grafana's own data path is used when it is exported to the plugin.
const storageDirEnv = "GF_PLUGIN_LEAKWATCH_PPROF_STORAGE"

// snapshotsSubdir is where, inside an instance's storage directory, the profile snapshots
// live; the time-series database ignores directories that are not its blocks.
const snapshotsSubdir = "snapshots"

// Datasource is one configured data source: it owns the collector scraping its targets and
// the store holding their history.
type Datasource struct {
	settings *models.PluginSettings
	client   *http.Client
	scraper  *scrape.Scraper
	store    store.Store
	// snapshots holds the profile snapshots and goroutine summaries; queries built without
	// one (in tests) answer with a clear error.
	snapshots snapshots.Store
	ingest    *ingest
	collector *collector.Collector
	mux       backend.QueryDataHandler
	resources backend.CallResourceHandler
	logger    log.Logger
}

// NewDatasource is the instance factory Grafana's SDK calls for every settings version.
func NewDatasource(ctx context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	ps, err := models.LoadPluginSettings(s)
	if err != nil {
		return nil, fmt.Errorf("invalid data source settings: %w", err)
	}
	client, err := scrape.NewHTTPClient(ctx, s, ps)
	if err != nil {
		return nil, fmt.Errorf("could not create the HTTP client: %w", err)
	}
	ds := &Datasource{
		settings: ps,
		client:   client,
		scraper:  scrape.New(client, ps),
		logger:   log.DefaultLogger.With("datasource", s.UID),
	}
	ds.store = store.OpenOrMemory(storageDir(ps), store.TSDBOptions{
		Retention: ps.Retention, MaxBytes: ps.StorageMaxBytes,
	})
	if info := ds.store.Info(); !info.Durable {
		ds.logger.Warn("keeping history in memory only", "reason", info.Reason)
	}
	ds.snapshots = snapshots.OpenOrMemory(filepath.Join(storageDir(ps), snapshotsSubdir), snapshots.Options{
		FullResolution: ps.SnapshotFullResolution, Retention: ps.Retention, MaxBytes: ps.SnapshotMaxBytes,
		Logger: slog.Default().With("datasource", s.UID),
	})
	if info := ds.snapshots.Info(); !info.Durable {
		ds.logger.Warn("keeping profile snapshots in memory only", "reason", info.Reason)
	}
	ds.ingest = newIngest(ds.snapshots, ps.MaxProfileBytes, ds.logger)
	names := make([]string, len(ps.Targets))
	for i, t := range ps.Targets {
		names[i] = t.Name
	}
	ds.collector = collector.New(ds.scraper, ds.store, collector.Config{
		Targets: names, Interval: ps.ScrapeInterval, Timeout: ps.Timeout, Seed: s.UID, Logger: ds.logger,
		ProfileSink: ds.ingest, ProfileIntervals: ps.ProfileIntervals, CPUProfileSeconds: ps.CPUProfileSeconds,
		GoroutineSink: ds.ingest, GoroutineDumpInterval: ps.GoroutineDumpInterval, GoroutineDumpCeiling: ps.GoroutineDumpCeiling,
	})
	ds.collector.Start()
	ds.mux = ds.newQueryMux()
	ds.resources = ds.newResourceHandler()
	return ds, nil
}

// newQueryMux routes queries by type; each query type has its own handler file.
func (d *Datasource) newQueryMux() *datasource.QueryTypeMux {
	mux := datasource.NewQueryTypeMux()
	mux.HandleFunc(string(models.QueryTypeRuntime), d.handleRuntime)
	mux.HandleFunc(string(models.QueryTypeSuspects), d.handleSuspects)
	mux.HandleFunc(string(models.QueryTypeProfile), d.handleProfile)
	mux.HandleFunc(string(models.QueryTypeGoroutines), d.handleGoroutines)
	mux.HandleFunc(string(models.QueryTypeAnnotations), d.handleAnnotations)
	// Queries saved before a type was chosen (or by the default query) are runtime queries.
	mux.HandleFunc("", d.handleRuntime)
	return mux
}

var unsafePathChars = regexp.MustCompile(`[^a-zA-Z0-9._-]`)

// storageDir is the per-instance directory: several data sources of this plugin must never
// share (or lock each other out of) one database.
func storageDir(ps *models.PluginSettings) string {
	base := ps.StoragePath
	if base == "" {
		base = os.Getenv(storageDirEnv)
	}
	if base == "" {
		if gf := os.Getenv("GF_PATHS_DATA"); gf != "" {
			base = filepath.Join(gf, "leakwatch-pprof-datasource")
		} else {
			base = filepath.Join(os.TempDir(), "leakwatch-pprof-datasource")
		}
	}
	uid := ps.UID
	if uid == "" {
		uid = "default"
	}
	return filepath.Join(base, unsafePathChars.ReplaceAllString(uid, "_"))
}
