package plugin

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/leakwatch/pprof-datasource/pkg/models"
)

// selectTargets resolves a query's target selectors against the configured targets, in
// configuration order. Names must exist; /regex/ entries match names (anchored); "*" or no
// selector means all. Only configured targets can ever be selected: a query cannot name a URL.
func selectTargets(selectors []string, configured []models.Target) ([]models.Target, error) {
	var names []string
	var res []*regexp.Regexp
	all := len(selectors) == 0
	for _, s := range selectors {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
			continue
		case s == "*":
			all = true
		case strings.HasPrefix(s, "$"):
			return nil, fmt.Errorf("target %q is a template variable that was not replaced; alert rules and API calls must name targets", s)
		case len(s) >= 2 && strings.HasPrefix(s, "/") && strings.HasSuffix(s, "/"):
			re, err := regexp.Compile("^(?:" + s[1:len(s)-1] + ")$")
			if err != nil {
				return nil, fmt.Errorf("target pattern %s is not a valid regular expression: %w", s, err)
			}
			res = append(res, re)
		default:
			names = append(names, s)
		}
	}
	if len(names) == 0 && len(res) == 0 {
		all = true
	}
	byName := make(map[string]bool, len(configured))
	for _, t := range configured {
		byName[t.Name] = true
	}
	want := make(map[string]bool, len(names))
	for _, n := range names {
		if !byName[n] {
			return nil, fmt.Errorf("unknown target %q: it is not configured in this data source", n)
		}
		want[n] = true
	}
	out := make([]models.Target, 0, len(configured))
	for _, t := range configured {
		ok := all || want[t.Name]
		for _, re := range res {
			ok = ok || re.MatchString(t.Name)
		}
		if ok {
			out = append(out, t)
		}
	}
	return out, nil
}
