// Package alertrules reads Grafana alerting provisioning files and evaluates their rules the
// way Grafana's alerting does, for the subset of server-side expressions the plugin's
// provisioned rules use. No Grafana server runs where the plugin is tested, so the tests use
// it to check that the shipped rules provision and that they fire when they should.
package alertrules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.yaml.in/yaml/v3"
)

// ExpressionUID is the data source uid of server-side expressions.
const ExpressionUID = "__expr__"

// File is Grafana's file provisioning format for alerting, as far as the rules use it.
type File struct {
	APIVersion int     `yaml:"apiVersion"`
	Groups     []Group `yaml:"groups"`
}

// Group is a rule group: rules evaluated together every Interval.
type Group struct {
	OrgID    int64  `yaml:"orgId"`
	Name     string `yaml:"name"`
	Folder   string `yaml:"folder"`
	Interval string `yaml:"interval"`
	Rules    []Rule `yaml:"rules"`
}

// Rule is one provisioned alert rule.
type Rule struct {
	UID          string            `yaml:"uid"`
	Title        string            `yaml:"title"`
	Condition    string            `yaml:"condition"`
	Data         []Query           `yaml:"data"`
	NoDataState  string            `yaml:"noDataState"`
	ExecErrState string            `yaml:"execErrState"`
	For          string            `yaml:"for"`
	Annotations  map[string]string `yaml:"annotations"`
	Labels       map[string]string `yaml:"labels"`
	IsPaused     bool              `yaml:"isPaused"`
}

// Query is one node of a rule: a data source query, or an expression when DatasourceUID is
// ExpressionUID.
type Query struct {
	RefID             string             `yaml:"refId"`
	RelativeTimeRange *RelativeTimeRange `yaml:"relativeTimeRange"`
	DatasourceUID     string             `yaml:"datasourceUid"`
	Model             map[string]any     `yaml:"model"`
}

// IsExpression tells a server-side expression from a data source query.
func (q Query) IsExpression() bool { return q.DatasourceUID == ExpressionUID }

// RelativeTimeRange is in seconds before the evaluation time.
type RelativeTimeRange struct {
	From int64 `yaml:"from"`
	To   int64 `yaml:"to"`
}

// Span is the length of the range a query reads.
func (r RelativeTimeRange) Span() time.Duration { return time.Duration(r.From-r.To) * time.Second }

// Decode reads one provisioning document strictly: a misspelt key is an error instead of being
// silently ignored (Grafana would ignore it too, and the rule would not do what it says).
func Decode(raw []byte) (File, error) {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil {
		return File{}, fmt.Errorf("decode alerting provisioning: %w", err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return File{}, errors.New("decode alerting provisioning: more than one YAML document")
	}
	return f, nil
}

// Scheduled is a rule with its group's evaluation interval.
type Scheduled struct {
	Rule
	Interval time.Duration
}

// Load reads a provisioning file and returns its rules with their groups' intervals.
func Load(path string) ([]Scheduled, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []Scheduled
	for _, g := range f.Groups {
		every, err := time.ParseDuration(g.Interval)
		if err != nil {
			return nil, fmt.Errorf("%s: group %q: interval %q: %w", path, g.Name, g.Interval, err)
		}
		for _, r := range g.Rules {
			out = append(out, Scheduled{Rule: r, Interval: every})
		}
	}
	return out, nil
}
