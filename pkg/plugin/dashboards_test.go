package plugin

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/gtime"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/metrics"
	"github.com/leakwatch/pprof-datasource/pkg/models"
)

// The bundled dashboards live in the frontend tree, which webpack copies into dist/.
const (
	dashboardsDir  = "../../src/dashboards"
	pluginJSONPath = "../../src/plugin.json"
	demoTarget     = "demo"
)

// dashboard is the part of Grafana's dashboard model the checks read.
type dashboard struct {
	UID           string `json:"uid"`
	Title         string `json:"title"`
	Description   string `json:"description"`
	SchemaVersion int    `json:"schemaVersion"`
	Time          struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"time"`
	Templating struct {
		List []dashboardVar `json:"list"`
	} `json:"templating"`
	Panels []dashboardPanel `json:"panels"`
}

type dashboardVar struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Query    any    `json:"query"`
	AllValue string `json:"allValue"`
	Current  struct {
		Value any `json:"value"`
	} `json:"current"`
}

type dashboardPanel struct {
	ID         int               `json:"id"`
	Type       string            `json:"type"`
	Title      string            `json:"title"`
	GridPos    *gridPos          `json:"gridPos"`
	Datasource *panelDatasource  `json:"datasource"`
	Targets    []json.RawMessage `json:"targets"`
	Panels     []dashboardPanel  `json:"panels"`
}

type gridPos struct{ H, W, X, Y int }

type panelDatasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// panelTarget is the part of a panel's query the checks dispatch on.
type panelTarget struct {
	RefID      string           `json:"refId"`
	QueryType  string           `json:"queryType"`
	Datasource *panelDatasource `json:"datasource"`
	Metrics    []string         `json:"metrics"`
}

type dashboardFile struct {
	path string
	dash dashboard
}

// loadDashboards parses every bundled dashboard.
func loadDashboards(t *testing.T) []dashboardFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dashboardsDir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, paths, "no dashboards under %s", dashboardsDir)
	out := make([]dashboardFile, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		var d dashboard
		require.NoError(t, json.Unmarshal(b, &d), "%s is not valid JSON", p)
		out = append(out, dashboardFile{path: p, dash: d})
	}
	return out
}

// allPanels flattens rows: a row's own panels count as much as top-level ones.
func allPanels(ps []dashboardPanel) []dashboardPanel {
	var out []dashboardPanel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, allPanels(p.Panels)...)
	}
	return out
}

func TestDashboardsAreWellFormed(t *testing.T) {
	uids := map[string]string{}
	for _, f := range loadDashboards(t) {
		t.Run(filepath.Base(f.path), func(t *testing.T) {
			d := f.dash
			assert.NotEmpty(t, d.Title)
			assert.NotEmpty(t, d.Description, "the description says what $target means")
			assert.GreaterOrEqual(t, d.SchemaVersion, 39)
			require.NotEmpty(t, d.UID)
			assert.NotContains(t, uids, d.UID, "uid already used by %s", uids[d.UID])
			uids[d.UID] = f.path

			vars := map[string]dashboardVar{}
			for _, v := range d.Templating.List {
				vars[v.Name] = v
			}
			require.Contains(t, vars, "datasource")
			assert.Equal(t, "datasource", vars["datasource"].Type)
			assert.Equal(t, pluginID, vars["datasource"].Query, "the datasource variable offers this plugin's data sources")
			require.Contains(t, vars, "target")
			assert.Contains(t, []string{"textbox", "custom", "query"}, vars["target"].Type)

			ids := map[int]bool{}
			queries := 0
			for _, p := range allPanels(d.Panels) {
				require.NotNil(t, p.GridPos, "panel %q has no gridPos", p.Title)
				assert.Positive(t, p.GridPos.W, "panel %q", p.Title)
				assert.Positive(t, p.GridPos.H, "panel %q", p.Title)
				assert.LessOrEqual(t, p.GridPos.X+p.GridPos.W, 24, "panel %q overflows the grid", p.Title)
				assert.False(t, ids[p.ID], "panel id %d of %q is used twice", p.ID, p.Title)
				ids[p.ID] = true
				if p.Type == "row" {
					continue
				}
				require.NotNil(t, p.Datasource, "panel %q has no datasource", p.Title)
				assert.Equal(t, panelDatasource{Type: pluginID, UID: "${datasource}"}, *p.Datasource, "panel %q", p.Title)
				require.NotEmpty(t, p.Targets, "panel %q has no queries", p.Title)
				for _, raw := range p.Targets {
					var pt panelTarget
					require.NoError(t, json.Unmarshal(raw, &pt))
					assert.NotEmpty(t, pt.RefID, "panel %q", p.Title)
					assert.Contains(t, models.QueryTypes, models.QueryType(pt.QueryType), "panel %q", p.Title)
					if pt.Datasource != nil {
						assert.Equal(t, "${datasource}", pt.Datasource.UID, "panel %q", p.Title)
					}
					if p.Type == "flamegraph" {
						assert.Equal(t, string(models.QueryTypeProfile), pt.QueryType, "flame graph panel %q", p.Title)
						pq, err := models.ParseProfileQuery(raw)
						require.NoError(t, err, "panel %q", p.Title)
						assert.Equal(t, models.ProfileOutputFlameGraph, pq.Output, "flame graph panel %q runs a flame graph profile query", p.Title)
					}
					if pt.QueryType == string(models.QueryTypeRuntime) {
						assert.NotEmpty(t, pt.Metrics, "panel %q names its metrics rather than relying on the default", p.Title)
						for _, m := range pt.Metrics {
							_, err := metrics.Lookup(m)
							assert.NoError(t, err, "panel %q", p.Title)
						}
					}
					queries++
				}
			}
			assert.Positive(t, queries)
		})
	}
}

func TestDashboardsAreIncludedInPluginJSON(t *testing.T) {
	b, err := os.ReadFile(pluginJSONPath)
	require.NoError(t, err)
	var pj struct {
		Includes []struct {
			Type     string `json:"type"`
			Name     string `json:"name"`
			Path     string `json:"path"`
			AddToNav bool   `json:"addToNav"`
		} `json:"includes"`
	}
	require.NoError(t, json.Unmarshal(b, &pj))
	included := map[string]bool{}
	for _, inc := range pj.Includes {
		if inc.Type != "dashboard" {
			continue
		}
		assert.NotEmpty(t, inc.Name)
		assert.False(t, inc.AddToNav)
		_, err := os.Stat(filepath.Join(filepath.Dir(pluginJSONPath), inc.Path))
		assert.NoError(t, err, "include %q", inc.Name)
		included[filepath.Clean(inc.Path)] = true
	}
	for _, f := range loadDashboards(t) {
		assert.True(t, included[filepath.Join("dashboards", filepath.Base(f.path))], "%s is not in plugin.json includes", f.path)
	}
}

// variablePattern matches $name, ${name} and ${name:format} references.
func variablePattern(name string) *regexp.Regexp {
	return regexp.MustCompile(`\$\{` + regexp.QuoteMeta(name) + `(?::[^}]*)?\}|\$` + regexp.QuoteMeta(name) + `\b`)
}

// interpolate does for a query what Grafana's template service and the frontend's
// applyTemplateVariables do before a query reaches the backend: every variable reference in
// a string value becomes the variable's value. Target variables take target when it is set,
// else their saved value, as a freshly imported dashboard would send them.
func interpolate(t *testing.T, raw json.RawMessage, vars []dashboardVar, target string) json.RawMessage {
	t.Helper()
	values := map[string]string{}
	for _, v := range vars {
		if v.Type == "datasource" {
			continue
		}
		val := fmt.Sprint(v.Current.Value)
		if list, ok := v.Current.Value.([]any); ok && len(list) > 0 {
			val = fmt.Sprint(list[0])
		}
		if val == "$__all" {
			val = v.AllValue // "All" with a custom all value, as Grafana sends it
		}
		if target != "" && strings.Contains(v.Name, "target") {
			val = target
		}
		values[v.Name] = val
	}
	var q map[string]any
	require.NoError(t, json.Unmarshal(raw, &q))
	var walk func(any) any
	walk = func(x any) any {
		switch x := x.(type) {
		case string:
			for name, val := range values {
				x = variablePattern(name).ReplaceAllLiteralString(x, val)
			}
			return x
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
			return x
		case map[string]any:
			for k, v := range x {
				if k != "datasource" {
					x[k] = walk(v)
				}
			}
			return x
		}
		return x
	}
	out, err := json.Marshal(walk(q))
	require.NoError(t, err)
	return out
}

// parseQuery runs the query model's parser of the query's type.
func parseQuery(queryType string, raw json.RawMessage) error {
	var err error
	switch models.QueryType(queryType) {
	case models.QueryTypeRuntime:
		var q *models.RuntimeQuery
		if q, _, err = models.ParseRuntimeQuery(raw); err == nil {
			for _, m := range q.Metrics {
				if _, err = metrics.Lookup(m); err != nil {
					break
				}
			}
		}
	case models.QueryTypeProfile:
		_, err = models.ParseProfileQuery(raw)
	case models.QueryTypeSuspects:
		_, err = models.ParseSuspectsQuery(raw)
	case models.QueryTypeGoroutines:
		_, err = models.ParseGoroutinesQuery(raw)
	default:
		err = fmt.Errorf("unknown queryType %q", queryType)
	}
	return err
}

// timeRange reads a dashboard's relative range ("now-6h" to "now").
func timeRange(t *testing.T, d dashboard, now time.Time) backend.TimeRange {
	t.Helper()
	rel := func(s string) time.Time {
		if s == "now" {
			return now
		}
		ago, ok := strings.CutPrefix(s, "now-")
		require.True(t, ok, "time %q is not relative to now", s)
		dur, err := gtime.ParseDuration(ago)
		require.NoError(t, err)
		return now.Add(-dur)
	}
	return backend.TimeRange{From: rel(d.Time.From), To: rel(d.Time.To)}
}

// startLeakyApp builds and starts the demo service with heap and goroutine leaks and
// allocation churn, and returns its base URL.
func startLeakyApp(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "leakyapp")
	build := exec.Command("go", "build", "-o", bin, "./examples/leakyapp")
	build.Dir = "../.."
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build ./examples/leakyapp: %s", out)
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0",
		"-registry-bytes-per-sec", "2097152", "-goroutines-per-sec", "20", "-churn-bytes-per-sec", "16777216")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	r := bufio.NewReader(stdout)
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	require.True(t, ok, "unexpected first line %q", line)
	go func() { _, _ = r.WriteTo(discardWriter{}) }()
	return url
}

type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// newDashboardDatasource is a real instance scraping the demo service at test speed.
func newDashboardDatasource(t *testing.T, url string) *Datasource {
	t.Helper()
	js, err := json.Marshal(map[string]any{
		"targets":               []map[string]any{{"name": demoTarget, "url": url, "labels": map[string]string{"env": "test"}}},
		"scrapeInterval":        "200ms",
		"profileIntervals":      map[string]string{"heap": "200ms"},
		"goroutineDumpInterval": "300ms",
		"storagePath":           t.TempDir(),
	})
	require.NoError(t, err)
	inst, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{UID: "dashboards", JSONData: js})
	require.NoError(t, err)
	ds := inst.(*Datasource)
	t.Cleanup(ds.Dispose)
	return ds
}

// checkPanelResponse says what is wrong with a panel's answer, or "" when it is what the
// panel type needs.
func checkPanelResponse(panelType string, raw json.RawMessage, dr backend.DataResponse) string {
	if dr.Error != nil {
		return "error: " + dr.Error.Error()
	}
	if len(dr.Frames) == 0 {
		return "no frames"
	}
	switch panelType {
	case "flamegraph":
		q, err := models.ParseProfileQuery(raw)
		if err != nil {
			return err.Error()
		}
		f := dr.Frames[0]
		if f.Meta == nil || f.Meta.PreferredVisualization != data.VisTypeFlameGraph {
			return "not a flame graph frame"
		}
		for _, name := range []string{"level", "value", "self", "label"} {
			if _, i := f.FieldByName(name); i < 0 {
				return "flame graph frame without a " + name + " field"
			}
		}
		if f.Rows() == 0 && len(f.Meta.Notices) == 0 {
			return "empty flame graph without a notice saying why"
		}
		if q.Baseline == "" && f.Rows() == 0 {
			return "empty flame graph although heap snapshots are stored: " + f.Meta.Notices[0].Text
		}
		if q.Baseline != "" {
			_, right := f.FieldByName("valueRight")
			missing := slices.ContainsFunc(f.Meta.Notices, func(n data.Notice) bool { return strings.HasPrefix(n.Text, "baseline:") })
			if right < 0 && !missing {
				return "diff flame graph without valueRight and without a notice about its baseline"
			}
		}
	case "timeseries":
		points := 0
		for _, f := range dr.Frames {
			if len(f.Fields) == 0 {
				continue
			}
			tf, _ := f.FieldByName(data.TimeSeriesTimeFieldName)
			if tf == nil || (tf.Type() != data.FieldTypeTime && tf.Type() != data.FieldTypeNullableTime) {
				return fmt.Sprintf("frame %q has no time field", f.Name)
			}
			points += f.Rows()
		}
		if points == 0 {
			return "no points although the demo service has been scraped"
		}
	}
	return ""
}

// TestDashboardQueriesRunAgainstTheDemoService sends every query of every bundled dashboard,
// interpolated as Grafana would, through a real data source instance scraping the real demo
// service, and checks each answer fits its panel.
func TestDashboardQueriesRunAgainstTheDemoService(t *testing.T) {
	dashes := loadDashboards(t)
	ds := newDashboardDatasource(t, startLeakyApp(t))
	ctx := context.Background()

	// Enough history for every derived signal: the suspects ranking needs three heap snapshots
	// and growing groups three goroutine dumps; a fourth makes the range-start diff compare two
	// different snapshots. Rates and slopes get their scrapes meanwhile.
	start := time.Now().Add(-time.Minute)
	require.Eventually(t, func() bool {
		for _, kind := range []string{"heap", kindGoroutineDump} {
			metas, err := ds.snapshots.List(ctx, demoTarget, kind, start, time.Now().Add(time.Second))
			if err != nil || len(metas) < 4 {
				return false
			}
		}
		return true
	}, 15*time.Second, 100*time.Millisecond, "the demo service's heap snapshots and goroutine dumps were not stored in time")

	type panelQuery struct {
		dash, panel, panelType, refID, queryType string
		raw                                      json.RawMessage
		tr                                       backend.TimeRange
	}
	var queries []panelQuery
	now := time.Now()
	for _, f := range dashes {
		vars := f.dash.Templating.List
		tr := timeRange(t, f.dash, now)
		for _, p := range allPanels(f.dash.Panels) {
			for _, raw := range p.Targets {
				var pt panelTarget
				require.NoError(t, json.Unmarshal(raw, &pt))
				// As imported (saved variable values) and with the targets named explicitly.
				for _, target := range []string{"", demoTarget} {
					q := interpolate(t, raw, vars, target)
					require.NoError(t, parseQuery(pt.QueryType, q), "%s: panel %q query %s: %s", f.dash.Title, p.Title, pt.RefID, q)
					queries = append(queries, panelQuery{f.dash.Title, p.Title, p.Type, pt.RefID, pt.QueryType, q, tr})
				}
			}
		}
	}
	require.NotEmpty(t, queries)

	run := func(logf func(string, ...any)) []string {
		var failures []string
		for _, q := range queries {
			resp, err := ds.QueryData(ctx, &backend.QueryDataRequest{
				PluginContext: backend.PluginContext{PluginID: pluginID},
				Queries: []backend.DataQuery{{
					RefID: q.refID, QueryType: q.queryType, JSON: q.raw, TimeRange: q.tr,
					MaxDataPoints: 1000, Interval: 15 * time.Second,
				}},
			})
			if err != nil {
				failures = append(failures, fmt.Sprintf("%s / %s: request failed: %v", q.dash, q.panel, err))
				continue
			}
			dr := resp.Responses[q.refID]
			logf("%s / %s: %s", q.dash, q.panel, describeResponse(dr))
			if msg := checkPanelResponse(q.panelType, q.raw, dr); msg != "" {
				failures = append(failures, fmt.Sprintf("%s / %s (%s): %s", q.dash, q.panel, q.raw, msg))
			}
		}
		return failures
	}
	// Slopes and windowed estimates need a few points past the first GC cycles: retry briefly.
	var failures []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		if failures = run(func(string, ...any) {}); len(failures) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, f := range failures {
		t.Error(f)
	}
	if testing.Verbose() {
		run(t.Logf)
	}
}

// describeResponse summarises an answer for the verbose log: frames, rows and notices.
func describeResponse(dr backend.DataResponse) string {
	if dr.Error != nil {
		return "error " + dr.Error.Error()
	}
	rows := 0
	var notices []string
	for _, f := range dr.Frames {
		rows += f.Rows()
		if f.Meta != nil {
			for _, n := range f.Meta.Notices {
				notices = append(notices, n.Text)
			}
		}
	}
	return fmt.Sprintf("%d frames, %d rows, notices %q", len(dr.Frames), rows, notices)
}
