package profiles

import (
	"fmt"
	"regexp"

	"github.com/google/pprof/profile"
)

// FilterResult says whether the focus and ignore expressions matched any frame, so a query can
// tell an empty result caused by a filter from an empty profile. A field is false only when
// its expression was given and matched nothing.
type FilterResult struct {
	FocusMatched  bool
	IgnoreMatched bool
}

// Filter keeps the samples of p with a frame matching focus and drops those with a frame
// matching ignore, exactly like `go tool pprof -focus=… -ignore=…`: an expression matches a
// frame's function name, its file name or its mapping's file. Empty expressions do nothing.
func Filter(p *profile.Profile, focus, ignore string) (FilterResult, error) {
	focusRE, err := compileFilter("focus", focus)
	if err != nil {
		return FilterResult{}, err
	}
	ignoreRE, err := compileFilter("ignore", ignore)
	if err != nil {
		return FilterResult{}, err
	}
	if focusRE == nil && ignoreRE == nil {
		return FilterResult{FocusMatched: true, IgnoreMatched: true}, nil
	}
	fm, im, _, _ := p.FilterSamplesByName(focusRE, ignoreRE, nil, nil)
	return FilterResult{FocusMatched: fm || focusRE == nil, IgnoreMatched: im || ignoreRE == nil}, nil
}

func compileFilter(name, expr string) (*regexp.Regexp, error) {
	if expr == "" {
		return nil, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("%s %q is not a valid regular expression: %w", name, expr, err)
	}
	return re, nil
}
