package integration

import (
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAlertMathEvaluator checks the local evaluator on the provisioned rules' own math
// expressions, so that a wrong precedence or label join cannot make the compose rehearsal pass.
func TestAlertMathEvaluator(t *testing.T) {
	num := func(target string, v float64) instance {
		return instance{labels: data.Labels{"target": target}, number: v}
	}
	cases := []struct {
		expr   string
		inputs map[string][]instance
		want   map[string]float64
	}{
		{
			expr: "$D >= 0.9 && $E >= 0.2 && $E >= 1.5 * $F",
			inputs: map[string][]instance{
				"D": {num("a", 0.95), num("b", 0.95)},
				"E": {num("a", 0.3), num("b", 0.3)},
				"F": {num("a", 0.1), num("b", 0.25)}, // 1.5*0.25 = 0.375 > 0.3
			},
			want: map[string]float64{"target=a": 1, "target=b": 0},
		},
		{
			expr: "$A > 0 && $B > 60",
			inputs: map[string][]instance{
				// The signal instance carries one label more than the slope: they still join.
				"A": {{labels: data.Labels{"target": "a", "signal": "growing"}, number: 2}, {labels: data.Labels{"target": "b", "signal": "growing"}, number: 1}},
				"B": {num("a", 61), num("b", 59)},
			},
			want: map[string]float64{"signal=growing, target=a": 1, "signal=growing, target=b": 0},
		},
		{
			expr:   "-($A - 2) * 3 > -4 || $A == 10",
			inputs: map[string][]instance{"A": {num("a", 3), num("b", 10), num("c", 4)}},
			want:   map[string]float64{"target=a": 1, "target=b": 1, "target=c": 0},
		},
	}
	for _, c := range cases {
		e, err := parseMath(c.expr)
		require.NoError(t, err, c.expr)
		out, err := e.eval(c.inputs)
		require.NoError(t, err, c.expr)
		got := map[string]float64{}
		for _, in := range out {
			got[in.labels.String()] = in.number
		}
		assert.Equal(t, c.want, got, c.expr)
	}

	_, err := parseMath("$A >")
	assert.Error(t, err)
	_, err = parseMath("abs($A)")
	assert.Error(t, err, "functions are outside the subset and must not be guessed")

	series := map[string][]instance{"A": {{labels: data.Labels{"target": "a"}, isSeries: true, series: []float64{1, 2}}}}
	e, err := parseMath("$A > 1")
	require.NoError(t, err)
	_, err = e.eval(series)
	assert.ErrorContains(t, err, "reduce it first")
}
