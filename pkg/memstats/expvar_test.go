package memstats

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseExpvarCaptures(t *testing.T) {
	for _, c := range captures {
		t.Run(c, func(t *testing.T) {
			body := readTestdata(t, c+".vars.json")
			m, err := ParseExpvar(body)
			require.NoError(t, err)

			// Compare against strconv on the raw text: a float64 detour would change the
			// last digits of LastGC and PauseEnd.
			assert.Equal(t, rawUint(t, body, `"LastGC":(\d+)`), m.LastGC)
			assert.Equal(t, rawUint(t, body, `"NextGC":(\d+)`), m.NextGC)
			assert.Equal(t, rawUint(t, body, `"HeapSys":(\d+)`), m.HeapSys)
			assert.Equal(t, rawUint(t, body, `"StackInuse":(\d+)`), m.StackInuse)
			assert.Equal(t, rawUint(t, body, `"StackSys":(\d+)`), m.StackSys)
			assert.Equal(t, rawUint(t, body, `"PauseTotalNs":(\d+)`), m.PauseTotalNs)
			assert.Equal(t, uint32(rawUint(t, body, `"NumGC":(\d+)`)), m.NumGC)
			comma := regexp.MustCompile(`,`)
			assert.Equal(t, rawRing(t, body, `"PauseNs":\[([^\]]*)\]`, comma), m.PauseNs)
			assert.Equal(t, rawRing(t, body, `"PauseEnd":\[([^\]]*)\]`, comma), m.PauseEnd)
			assert.True(t, m.HasPauseTotal)
			assert.False(t, m.HasMaxRSS, "expvar has no MaxRSS")
			checkIdentities(t, m)

			// With no wrap, the ring holds every pause, so it sums to PauseTotalNs.
			if m.NumGC <= RingSize {
				var sum uint64
				for _, p := range m.PauseNs {
					sum += p
				}
				assert.Equal(t, m.PauseTotalNs, sum)
			}
		})
	}
}

// TestParseExpvarMatchesEncodingJSON decodes the captures with encoding/json into the
// real runtime.MemStats field types as an independent oracle.
func TestParseExpvarMatchesEncodingJSON(t *testing.T) {
	for _, c := range captures {
		t.Run(c, func(t *testing.T) {
			body := readTestdata(t, c+".vars.json")
			var doc struct {
				MemStats MemStats `json:"memstats"`
			}
			require.NoError(t, json.Unmarshal(body, &doc))
			want := doc.MemStats
			want.HasPauseTotal = true
			got, err := ParseExpvar(body)
			require.NoError(t, err)
			assert.Equal(t, &want, got)
		})
	}
}

func TestParseExpvarKeyOrderAndExtras(t *testing.T) {
	body := readTestdata(t, "small.vars.json")
	want, err := ParseExpvar(body)
	require.NoError(t, err)

	var top map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &top))
	var ms map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(top["memstats"], &ms))
	keys := make([]string, 0, len(ms))
	for k := range ms {
		keys = append(keys, k)
	}
	// Reverse-sorted keys, pretty-printed, with an escaped key, an unknown key holding
	// nested values and other top-level variables around memstats.
	var b strings.Builder
	b.WriteString("{\n  \"zzz\": {\"memstats\": [1, {\"a\": null}]},\n  \"memstats\": {\n")
	for i := len(keys) - 1; i >= 0; i-- {
		k := keys[i]
		if k == "Alloc" {
			k = `\u0041lloc`
		}
		fmt.Fprintf(&b, "    \"%s\": %s,\n", k, ms[keys[i]])
		if i == 0 {
			b.WriteString(`    "FutureField": {"x": [true, false, null, "s\"\\", -1.5e3]}` + "\n")
		}
	}
	b.WriteString("  },\n  \"aaa\": \"memstats\"\n}\n")
	require.Regexp(t, `\\u0041lloc`, b.String())

	got, err := ParseExpvar([]byte(b.String()))
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestParseExpvarPrecision(t *testing.T) {
	body := readTestdata(t, "small.vars.json")
	for _, v := range []uint64{1<<53 + 1, 1795456524139884799, math.MaxUint64} {
		s := strconv.FormatUint(v, 10)
		b := regexp.MustCompile(`"LastGC":\d+`).ReplaceAll(body, []byte(`"LastGC":`+s))
		b = regexp.MustCompile(`"PauseEnd":\[\d+`).ReplaceAll(b, []byte(`"PauseEnd":[`+s))
		m, err := ParseExpvar(b)
		require.NoError(t, err)
		assert.Equal(t, v, m.LastGC)
		assert.Equal(t, v, m.PauseEnd[0])
	}
}

func TestParseExpvarWithoutPauseTotal(t *testing.T) {
	body := readTestdata(t, "small.vars.json")
	b := regexp.MustCompile(`"PauseTotalNs":\d+,`).ReplaceAll(body, nil)
	m, err := ParseExpvar(b)
	require.NoError(t, err)
	assert.False(t, m.HasPauseTotal)
	assert.Zero(t, m.PauseTotalNs)
}

func TestParseExpvarMalformed(t *testing.T) {
	good := readTestdata(t, "small.vars.json")
	replace := func(re, repl string) []byte {
		b := regexp.MustCompile(re).ReplaceAll(good, []byte(repl))
		require.NotEqual(t, good, b, "pattern %s did not match", re)
		return b
	}
	deep := []byte(`{"x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`)

	tests := []struct {
		name    string
		body    []byte
		is      error // nil when only the message is checked
		message []string
	}{
		{"empty", nil, ErrNotJSON, []string{"body is not JSON", "empty"}},
		{"whitespace", []byte(" \n\t"), ErrNotJSON, []string{"empty"}},
		{"html page", readTestdata(t, "small.index.html"), ErrNotJSON, []string{"body is not JSON", `'<'`, `"<html>`}},
		{"404 text", []byte("404 page not found\n"), ErrNotJSON, []string{"body is not JSON", `"404 page not found`}},
		{"heap profile", readTestdata(t, "small.heap-debug1.txt"), ErrNotJSON, []string{"body is not JSON"}},
		{"truncated", good[:len(good)/2], ErrNotJSON, []string{"unexpected end of input near memstats.BySize"}},
		{"truncated in ring", good[:bytes.Index(good, []byte(`"PauseNs":[`))+20], ErrNotJSON, []string{"unexpected end of input near memstats.PauseNs"}},
		{"truncated after memstats", good[:len(good)-3], ErrNotJSON, []string{"unexpected end of input"}},
		{"trailing garbage", append(bytes.Clone(good), "}"...), ErrNotJSON, []string{"after top-level value"}},
		{"missing comma", replace(`,"Sys"`, ` "Sys"`), ErrNotJSON, []string{"after object key:value pair near memstats.TotalAlloc"}},
		{"no memstats", []byte(`{"cmdline":["./app"],"requests":42}`), ErrNoMemStats, []string{"no memstats object: the target does not publish runtime.MemStats via expvar"}},
		{"empty object", []byte(`{}`), ErrNoMemStats, nil},
		{"top-level array", []byte(`[{"memstats":{}}]`), ErrNoMemStats, []string{"top-level value is an array"}},
		{"memstats null", []byte(`{"memstats":null}`), ErrNoMemStats, []string{"memstats is null"}},
		{"memstats string", []byte(`{"memstats":"x"}`), ErrNoMemStats, []string{"memstats is a string"}},
		{"memstats empty", []byte(`{"memstats":{}}`), nil, []string{"lacks Alloc, TotalAlloc", "GCCPUFraction"}},
		{"missing NumGC", replace(`"NumGC":\d+,`, ""), nil, []string{"memstats object lacks NumGC:"}},
		{"garbage in number", replace(`"NumGC":(\d+)`, `"NumGC":${1}x`), nil, []string{"memstats.NumGC", `malformed number "7x"`}},
		{"bare word", replace(`"Sys":\d+`, `"Sys":abc`), nil, []string{"memstats.Sys: want a number, got invalid character 'a'"}},
		{"leading zero", replace(`"Frees":\d+`, `"Frees":007`), nil, []string{"memstats.Frees", `malformed number "007"`}},
		{"negative", replace(`"Alloc":\d+`, `"Alloc":-1`), nil, []string{"memstats.Alloc", `negative value "-1"`}},
		{"fraction", replace(`"HeapSys":\d+`, `"HeapSys":1.5`), nil, []string{"memstats.HeapSys", `want a non-negative integer, got "1.5"`}},
		{"exponent", replace(`"HeapSys":\d+`, `"HeapSys":1e3`), nil, []string{"memstats.HeapSys", "want a non-negative integer"}},
		{"string number", replace(`"HeapIdle":\d+`, `"HeapIdle":"12"`), nil, []string{"memstats.HeapIdle", "want a number, got a string"}},
		{"null number", replace(`"HeapIdle":\d+`, `"HeapIdle":null`), nil, []string{"memstats.HeapIdle", "got null"}},
		{"overflow uint64", replace(`"LastGC":\d+`, `"LastGC":18446744073709551616`), nil, []string{"memstats.LastGC", `"18446744073709551616" overflows uint64`}},
		{"overflow uint32", replace(`"NumGC":\d+`, `"NumGC":4294967296`), nil, []string{"memstats.NumGC", "overflows uint32"}},
		{"negative fraction", replace(`"GCCPUFraction":[0-9.e-]+`, `"GCCPUFraction":-0.5`), nil, []string{"memstats.GCCPUFraction", "negative value"}},
		{"huge fraction", replace(`"GCCPUFraction":[0-9.e-]+`, `"GCCPUFraction":1e999`), nil, []string{"memstats.GCCPUFraction", "overflows float64"}},
		{"ring not array", replace(`"PauseNs":\[[^\]]*\]`, `"PauseNs":7`), nil, []string{"memstats.PauseNs: want an array, got a number"}},
		{"ring short", replace(`"PauseNs":\[\d+,`, `"PauseNs":[`), nil, []string{"memstats.PauseNs: has 255 entries, want 256"}},
		{"ring long", replace(`"PauseEnd":\[`, `"PauseEnd":[1,`), nil, []string{"memstats.PauseEnd: more than 256 entries"}},
		{"ring entry", replace(`"PauseNs":\[(\d+),(\d+),(\d+),`, `"PauseNs":[$1,$2,$3,-4,`), nil, []string{"memstats.PauseNs[3]", "negative value"}},
		{"ring garbage", replace(`"PauseEnd":\[(\d+),`, `"PauseEnd":[${1}z,`), nil, []string{"memstats.PauseEnd[0]", "malformed number"}},
		{"too deep", deep, ErrNotJSON, []string{"max nesting depth"}},
		{"bad escape", []byte(`{"a":"\x"}`), ErrNotJSON, []string{"string escape"}},
		{"control char", []byte("{\"a\":\"\x01\"}"), ErrNotJSON, []string{"in string literal"}},
		{"trailing comma", []byte(`{"a":1,}`), ErrNotJSON, []string{"object key"}},
		{"long garbage", append([]byte(`{"memstats":{"Alloc":1`), bytes.Repeat([]byte("x"), 1<<20)...), nil, []string{"memstats.Alloc: malformed number", `xxx"...`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseExpvar(tt.body)
			require.Error(t, err)
			assert.Nil(t, m)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			} else {
				assert.NotErrorIs(t, err, ErrNotJSON)
				assert.NotErrorIs(t, err, ErrNoMemStats)
			}
			for _, s := range tt.message {
				assert.Contains(t, err.Error(), s)
			}
			assert.True(t, strings.HasPrefix(err.Error(), "expvar: "), err.Error())
			assert.Less(t, len(err.Error()), 300, "messages stay short whatever the input")
			t.Log(err)
		})
	}
}

// FuzzParseExpvar checks that ParseExpvar never panics, accepts only valid JSON, never
// calls valid JSON "not JSON", and agrees with encoding/json on every value it returns.
func FuzzParseExpvar(f *testing.F) {
	for _, c := range captures {
		f.Add(readTestdata(f, c+".vars.json"))
	}
	f.Add([]byte(`{"memstats":{"Alloc":1}}`))
	f.Add([]byte(`{"memstats":null,"memstats":{"x":[{"y":"\u00e9"}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := ParseExpvar(body)
		valid := json.Valid(body)
		if err != nil {
			if m != nil {
				t.Fatalf("non-nil result with error %v", err)
			}
			if errors.Is(err, ErrNotJSON) && valid {
				t.Fatalf("valid JSON reported as not JSON: %v", err)
			}
			return
		}
		if !valid {
			t.Fatalf("accepted invalid JSON")
		}
		checkAgainstEncodingJSON(t, body, m)
	})
}

// checkAgainstEncodingJSON re-decodes body with encoding/json (exact keys via maps,
// numbers as text) and compares every field ParseExpvar returned.
func checkAgainstEncodingJSON(t *testing.T, body []byte, m *MemStats) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var top map[string]any
	if err := dec.Decode(&top); err != nil {
		t.Fatalf("encoding/json rejects accepted input: %v", err)
	}
	ms, ok := top["memstats"].(map[string]any)
	if !ok {
		t.Fatalf("accepted input has no memstats object")
	}
	num := func(key string) string {
		n, ok := ms[key].(json.Number)
		if !ok {
			t.Fatalf("memstats.%s is %T in encoding/json", key, ms[key])
		}
		return string(n)
	}
	u := func(key string, got uint64) {
		want, err := strconv.ParseUint(num(key), 10, 64)
		if err != nil || want != got {
			t.Fatalf("memstats.%s: got %d, encoding/json has %s", key, got, num(key))
		}
	}
	u("Alloc", m.Alloc)
	u("TotalAlloc", m.TotalAlloc)
	u("Sys", m.Sys)
	u("Mallocs", m.Mallocs)
	u("Frees", m.Frees)
	u("HeapAlloc", m.HeapAlloc)
	u("HeapSys", m.HeapSys)
	u("HeapIdle", m.HeapIdle)
	u("HeapInuse", m.HeapInuse)
	u("HeapReleased", m.HeapReleased)
	u("HeapObjects", m.HeapObjects)
	u("StackInuse", m.StackInuse)
	u("StackSys", m.StackSys)
	u("NextGC", m.NextGC)
	u("LastGC", m.LastGC)
	u("NumGC", uint64(m.NumGC))
	u("NumForcedGC", uint64(m.NumForcedGC))
	if _, ok := ms["PauseTotalNs"]; ok != m.HasPauseTotal {
		t.Fatalf("HasPauseTotal = %v, key present = %v", m.HasPauseTotal, ok)
	}
	if m.HasPauseTotal {
		u("PauseTotalNs", m.PauseTotalNs)
	}
	if f, err := strconv.ParseFloat(num("GCCPUFraction"), 64); err != nil || f != m.GCCPUFraction {
		t.Fatalf("GCCPUFraction: got %v, encoding/json has %s", m.GCCPUFraction, num("GCCPUFraction"))
	}
	for _, ring := range []struct {
		key string
		got *[RingSize]uint64
	}{{"PauseNs", &m.PauseNs}, {"PauseEnd", &m.PauseEnd}} {
		arr, ok := ms[ring.key].([]any)
		if !ok || len(arr) != RingSize {
			t.Fatalf("memstats.%s: encoding/json has %T of length %d", ring.key, ms[ring.key], len(arr))
		}
		for i, v := range arr {
			n, _ := v.(json.Number)
			want, err := strconv.ParseUint(string(n), 10, 64)
			if err != nil || want != ring.got[i] {
				t.Fatalf("memstats.%s[%d]: got %d, encoding/json has %v", ring.key, i, ring.got[i], v)
			}
		}
	}
	if m.HasMaxRSS {
		t.Fatalf("HasMaxRSS set from expvar")
	}
}

func benchFiles(b *testing.B, suffix string, fn func(b *testing.B, body []byte)) {
	for _, c := range []string{"small", "wrapped"} {
		body := readTestdata(b, c+suffix)
		b.Run(c, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			fn(b, body)
		})
	}
}

func BenchmarkParseExpvar(b *testing.B) {
	benchFiles(b, ".vars.json", func(b *testing.B, body []byte) {
		for b.Loop() {
			if _, err := ParseExpvar(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkBaselineJSONUnmarshalAny is the generic way to read /debug/vars, for scale.
func BenchmarkBaselineJSONUnmarshalAny(b *testing.B) {
	benchFiles(b, ".vars.json", func(b *testing.B, body []byte) {
		for b.Loop() {
			var v map[string]any
			if err := json.Unmarshal(body, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// writeSeedCorpus regenerates testdata/fuzz/<name>/ from seeds when
// MEMSTATS_WRITE_CORPUS=1; the committed files let `go test` replay them without -fuzz.
func writeSeedCorpus(t *testing.T, name string, seeds map[string][]byte) {
	if os.Getenv("MEMSTATS_WRITE_CORPUS") != "1" {
		t.Skip("set MEMSTATS_WRITE_CORPUS=1 to regenerate the seed corpus")
	}
	dir := filepath.Join("testdata", "fuzz", name)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for file, seed := range seeds {
		data := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", seed)
		require.NoError(t, os.WriteFile(filepath.Join(dir, file), []byte(data), 0o644))
	}
}

func TestWriteSeedCorpusExpvar(t *testing.T) {
	good := readTestdata(t, "small.vars.json")
	writeSeedCorpus(t, "FuzzParseExpvar", map[string][]byte{
		"capture-nogc":       readTestdata(t, "nogc.vars.json"),
		"capture-small":      good,
		"capture-wrapped":    readTestdata(t, "wrapped.vars.json"),
		"truncated":          good[:len(good)/2],
		"no-memstats":        []byte(`{"cmdline":["./app"],"requests":42}`),
		"negative-alloc":     regexp.MustCompile(`"Alloc":\d+`).ReplaceAll(good, []byte(`"Alloc":-1`)),
		"escaped-keys":       []byte(`{"mem\u0073tats":{"\u0041lloc":1,"BySize":[{"Size":0,"Mallocs":0,"Frees":0}]}}`),
		"html":               []byte("<html><body>404</body></html>"),
		"ring-short-numbers": []byte(`{"memstats":{"PauseNs":[1,2,3],"NumGC":4294967295,"GCCPUFraction":1e-05}}`),
	})
}
