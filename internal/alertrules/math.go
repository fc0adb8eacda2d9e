package alertrules

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

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
func (n *mathNode) eval(results map[string][]Instance) ([]Instance, error) {
	switch {
	case n.ref != "":
		for _, v := range results[n.ref] {
			if v.IsSeries {
				return nil, fmt.Errorf("$%s is a time series: reduce it first", n.ref)
			}
		}
		return results[n.ref], nil
	case n.op == "":
		return []Instance{{Labels: data.Labels{}, Number: n.num}}, nil
	case n.op == "neg":
		in, err := n.args[0].eval(results)
		if err != nil {
			return nil, err
		}
		out := make([]Instance, len(in))
		for i, v := range in {
			out[i] = Instance{Labels: v.Labels, Number: -v.Number}
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
	var out []Instance
	for _, a := range left {
		for _, b := range right {
			if !labelsSubset(a.Labels, b.Labels) && !labelsSubset(b.Labels, a.Labels) {
				continue
			}
			union := data.Labels{}
			for k, v := range a.Labels {
				union[k] = v
			}
			for k, v := range b.Labels {
				union[k] = v
			}
			out = append(out, Instance{Labels: union, Number: apply(n.op, a.Number, b.Number)})
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
