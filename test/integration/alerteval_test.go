package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/dataplane/sdata/numeric"
	"github.com/grafana/dataplane/sdata/timeseries"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"go.yaml.in/yaml/v3"
)

// This file evaluates provisioned alert rules the way Grafana's alerting does, for the subset
// of server-side expressions the provisioned rules use (reduce, math with comparisons and
// arithmetic, threshold), so that a test can tell when a rule's condition turns true against
// real services. No Grafana server runs where the tests run; anything outside that subset is
// an error rather than a guess.

// provisionedRules is the part of Grafana's alerting provisioning file the evaluator reads.
type provisionedRules struct {
	Groups []struct {
		Interval string         `yaml:"interval"`
		Rules    []alertRuleDef `yaml:"rules"`
	} `yaml:"groups"`
}

// alertRuleDef is one provisioned rule: its queries and expressions, and its condition.
type alertRuleDef struct {
	UID       string `yaml:"uid"`
	Title     string `yaml:"title"`
	Condition string `yaml:"condition"`
	For       string `yaml:"for"`
	Data      []struct {
		RefID             string `yaml:"refId"`
		RelativeTimeRange *struct {
			From int64 `yaml:"from"`
			To   int64 `yaml:"to"`
		} `yaml:"relativeTimeRange"`
		DatasourceUID string         `yaml:"datasourceUid"`
		Model         map[string]any `yaml:"model"`
	} `yaml:"data"`
	// interval is the group's evaluation interval.
	interval time.Duration
}

func loadProvisionedRules(path string) ([]alertRuleDef, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f provisionedRules
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	var out []alertRuleDef
	for _, g := range f.Groups {
		every, err := time.ParseDuration(g.Interval)
		if err != nil {
			return nil, fmt.Errorf("group interval %q: %w", g.Interval, err)
		}
		for _, r := range g.Rules {
			r.interval = every
			out = append(out, r)
		}
	}
	return out, nil
}

// instance is one labelled value of an expression: a number, or a series before it is reduced.
type instance struct {
	labels data.Labels
	number float64
	series []float64 // nil for a number
	// isSeries tells a series (possibly empty) from a number.
	isSeries bool
}

// evaluateRule runs the rule's queries through the plugin and its expressions locally, and
// returns the condition's value per instance (labels as text) and every node's values, for
// the test log.
func evaluateRule(p *pluginProc, s settings, r alertRuleDef, now time.Time) (map[string]float64, string, error) {
	results := map[string][]instance{}
	pending := len(r.Data)
	for pending > 0 {
		progressed := false
		for _, d := range r.Data {
			if _, done := results[d.RefID]; done {
				continue
			}
			var (
				out []instance
				err error
			)
			if d.DatasourceUID == "__expr__" {
				out, err = evalExpression(d.Model, results)
				if errors.Is(err, errNotReady) {
					continue
				}
			} else {
				if d.RelativeTimeRange == nil {
					return nil, "", fmt.Errorf("%s: query %s has no relative time range", r.UID, d.RefID)
				}
				span := time.Duration(d.RelativeTimeRange.From-d.RelativeTimeRange.To) * time.Second
				out, err = runRuleQuery(p, s, d.RefID, d.Model, now.Add(-span), now)
			}
			if err != nil {
				return nil, "", fmt.Errorf("%s: %s: %w", r.UID, d.RefID, err)
			}
			results[d.RefID] = out
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
		if in.isSeries {
			return nil, "", fmt.Errorf("%s: condition %s is a time series; alerting needs numbers", r.UID, r.Condition)
		}
		out[in.labels.String()] = in.number
	}
	return out, describeNodes(r, results), nil
}

// describeNodes lists each node's values per target, e.g. "A{goroutines}=3 B{goroutines}=14400".
func describeNodes(r alertRuleDef, results map[string][]instance) string {
	var parts []string
	for _, d := range r.Data {
		for _, in := range results[d.RefID] {
			v := fmt.Sprintf("%.4g", in.number)
			if in.isSeries {
				v = fmt.Sprintf("series[%d]", len(in.series))
			}
			parts = append(parts, fmt.Sprintf("%s{%s}=%s", d.RefID, in.labels["target"], v))
		}
	}
	return strings.Join(parts, " ")
}

// runRuleQuery sends one rule query to the plugin as Grafana's alerting does and reads the
// frames through the dataplane readers.
func runRuleQuery(p *pluginProc, s settings, refID string, model map[string]any, from, to time.Time) ([]instance, error) {
	js, err := json.Marshal(model)
	if err != nil {
		return nil, err
	}
	qt, _ := model["queryType"].(string)
	every := time.Second
	if ms, ok := model["intervalMs"].(int); ok {
		every = time.Duration(ms) * time.Millisecond
	}
	maxPoints := int64(43200)
	if n, ok := model["maxDataPoints"].(int); ok {
		maxPoints = int64(n)
	}
	req := &backend.QueryDataRequest{
		PluginContext: s.pluginContext(),
		Queries: []backend.DataQuery{{
			RefID: refID, QueryType: qt, JSON: js, Interval: every, MaxDataPoints: maxPoints,
			TimeRange: backend.TimeRange{From: from, To: to},
		}},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	protoResp, err := p.data.QueryData(ctx, backend.ToProto().QueryDataRequest(req))
	if err != nil {
		return nil, err
	}
	resp, err := backend.FromProto().QueryDataResponse(protoResp)
	if err != nil {
		return nil, err
	}
	dr := resp.Responses[refID]
	if dr.Error != nil {
		return nil, dr.Error
	}
	if len(dr.Frames) == 0 || dr.Frames[0].Meta == nil {
		return nil, nil // no data
	}
	var out []instance
	switch dr.Frames[0].Meta.Type {
	case data.FrameTypeNumericMulti:
		rd, err := numeric.CollectionReaderFromFrames(dr.Frames)
		if err != nil {
			return nil, err
		}
		c, err := rd.GetCollection(false)
		if err != nil {
			return nil, err
		}
		for _, ref := range c.Refs {
			v, empty, err := ref.NullableFloat64Value()
			if err != nil {
				return nil, err
			}
			if empty {
				continue
			}
			n := math.NaN()
			if v != nil {
				n = *v
			}
			out = append(out, instance{labels: ref.GetLabels(), number: n})
		}
	case data.FrameTypeTimeSeriesMulti:
		rd, err := timeseries.CollectionReaderFromFrames(dr.Frames)
		if err != nil {
			return nil, err
		}
		c, err := rd.GetCollection(true)
		if err != nil {
			return nil, err
		}
		for _, ref := range c.Refs {
			n, err := ref.Len()
			if err != nil {
				return nil, err
			}
			in := instance{labels: ref.GetLabels(), isSeries: true, series: []float64{}}
			for i := 0; i < n; i++ {
				v, err := ref.NullableFloat64Value(i)
				if err != nil {
					return nil, err
				}
				if v == nil {
					in.series = append(in.series, math.NaN())
				} else {
					in.series = append(in.series, *v)
				}
			}
			out = append(out, in)
		}
	default:
		return nil, fmt.Errorf("frame type %q cannot be alerted on", dr.Frames[0].Meta.Type)
	}
	return out, nil
}

var errNotReady = errors.New("inputs not evaluated yet")

func evalExpression(model map[string]any, results map[string][]instance) ([]instance, error) {
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
		var out []instance
		for _, v := range in {
			if !v.isSeries {
				out = append(out, v) // Grafana passes numbers through a reduction
				continue
			}
			n, err := reduce(reducer, mode, v.series)
			if err != nil {
				return nil, err
			}
			out = append(out, instance{labels: v.labels, number: n})
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
		var out []instance
		for _, v := range in {
			if v.isSeries {
				return nil, errors.New("threshold on a time series: reduce it first")
			}
			var hit bool
			switch kind {
			case "gt":
				hit = v.number > limit
			case "lt":
				hit = v.number < limit
			default:
				return nil, fmt.Errorf("threshold type %q is not supported by this evaluator", kind)
			}
			out = append(out, instance{labels: v.labels, number: boolNum(hit)})
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

// mathNode is a parsed math expression: a $refId, a number, or an operator over operands.
type mathNode struct {
	ref  string
	num  float64
	op   string
	args []*mathNode
}

func (n *mathNode) refs() []string {
	if n.ref != "" {
		return []string{n.ref}
	}
	var out []string
	for _, a := range n.args {
		out = append(out, a.refs()...)
	}
	return out
}

// eval computes the expression per instance. Binary operators join instances whose labels
// are equal or one a subset of the other, as Grafana's math expressions do; a plain number
// joins everything.
func (n *mathNode) eval(results map[string][]instance) ([]instance, error) {
	switch {
	case n.ref != "":
		for _, v := range results[n.ref] {
			if v.isSeries {
				return nil, fmt.Errorf("$%s is a time series: reduce it first", n.ref)
			}
		}
		return results[n.ref], nil
	case n.op == "":
		return []instance{{labels: data.Labels{}, number: n.num}}, nil
	case n.op == "neg":
		in, err := n.args[0].eval(results)
		if err != nil {
			return nil, err
		}
		out := make([]instance, len(in))
		for i, v := range in {
			out[i] = instance{labels: v.labels, number: -v.number}
		}
		return out, nil
	}
	left, err := n.args[0].eval(results)
	if err != nil {
		return nil, err
	}
	right, err := n.args[1].eval(results)
	if err != nil {
		return nil, err
	}
	var out []instance
	for _, a := range left {
		for _, b := range right {
			if !labelsSubset(a.labels, b.labels) && !labelsSubset(b.labels, a.labels) {
				continue
			}
			union := data.Labels{}
			for k, v := range a.labels {
				union[k] = v
			}
			for k, v := range b.labels {
				union[k] = v
			}
			out = append(out, instance{labels: union, number: apply(n.op, a.number, b.number)})
		}
	}
	return out, nil
}

func labelsSubset(a, b data.Labels) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func apply(op string, a, b float64) float64 {
	switch op {
	case "+":
		return a + b
	case "-":
		return a - b
	case "*":
		return a * b
	case "/":
		return a / b
	case ">":
		return boolNum(a > b)
	case "<":
		return boolNum(a < b)
	case ">=":
		return boolNum(a >= b)
	case "<=":
		return boolNum(a <= b)
	case "==":
		return boolNum(a == b)
	case "!=":
		return boolNum(a != b)
	case "&&":
		return boolNum(a != 0 && b != 0)
	case "||":
		return boolNum(a != 0 || b != 0)
	}
	return math.NaN()
}

// Operator precedence, loosest first, as in Grafana's math expressions (Go's).
var mathLevels = [][]string{{"||"}, {"&&"}, {"==", "!=", ">=", "<=", ">", "<"}, {"+", "-"}, {"*", "/"}}

type mathParser struct {
	toks []string
	pos  int
}

func parseMath(s string) (*mathNode, error) {
	toks, err := mathTokens(s)
	if err != nil {
		return nil, err
	}
	p := &mathParser{toks: toks}
	n, err := p.level(0)
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos])
	}
	return n, nil
}

func (p *mathParser) level(i int) (*mathNode, error) {
	if i == len(mathLevels) {
		return p.unary()
	}
	left, err := p.level(i + 1)
	if err != nil {
		return nil, err
	}
	for p.pos < len(p.toks) && slices.Contains(mathLevels[i], p.toks[p.pos]) {
		op := p.toks[p.pos]
		p.pos++
		right, err := p.level(i + 1)
		if err != nil {
			return nil, err
		}
		left = &mathNode{op: op, args: []*mathNode{left, right}}
	}
	return left, nil
}

func (p *mathParser) unary() (*mathNode, error) {
	if p.pos >= len(p.toks) {
		return nil, errors.New("unexpected end")
	}
	t := p.toks[p.pos]
	p.pos++
	switch {
	case t == "-":
		arg, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &mathNode{op: "neg", args: []*mathNode{arg}}, nil
	case t == "(":
		n, err := p.level(0)
		if err != nil {
			return nil, err
		}
		if p.pos >= len(p.toks) || p.toks[p.pos] != ")" {
			return nil, errors.New("missing )")
		}
		p.pos++
		return n, nil
	case strings.HasPrefix(t, "$"):
		return &mathNode{ref: strings.Trim(t[1:], "{}")}, nil
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return nil, fmt.Errorf("unexpected %q", t)
	}
	return &mathNode{num: v}, nil
}

func mathTokens(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '$':
			j := i + 1
			for j < len(s) && (isWordByte(s[j]) || s[j] == '{' || s[j] == '}') {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		case c >= '0' && c <= '9' || c == '.':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || s[j] == 'e' || s[j] == 'E') {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		case strings.ContainsRune("()+-*/", rune(c)):
			toks = append(toks, string(c))
			i++
		default:
			if i+1 < len(s) && slices.Contains([]string{"&&", "||", ">=", "<=", "==", "!="}, s[i:i+2]) {
				toks = append(toks, s[i:i+2])
				i += 2
			} else if c == '>' || c == '<' {
				toks = append(toks, string(c))
				i++
			} else {
				return nil, fmt.Errorf("unexpected %q at %d", c, i)
			}
		}
	}
	return toks, nil
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
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
