package integration

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/leakwatch/pprof-datasource/internal/alertrules"
)

// ruleRunner sends a rule's queries to the plugin binary over the plugin protocol, with the
// interval and point budget the rule's model asks for, as Grafana's alerting does.
func ruleRunner(p *pluginProc, s settings) alertrules.QueryRunner {
	return func(q alertrules.Query, from, to time.Time) (backend.DataResponse, error) {
		js, err := json.Marshal(q.Model)
		if err != nil {
			return backend.DataResponse{}, err
		}
		qt, _ := q.Model["queryType"].(string)
		every := time.Second
		if ms, ok := q.Model["intervalMs"].(int); ok {
			every = time.Duration(ms) * time.Millisecond
		}
		maxPoints := int64(43200)
		if n, ok := q.Model["maxDataPoints"].(int); ok {
			maxPoints = int64(n)
		}
		req := &backend.QueryDataRequest{
			PluginContext: s.pluginContext(),
			Queries: []backend.DataQuery{{
				RefID: q.RefID, QueryType: qt, JSON: js, Interval: every, MaxDataPoints: maxPoints,
				TimeRange: backend.TimeRange{From: from, To: to},
			}},
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		protoResp, err := p.data.QueryData(ctx, backend.ToProto().QueryDataRequest(req))
		if err != nil {
			return backend.DataResponse{}, err
		}
		resp, err := backend.FromProto().QueryDataResponse(protoResp)
		if err != nil {
			return backend.DataResponse{}, err
		}
		return resp.Responses[q.RefID], nil
	}
}

// sortedKeys lists a condition result's instances in a stable order for messages.
func sortedKeys(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
