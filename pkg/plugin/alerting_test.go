package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"expvar"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/leakwatch/pprof-datasource/internal/alertrules"
	"github.com/leakwatch/pprof-datasource/pkg/metrics"
	"github.com/leakwatch/pprof-datasource/pkg/models"
)

const (
	alertingDir    = "../../provisioning/alerting"
	datasourcesYML = "../../provisioning/datasources/datasources.yml"
	// pluginID is the plugin's id, as data sources and dashboards reference it.
	pluginID = "leakwatch-pprof-datasource"
)

// bundledDashboards returns the uids of the dashboards the plugin ships, read from the
// dashboards themselves: an alert links to one, and a hand-written list once let every link
// point at uids no dashboard had.
func bundledDashboards(t *testing.T) []string {
	t.Helper()
	var uids []string
	for _, f := range loadDashboards(t) {
		uids = append(uids, f.dash.UID)
	}
	return uids
}

// The alerting provisioning format, decoded strictly (see alertrules.Decode).
type (
	alertFile  = alertrules.File
	alertGroup = alertrules.Group
	alertRule  = alertrules.Rule
	alertQuery = alertrules.Query
)

// provisionedRule is a rule with the file and group it came from, for messages.
type provisionedRule struct {
	alertRule
	file     string
	group    alertGroup
	interval time.Duration
}

func (r provisionedRule) String() string { return fmt.Sprintf("%s: rule %q", r.file, r.UID) }

func loadAlertFiles(t *testing.T) map[string]alertFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(alertingDir, "*.yaml"))
	require.NoError(t, err)
	more, err := filepath.Glob(filepath.Join(alertingDir, "*.yml"))
	require.NoError(t, err)
	paths = append(paths, more...)
	require.NotEmpty(t, paths, "no alert rule files under %s", alertingDir)
	out := map[string]alertFile{}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		require.NoError(t, err)
		f, err := alertrules.Decode(raw)
		require.NoError(t, err, "%s does not decode as one alerting provisioning document", p)
		out[filepath.Base(p)] = f
	}
	return out
}

func loadAlertRules(t *testing.T) []provisionedRule {
	t.Helper()
	var rules []provisionedRule
	for name, f := range loadAlertFiles(t) {
		for _, g := range f.Groups {
			iv, _ := time.ParseDuration(g.Interval)
			for _, r := range g.Rules {
				rules = append(rules, provisionedRule{alertRule: r, file: name, group: g, interval: iv})
			}
		}
	}
	slices.SortFunc(rules, func(a, b provisionedRule) int { return strings.Compare(a.UID, b.UID) })
	return rules
}

// provisionedDatasourceUID is the uid of the plugin's data source in the provisioning the
// rules are shipped with: a rule naming any other uid would fail to provision.
func provisionedDatasourceUID(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(datasourcesYML)
	require.NoError(t, err)
	var f struct {
		Datasources []struct {
			UID  string `yaml:"uid"`
			Type string `yaml:"type"`
		} `yaml:"datasources"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &f))
	for _, ds := range f.Datasources {
		if ds.Type == pluginID {
			require.NotEmpty(t, ds.UID, "the provisioned data source needs a fixed uid for rules to refer to")
			return ds.UID
		}
	}
	t.Fatalf("%s provisions no %s data source", datasourcesYML, pluginID)
	return ""
}

func isExpression(q alertQuery) bool { return q.IsExpression() }

var mathRefRE = regexp.MustCompile(`\$\{([^}]+)\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// expressionInputs returns the refIds an expression reads: the `expression` of reduce and
// threshold, every $X or ${X} of a math expression.
func expressionInputs(q alertQuery) ([]string, error) {
	expr, _ := q.Model["expression"].(string)
	typ, _ := q.Model["type"].(string)
	switch typ {
	case "reduce", "threshold":
		if strings.TrimSpace(expr) == "" {
			return nil, fmt.Errorf("%s expression %s has no input", typ, q.RefID)
		}
		return []string{strings.TrimSpace(expr)}, nil
	case "math":
		var refs []string
		for _, m := range mathRefRE.FindAllStringSubmatch(expr, -1) {
			ref := m[1] + m[2]
			if !slices.Contains(refs, ref) {
				refs = append(refs, ref)
			}
		}
		if len(refs) == 0 {
			return nil, fmt.Errorf("math expression %s (%q) reads no query", q.RefID, expr)
		}
		return refs, nil
	default:
		return nil, fmt.Errorf("expression %s has type %q; these rules use reduce, math and threshold", q.RefID, typ)
	}
}

func checkExpressionModel(q alertQuery) error {
	switch q.Model["type"] {
	case "reduce":
		reducers := []string{"last", "mean", "min", "max", "sum", "count", "median"}
		if r, _ := q.Model["reducer"].(string); !slices.Contains(reducers, r) {
			return fmt.Errorf("reduce %s: reducer %q is not one of %v", q.RefID, q.Model["reducer"], reducers)
		}
		if s, ok := q.Model["settings"].(map[string]any); ok {
			if m, _ := s["mode"].(string); !slices.Contains([]string{"", "dropNN", "replaceNN"}, m) {
				return fmt.Errorf("reduce %s: mode %q is not dropNN or replaceNN", q.RefID, m)
			}
		}
	case "threshold":
		conds, _ := q.Model["conditions"].([]any)
		if len(conds) != 1 {
			return fmt.Errorf("threshold %s needs exactly one condition, has %d", q.RefID, len(conds))
		}
		c, _ := conds[0].(map[string]any)
		ev, _ := c["evaluator"].(map[string]any)
		typ, _ := ev["type"].(string)
		params, _ := ev["params"].([]any)
		want := map[string]int{"gt": 1, "lt": 1, "within_range": 2, "outside_range": 2}
		n, ok := want[typ]
		if !ok {
			return fmt.Errorf("threshold %s: evaluator %q is not one of gt, lt, within_range, outside_range", q.RefID, typ)
		}
		if len(params) < n {
			return fmt.Errorf("threshold %s: evaluator %s needs %d params, has %d", q.RefID, typ, n, len(params))
		}
		for _, p := range params[:n] {
			switch p.(type) {
			case int, float64:
			default:
				return fmt.Errorf("threshold %s: param %v is not a number", q.RefID, p)
			}
		}
	}
	return nil
}

func TestAlertRulesProvisionStructure(t *testing.T) {
	dsUID := provisionedDatasourceUID(t)
	dashboards := bundledDashboards(t)
	require.Len(t, dashboards, 4, "the four bundled dashboards")
	files := loadAlertFiles(t)
	uids := map[string]string{}
	for name, f := range files {
		assert.Equal(t, 1, f.APIVersion, "%s: apiVersion", name)
		require.NotEmpty(t, f.Groups, "%s has no rule groups", name)
		for _, g := range f.Groups {
			assert.Positive(t, g.OrgID, "%s: group %q needs an orgId", name, g.Name)
			assert.NotEmpty(t, g.Name, "%s: a group needs a name", name)
			assert.NotEmpty(t, g.Folder, "%s: group %q needs a folder", name, g.Name)
			iv, err := time.ParseDuration(g.Interval)
			if assert.NoError(t, err, "%s: group %q interval", name, g.Name) {
				assert.Zero(t, iv%(10*time.Second), "%s: group %q interval %s is not a multiple of Grafana's 10s base interval", name, g.Name, iv)
				assert.Positive(t, iv)
			}
			assert.NotEmpty(t, g.Rules, "%s: group %q has no rules", name, g.Name)
			for _, r := range g.Rules {
				require.NotEmpty(t, r.UID, "%s: rule %q has no uid", name, r.Title)
				assert.LessOrEqual(t, len(r.UID), 40, "%s: uid %q is longer than Grafana allows", name, r.UID)
				if prev, dup := uids[r.UID]; dup {
					t.Errorf("%s: uid %q is already used in %s", name, r.UID, prev)
				}
				uids[r.UID] = name
			}
		}
	}

	for _, r := range loadAlertRules(t) {
		t.Run(r.UID, func(t *testing.T) {
			assert.NotEmpty(t, r.Title, r.String())
			assert.Contains(t, []string{"NoData", "Alerting", "OK", "KeepLast"}, r.NoDataState, "%s: noDataState", r)
			assert.Contains(t, []string{"Error", "Alerting", "OK", "KeepLast"}, r.ExecErrState, "%s: execErrState", r)
			forDur, err := time.ParseDuration(r.For)
			if assert.NoError(t, err, "%s: for", r) && r.interval > 0 {
				assert.Zero(t, forDur%r.interval, "%s: for %s is not a whole number of evaluations of %s", r, forDur, r.interval)
			}
			assert.False(t, r.IsPaused, "%s ships paused", r)

			assert.NotEmpty(t, strings.TrimSpace(r.Annotations["summary"]), "%s: summary", r)
			desc := r.Annotations["description"]
			assert.NotEmpty(t, strings.TrimSpace(desc), "%s: description", r)
			dash := r.Annotations["__dashboardUid__"]
			assert.Contains(t, dashboards, dash, "%s: __dashboardUid__ must name a bundled dashboard", r)
			assert.Contains(t, desc, "/d/"+dash, "%s: the description links the dashboard it names", r)
			for _, uid := range regexp.MustCompile(`/d/([a-z0-9-]+)`).FindAllStringSubmatch(desc, -1) {
				assert.Contains(t, dashboards, uid[1], "%s: description links an unknown dashboard", r)
			}

			refs := map[string]alertQuery{}
			for _, q := range r.Data {
				require.NotEmpty(t, q.RefID, "%s: a query has no refId", r)
				_, dup := refs[q.RefID]
				require.False(t, dup, "%s: refId %s is used twice", r, q.RefID)
				refs[q.RefID] = q
				if ref, _ := q.Model["refId"].(string); ref != "" {
					assert.Equal(t, q.RefID, ref, "%s: model refId differs from the query's", r)
				}
			}
			cond, ok := refs[r.Condition]
			require.True(t, ok, "%s: condition %q is not a refId of its data", r, r.Condition)
			assert.True(t, isExpression(cond), "%s: the condition should be an expression, not a raw query", r)

			for _, q := range r.Data {
				if isExpression(q) {
					ins, err := expressionInputs(q)
					require.NoError(t, err, r.String())
					for _, in := range ins {
						_, known := refs[in]
						assert.True(t, known, "%s: expression %s reads %s, which is not a refId of the rule", r, q.RefID, in)
						assert.NotEqual(t, q.RefID, in, "%s: expression %s reads itself", r, q.RefID)
					}
					assert.NoError(t, checkExpressionModel(q), r.String())
					continue
				}
				assert.Equal(t, dsUID, q.DatasourceUID, "%s: query %s must use the provisioned data source", r, q.RefID)
				if ds, ok := q.Model["datasource"].(map[string]any); ok {
					assert.Equal(t, dsUID, ds["uid"], "%s: query %s model datasource uid", r, q.RefID)
					assert.Equal(t, pluginID, ds["type"], "%s: query %s model datasource type", r, q.RefID)
				}
				if assert.NotNil(t, q.RelativeTimeRange, "%s: query %s has no relativeTimeRange", r, q.RefID) {
					assert.Greater(t, q.RelativeTimeRange.From, q.RelativeTimeRange.To, "%s: query %s range is empty", r, q.RefID)
					assert.GreaterOrEqual(t, q.RelativeTimeRange.To, int64(0), "%s: query %s range ends in the future", r, q.RefID)
				}
				assert.NoError(t, parseAlertQuery(q), "%s: query %s", r, q.RefID)
			}
			assert.NoError(t, checkAcyclic(refs, r.Condition), r.String())
		})
	}
}

// checkAcyclic walks the expression graph from the condition: Grafana rejects cycles.
func checkAcyclic(refs map[string]alertQuery, from string) error {
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(string) error
	visit = func(ref string) error {
		switch state[ref] {
		case 1:
			return fmt.Errorf("expression %s depends on itself", ref)
		case 2:
			return nil
		}
		state[ref] = 1
		if q, ok := refs[ref]; ok && isExpression(q) {
			ins, _ := expressionInputs(q)
			for _, in := range ins {
				if err := visit(in); err != nil {
					return err
				}
			}
		}
		state[ref] = 2
		return nil
	}
	return visit(from)
}

// parseAlertQuery parses a plugin query's model with the parser its query type dispatches
// to, and checks what the parsers leave to query time: metric names and alertable outputs.
func parseAlertQuery(q alertQuery) error {
	raw, err := json.Marshal(q.Model)
	if err != nil {
		return fmt.Errorf("model does not encode as JSON: %w", err)
	}
	switch qt, _ := q.Model["queryType"].(string); models.QueryType(qt) {
	case models.QueryTypeRuntime:
		rq, _, err := models.ParseRuntimeQuery(raw)
		if err != nil {
			return err
		}
		for _, m := range rq.Metrics {
			if _, err := metrics.Lookup(m); err != nil {
				return err
			}
		}
		if len(rq.Metrics) != 1 {
			return fmt.Errorf("a rule query should ask for one metric, so its instances are labelled by target alone; got %v", rq.Metrics)
		}
	case models.QueryTypeGoroutines:
		gq, err := models.ParseGoroutinesQuery(raw)
		if err != nil {
			return err
		}
		if gq.Output != models.GoroutinesOutputSignals {
			return fmt.Errorf("goroutines output %q is a table or display series; rules read output signals", gq.Output)
		}
	case models.QueryTypeSuspects:
		sq, err := models.ParseSuspectsQuery(raw)
		if err != nil {
			return err
		}
		if sq.Output != "series" {
			return fmt.Errorf("suspects output %q is a table; rules read output series", sq.Output)
		}
	default:
		return fmt.Errorf("queryType %q is not an alertable query type (runtime, goroutines, suspects)", qt)
	}
	return nil
}

// alertChurn allocates and drops memory until stop is closed, so the test process runs
// automatic GC cycles and the GC metrics have something to measure.
func alertChurn(stop <-chan struct{}) {
	var keep [][]byte
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			keep = append(keep, make([]byte, 32<<10))
			if len(keep) > 64 {
				keep = keep[:0]
			}
		}
	}
}

// alertTargets are the targets the rule queries run against; the labels check that a
// target's extra labels keep every instance unique.
var alertTargets = []struct {
	name   string
	labels map[string]string
}{
	{"api", map[string]string{"env": "test"}},
	{"worker", nil},
}

func newAlertingDatasource(t *testing.T) *Datasource {
	t.Helper()
	var targets []map[string]any
	for _, at := range alertTargets {
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.Handle("/debug/vars", expvar.Handler())
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		targets = append(targets, map[string]any{"name": at.name, "url": srv.URL, "labels": at.labels})
	}
	off := map[string]string{}
	for _, p := range []string{"heap", "goroutine", "block", "mutex", "threadcreate", "goroutineleak"} {
		off[p] = "off" // the rules read no profiles; keep the test's scrapes cheap
	}
	js, err := json.Marshal(map[string]any{
		"targets": targets, "scrapeInterval": "200ms", "goroutineDumpInterval": "300ms",
		"profileIntervals": off, "storagePath": t.TempDir(),
	})
	require.NoError(t, err)
	inst, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{UID: provisionedDatasourceUID(t), JSONData: js})
	require.NoError(t, err)
	ds := inst.(*Datasource)
	t.Cleanup(ds.Dispose)
	return ds
}

// ruleQuery is one plugin query of a rule, ready to send.
type ruleQuery struct {
	rule  string
	refID string
	model map[string]any
	json  []byte
	span  time.Duration
	every time.Duration
	max   int64
}

func (q ruleQuery) String() string { return q.rule + "/" + q.refID }

// dataQuery builds what Grafana's evaluator sends for the query at now. The range keeps its
// length but ends at now: a baseline range such as "an hour ago" has no data in a test whose
// targets are seconds old, and what matters here is the shape of the frames.
func (q ruleQuery) dataQuery(now time.Time) backend.DataQuery {
	qt, _ := q.model["queryType"].(string)
	return backend.DataQuery{
		RefID: q.refID, QueryType: qt, JSON: q.json, Interval: q.every, MaxDataPoints: q.max,
		TimeRange: backend.TimeRange{From: now.Add(-q.span), To: now},
	}
}

func number(v any, def int64) int64 {
	switch n := v.(type) {
	case int:
		return int64(n)
	case float64:
		return int64(n)
	}
	return def
}

// instancesOf reads a response the way Grafana's expression engine does (the dataplane path
// picked by the first frame's type) and returns the label set of every instance.
func instancesOf(dr backend.DataResponse) ([]data.Labels, error) {
	ins, err := alertrules.FromResponse(dr)
	if errors.Is(err, alertrules.ErrNoData) {
		return nil, errors.New("no typed frames: Grafana would take the legacy path or report no data")
	}
	if err != nil {
		return nil, err
	}
	var labels []data.Labels
	for _, in := range ins {
		if in.Null {
			return nil, fmt.Errorf("instance %s has no value", in.Labels)
		}
		labels = append(labels, in.Labels)
	}
	seen := map[string]bool{}
	for _, l := range labels {
		if seen[l.String()] {
			return nil, fmt.Errorf("frame cannot uniquely be identified by its labels: %s appears twice", l)
		}
		seen[l.String()] = true
		if l["target"] == "" {
			return nil, fmt.Errorf("instance %s has no target label", l)
		}
	}
	return labels, nil
}

func targetsOf(ls []data.Labels) []string {
	var out []string
	for _, l := range ls {
		if !slices.Contains(out, l["target"]) {
			out = append(out, l["target"])
		}
	}
	slices.Sort(out)
	return out
}

// labelsJoin reports whether Grafana's math can pair a and b: identical, or one a subset.
func labelsJoin(a, b data.Labels) bool {
	sub := func(x, y data.Labels) bool {
		for k, v := range x {
			if y[k] != v {
				return false
			}
		}
		return true
	}
	return sub(a, b) || sub(b, a)
}

// TestAlertRuleQueriesReturnAlertableFrames runs every plugin query of every provisioned
// rule through a real data source instance scraping real net/http/pprof and expvar
// handlers, and reads the answers as Grafana's alerting does.
func TestAlertRuleQueriesReturnAlertableFrames(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	go alertChurn(stop)

	rules := loadAlertRules(t)
	var queries []ruleQuery
	for _, r := range rules {
		for _, q := range r.Data {
			if isExpression(q) {
				continue
			}
			require.NotNil(t, q.RelativeTimeRange, "%s: query %s", r, q.RefID)
			require.NoError(t, parseAlertQuery(q), "%s: query %s", r, q.RefID)
			js, err := json.Marshal(q.Model)
			require.NoError(t, err)
			queries = append(queries, ruleQuery{
				rule: r.UID, refID: q.RefID, model: q.Model, json: js,
				span:  q.RelativeTimeRange.Span(),
				every: time.Duration(number(q.Model["intervalMs"], 1000)) * time.Millisecond,
				max:   number(q.Model["maxDataPoints"], 43200),
			})
		}
	}
	require.NotEmpty(t, queries)

	ds := newAlertingDatasource(t)
	var want []string
	for _, at := range alertTargets {
		want = append(want, at.name)
	}
	slices.Sort(want)

	// Slopes need three post-GC points, growing groups three snapshots and signals a dump:
	// poll until every query has an instance for every target.
	got := map[string][]data.Labels{}
	deadline := time.Now().Add(10 * time.Second)
	for {
		missing := []string{}
		for _, q := range queries {
			resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{q.dataQuery(time.Now())}})
			require.NoError(t, err, q.String())
			ls, err := instancesOf(resp.Responses[q.refID])
			require.NoError(t, err, "%s: frames are not alertable", q)
			got[q.String()] = ls
			if !slices.Equal(targetsOf(ls), want) {
				missing = append(missing, fmt.Sprintf("%s has instances for %v", q, targetsOf(ls)))
			}
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s some rule queries still lack a target (want %v):\n%s", want, strings.Join(missing, "\n"))
		}
		time.Sleep(250 * time.Millisecond)
	}

	for _, q := range queries {
		ls := got[q.String()]
		t.Logf("%s: %d instances %v", q, len(ls), ls)
		for _, l := range ls {
			for _, at := range alertTargets {
				if at.name != l["target"] {
					continue
				}
				for k, v := range at.labels {
					assert.Equal(t, v, l[k], "%s: instance %s lacks its target's label %s", q, l, k)
				}
			}
			if _, ok := l["metric"]; ok {
				t.Errorf("%s: instance %s carries a metric label; a one-metric query keeps {target, labels}", q, l)
			}
			if sigs, ok := q.model["signals"].([]any); ok {
				assert.Contains(t, sigs, l["signal"], "%s: instance %s is not one of the signals the rule asks for", q, l)
			}
		}
		if _, ok := q.model["signals"]; ok {
			assert.Len(t, ls, len(want), "%s: one signal, so one instance per target", q)
		}
	}

	// Math expressions pair instances by labels; every instance of one input must find its
	// partner in every other, or the rule would silently drop it.
	for _, r := range rules {
		inst := map[string][]data.Labels{}
		for _, q := range r.Data {
			if !isExpression(q) {
				inst[q.RefID] = got[r.UID+"/"+q.RefID]
			}
		}
		// Expressions can come before their inputs in the file: resolve until nothing changes.
		for changed := true; changed; {
			changed = false
			for _, q := range r.Data {
				if _, done := inst[q.RefID]; done || !isExpression(q) {
					continue
				}
				ins, err := expressionInputs(q)
				require.NoError(t, err)
				var union []data.Labels
				ready := true
				for _, in := range ins {
					ls, ok := inst[in]
					if !ok {
						ready = false
						break
					}
					union = append(union, ls...)
				}
				if !ready {
					continue
				}
				if q.Model["type"] == "math" {
					for _, a := range ins {
						for _, b := range ins {
							for _, la := range inst[a] {
								assert.True(t, slices.ContainsFunc(inst[b], func(lb data.Labels) bool { return labelsJoin(la, lb) }),
									"%s: math %s: instance %s of %s has no partner in %s %v", r, q.RefID, la, a, b, inst[b])
							}
						}
					}
				}
				inst[q.RefID] = union
				changed = true
			}
		}
		assert.Contains(t, inst, r.Condition, "%s: condition %s could not be resolved from the queries", r, r.Condition)
	}
}
