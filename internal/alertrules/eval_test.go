package alertrules

import (
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAlertMathEvaluator checks the evaluator on the provisioned rules' own math expressions,
// so that a wrong precedence or label join cannot make a rule look like it fires.
func TestAlertMathEvaluator(t *testing.T) {
	num := func(target string, v float64) Instance {
		return Instance{Labels: data.Labels{"target": target}, Number: v}
	}
	cases := []struct {
		expr   string
		inputs map[string][]Instance
		want   map[string]float64
	}{
		{
			expr: "$D >= 0.9 && $E >= 0.2 && $E >= 1.5 * $F",
			inputs: map[string][]Instance{
				"D": {num("a", 0.95), num("b", 0.95)},
				"E": {num("a", 0.3), num("b", 0.3)},
				"F": {num("a", 0.1), num("b", 0.25)}, // 1.5*0.25 = 0.375 > 0.3
			},
			want: map[string]float64{"target=a": 1, "target=b": 0},
		},
		{
			expr: "$A > 0 && $B > 60",
			inputs: map[string][]Instance{
				// The signal instance carries one label more than the slope: they still join.
				"A": {{Labels: data.Labels{"target": "a", "signal": "growing"}, Number: 2}, {Labels: data.Labels{"target": "b", "signal": "growing"}, Number: 1}},
				"B": {num("a", 61), num("b", 59)},
			},
			want: map[string]float64{"signal=growing, target=a": 1, "signal=growing, target=b": 0},
		},
		{
			expr:   "-($A - 2) * 3 > -4 || $A == 10",
			inputs: map[string][]Instance{"A": {num("a", 3), num("b", 10), num("c", 4)}},
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
			got[in.Labels.String()] = in.Number
		}
		assert.Equal(t, c.want, got, c.expr)
	}

	_, err := parseMath("$A >")
	assert.Error(t, err)
	_, err = parseMath("abs($A)")
	assert.Error(t, err, "functions are outside the subset and must not be guessed")

	series := map[string][]Instance{"A": {{Labels: data.Labels{"target": "a"}, IsSeries: true, Series: []float64{1, 2}}}}
	e, err := parseMath("$A > 1")
	require.NoError(t, err)
	_, err = e.eval(series)
	assert.ErrorContains(t, err, "reduce it first")
}

func TestDecodeIsStrict(t *testing.T) {
	_, err := Decode([]byte("apiVersion: 1\ngroups:\n  - name: g\n    interval: 1m\n    rules:\n      - uid: r\n        condtion: C\n"))
	assert.ErrorContains(t, err, "condtion", "a misspelt key is an error")

	_, err = Decode([]byte("apiVersion: 1\n---\napiVersion: 1\n"))
	assert.ErrorContains(t, err, "more than one YAML document")

	f, err := Decode([]byte("apiVersion: 1\ngroups:\n  - name: g\n    interval: 1m\n    rules:\n      - uid: r\n        condition: C\n"))
	require.NoError(t, err)
	assert.Equal(t, "C", f.Groups[0].Rules[0].Condition)
}
