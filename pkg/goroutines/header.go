package goroutines

import (
	"bytes"
	"strconv"
	"strings"
)

// header reads "goroutine <id>[ gp=0x… m=<n> mp=0x…] [<status>[ (scan)][, <N> minutes]
// [, locked to thread][, <other>]...][ {<labels>}]:".
func (p *dumpParser) header(n int, line []byte) (*Goroutine, error) {
	rest := line[len("goroutine "):]
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	id, ok := parseDigits(rest[:i])
	if !ok {
		return nil, syntaxErr(n, "a goroutine id after \"goroutine \"", line)
	}
	rest = rest[i:]
	// Tokens such as gp=0x... m=3 mp=0x... (GOTRACEBACK=system or crash) come before the
	// bracket; they describe the scheduler, not the goroutine, so they are checked and skipped.
	for {
		if len(rest) == 0 || rest[0] != ' ' {
			return nil, syntaxErr(n, expHeader, line)
		}
		rest = rest[1:]
		if len(rest) > 0 && rest[0] == '[' {
			break
		}
		tok := rest
		if j := bytes.IndexByte(rest, ' '); j >= 0 {
			tok = rest[:j]
		}
		if k := bytes.IndexByte(tok, '='); k <= 0 {
			return nil, syntaxErr(n, `"[<status>]" or a "<key>=<value>" token after the goroutine id`, line)
		}
		rest = rest[len(tok):]
	}
	end := bytes.IndexByte(rest, ']')
	if end < 0 {
		return nil, syntaxErr(n, `"]" closing the status`, line)
	}
	inner, after := rest[1:end], rest[end+1:]
	g := &Goroutine{ID: id}
	switch {
	case string(after) == ":":
	case bytes.HasPrefix(after, []byte(" {")) && bytes.HasSuffix(after, []byte("}:")):
		labels, ok := parseLabels(after[2:len(after)-2], p.in)
		if !ok {
			return nil, syntaxErr(n, `labels as "{<key>: <value>, ...}"`, line)
		}
		g.Labels = labels
	default:
		return nil, syntaxErr(n, `"]:" or " {<labels>}:" ending the header`, line)
	}
	parts := strings.Split(string(inner), ", ")
	status := parts[0]
	for _, q := range parts[1:] {
		switch {
		case q == "locked to thread":
			g.LockedToThread = true
		case strings.HasSuffix(q, " minutes") || strings.HasSuffix(q, " minute"):
			m, err := strconv.Atoi(q[:strings.LastIndexByte(q, ' ')])
			if err != nil || m < 0 {
				return nil, syntaxErr(n, `"<N> minutes"`, line)
			}
			g.WaitMinutes = m
		case q == "":
			return nil, syntaxErr(n, "a qualifier after \", \"", line)
		default:
			g.Flags = append(g.Flags, p.in.get([]byte(q)))
		}
	}
	status, g.Scan, g.Flags = splitMarkers(status, g.Flags, p.in)
	if status == "" {
		return nil, syntaxErr(n, "a status inside the brackets", line)
	}
	g.Status = p.in.get([]byte(status))
	return g, nil
}

// splitMarkers strips trailing parenthesised markers from a status. Parentheses can belong
// to the wait reason ("select (no cases)", "chan send (durable)"), so a marker is taken off
// only when it is "(scan)" or "(leaked)", or when what precedes it is a known status and the
// whole is not. An unknown reason with parentheses is kept verbatim.
func splitMarkers(status string, flags []string, in interner) (string, bool, []string) {
	scan := false
	var markers []string
	for strings.HasSuffix(status, ")") && !IsKnownStatus(status) {
		k := strings.LastIndex(status, " (")
		if k < 0 {
			break
		}
		m, head := status[k+1:], status[:k]
		switch {
		case m == "(scan)":
			scan = true
		case m == "(leaked)" || IsKnownStatus(head):
			markers = append(markers, in.get([]byte(m)))
		default:
			return status, scan, append(markers, flags...)
		}
		status = head
	}
	return status, scan, append(markers, flags...)
}

// parseLabels reads "k: v, k2: v2" (debug=2, Go 1.27) or `"k":"v", "k2":"v2"` (debug=1):
// keys and values are either Go-quoted strings or bare text up to the next separator.
func parseLabels(b []byte, in interner) (map[string]string, bool) {
	s := string(b)
	labels := map[string]string{}
	for len(s) > 0 {
		k, rest, ok := labelToken(s, ":")
		if !ok || !strings.HasPrefix(rest, ":") {
			return nil, false
		}
		rest = strings.TrimLeft(rest[1:], " ")
		v, rest, ok := labelToken(rest, ", ")
		if !ok {
			return nil, false
		}
		labels[in.get([]byte(k))] = in.get([]byte(v))
		if rest == "" {
			break
		}
		if !strings.HasPrefix(rest, ", ") || len(rest) == 2 {
			return nil, false
		}
		s = rest[2:]
	}
	return labels, true
}

func labelToken(s, sep string) (tok, rest string, ok bool) {
	if strings.HasPrefix(s, `"`) {
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return "", "", false
		}
		u, err := strconv.Unquote(q)
		if err != nil {
			return "", "", false
		}
		return u, s[len(q):], true
	}
	i := strings.Index(s, sep)
	if i < 0 {
		i = len(s)
	}
	if i == 0 && sep == ":" {
		return "", "", false
	}
	return s[:i], s[i:], true
}
