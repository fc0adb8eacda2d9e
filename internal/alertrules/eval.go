package alertrules

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// QueryRunner runs one data source query of a rule over [from, to], as Grafana's alerting
// sends it to the data source.
type QueryRunner func(q Query, from, to time.Time) (backend.DataResponse, error)

// Evaluate runs the rule's queries with run and its expressions locally, and returns the
// condition's value per instance (labels as text) and a one-line account of every node's
// values, for logs. Expressions outside the supported subset (reduce with last, min, max,
// mean, sum or count; threshold gt or lt; math with arithmetic, comparisons, && and ||) are
// an error rather than a guess.
func Evaluate(r Rule, run QueryRunner, now time.Time) (map[string]float64, string, error) {
	results := map[string][]Instance{}
	for pending := len(r.Data); pending > 0; {
		progressed := false
		for _, q := range r.Data {
			if _, done := results[q.RefID]; done {
				continue
			}
			var (
				out []Instance
				err error
			)
			if q.IsExpression() {
				out, err = evalExpression(q.Model, results)
				if errors.Is(err, errNotReady) {
					continue
				}
			} else {
				if q.RelativeTimeRange == nil {
					return nil, "", fmt.Errorf("%s: query %s has no relative time range", r.UID, q.RefID)
				}
				var dr backend.DataResponse
				dr, err = run(q, now.Add(-q.RelativeTimeRange.Span()), now)
				if err == nil {
					out, err = FromResponse(dr)
					if errors.Is(err, ErrNoData) {
						out, err = nil, nil
					}
				}
			}
			if err != nil {
				return nil, "", fmt.Errorf("%s: %s: %w", r.UID, q.RefID, err)
			}
			results[q.RefID] = out
			pending--
			progressed = true
		}
		if !progressed {
			return nil, "", fmt.Errorf("%s: expressions refer to refIds that do not exist", r.UID)
		}
	}
	cond, ok := results[r.Condition]
	if !ok {
		return nil, "", fmt.Errorf("%s: condition %s is not a refId", r.UID, r.Condition)
	}
	out := map[string]float64{}
	for _, in := range cond {
		if in.IsSeries {
			return nil, "", fmt.Errorf("%s: condition %s is a time series; alerting needs numbers", r.UID, r.Condition)
		}
		out[in.Labels.String()] = in.Number
	}
	return out, describeNodes(r, results), nil
}

// Firing tells whether a condition value makes its instance fire: non-zero and not NaN.
func Firing(v float64) bool { return v != 0 && !math.IsNaN(v) }

// describeNodes lists each node's values per target, e.g. "A{goroutines}=3 B{goroutines}=1.44e+04".
func describeNodes(r Rule, results map[string][]Instance) string {
	var parts []string
	for _, q := range r.Data {
		for _, in := range results[q.RefID] {
			v := fmt.Sprintf("%.4g", in.Number)
			if in.IsSeries {
				v = fmt.Sprintf("series[%d]", len(in.Series))
			}
			parts = append(parts, fmt.Sprintf("%s{%s}=%s", q.RefID, in.Labels["target"], v))
		}
	}
	return strings.Join(parts, " ")
}

var errNotReady = errors.New("inputs not evaluated yet")

func evalExpression(model map[string]any, results map[string][]Instance) ([]Instance, error) {
	expr, _ := model["expression"].(string)
	switch model["type"] {
	case "reduce":
		in, ok := results[expr]
		if !ok {
			return nil, errNotReady
		}
		reducer, _ := model["reducer"].(string)
		mode := ""
		if st, ok := model["settings"].(map[string]any); ok {
			mode, _ = st["mode"].(string)
		}
		var out []Instance
		for _, v := range in {
			if !v.IsSeries {
				out = append(out, v) // Grafana passes numbers through a reduction
				continue
			}
			n, err := reduce(reducer, mode, v.Series)
			if err != nil {
				return nil, err
			}
			out = append(out, Instance{Labels: v.Labels, Number: n})
		}
		return out, nil
	case "threshold":
		in, ok := results[expr]
		if !ok {
			return nil, errNotReady
		}
		conds, _ := model["conditions"].([]any)
		if len(conds) != 1 {
			return nil, fmt.Errorf("threshold with %d conditions", len(conds))
		}
		ev, _ := conds[0].(map[string]any)["evaluator"].(map[string]any)
		kind, _ := ev["type"].(string)
		params, _ := ev["params"].([]any)
		if len(params) < 1 {
			return nil, errors.New("threshold without a parameter")
		}
		limit, err := toFloat(params[0])
		if err != nil {
			return nil, err
		}
		var out []Instance
		for _, v := range in {
			if v.IsSeries {
				return nil, errors.New("threshold on a time series: reduce it first")
			}
			var hit bool
			switch kind {
			case "gt":
				hit = v.Number > limit
			case "lt":
				hit = v.Number < limit
			default:
				return nil, fmt.Errorf("threshold type %q is not supported by this evaluator", kind)
			}
			out = append(out, Instance{Labels: v.Labels, Number: boolNum(hit)})
		}
		return out, nil
	case "math":
		e, err := parseMath(expr)
		if err != nil {
			return nil, fmt.Errorf("math %q: %w", expr, err)
		}
		for _, ref := range e.refs() {
			if _, ok := results[ref]; !ok {
				return nil, errNotReady
			}
		}
		return e.eval(results)
	}
	return nil, fmt.Errorf("expression type %v is not supported by this evaluator", model["type"])
}

func reduce(reducer, mode string, xs []float64) (float64, error) {
	vals := xs
	if mode == "dropNN" {
		vals = slices.DeleteFunc(slices.Clone(xs), func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) })
	}
	if reducer == "count" {
		return float64(len(vals)), nil
	}
	if len(vals) == 0 {
		return math.NaN(), nil
	}
	switch reducer {
	case "last":
		return vals[len(vals)-1], nil
	case "min":
		return slices.Min(vals), nil
	case "max":
		return slices.Max(vals), nil
	case "sum", "mean":
		sum := 0.0
		for _, v := range vals {
			sum += v
		}
		if reducer == "mean" {
			return sum / float64(len(vals)), nil
		}
		return sum, nil
	}
	return 0, fmt.Errorf("reducer %q is not supported by this evaluator", reducer)
}

func toFloat(v any) (float64, error) {
	switch n := v.(type) {
	case int:
		return float64(n), nil
	case float64:
		return n, nil
	}
	return 0, fmt.Errorf("%v is not a number", v)
}

func boolNum(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
