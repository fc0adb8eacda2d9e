package memstats

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseIndexGoroutinesCaptures(t *testing.T) {
	for _, c := range captures {
		t.Run(c, func(t *testing.T) {
			n, err := ParseIndexGoroutines(readTestdata(t, c+".index.html"))
			require.NoError(t, err)
			want := int(rawUint(t, readTestdata(t, c+".index.html"), `<tr><td>(\d+)</td><td><a href='goroutine\?debug=1'>`))
			assert.Equal(t, want, n)

			// The goroutine profile was fetched right after the index; only the
			// connection-serving goroutines can differ.
			total, err := ParseGoroutineDebug1Total(readTestdata(t, c+".goroutine-debug1.txt"))
			require.NoError(t, err)
			assert.InDelta(t, total, n, 2)
		})
	}
}

// TestParseIndexGoroutinesOlderLayouts uses pages rendered from the index templates of
// earlier releases (see testdata/README.md); each was made with 1234 goroutines.
func TestParseIndexGoroutinesOlderLayouts(t *testing.T) {
	for _, name := range []string{"index-old-fprintf.html", "index-old-htmltemplate.html", "index-old-legacy.html"} {
		t.Run(name, func(t *testing.T) {
			n, err := ParseIndexGoroutines(readTestdata(t, name))
			require.NoError(t, err)
			assert.Equal(t, 1234, n)
		})
	}
}

// TestParseIndexGoroutinesThisRuntime serves the index of the Go version running the
// test, so a layout change in a new release shows up here.
func TestParseIndexGoroutinesThisRuntime(t *testing.T) {
	rec := httptest.NewRecorder()
	pprof.Index(rec, httptest.NewRequest(http.MethodGet, "/debug/pprof/", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	before := runtime.NumGoroutine()
	n, err := ParseIndexGoroutines(rec.Body.Bytes())
	require.NoError(t, err)
	assert.InDelta(t, before, n, 3)
}

func TestParseIndexGoroutinesMalformed(t *testing.T) {
	good := string(readTestdata(t, "small.index.html"))
	tests := []struct {
		name    string
		body    string
		is      error
		message string
	}{
		{"empty", "", ErrNotPprofIndex, "pprof index: not a net/http/pprof index page: no goroutine link"},
		{"404 text", "404 page not found\n", ErrNotPprofIndex, "no goroutine link"},
		{"JSON", `{"goroutine": 5}`, ErrNotPprofIndex, "no goroutine link"},
		{"other HTML", "<html><body><a href='/'>home</a></body></html>", ErrNotPprofIndex, "no goroutine link"},
		{"goroutine profile", "goroutine profile: total 5\n", ErrNotPprofIndex, "no goroutine link"},
		{"link outside a table", "<p>see <a href='goroutine'>goroutine</a></p>", ErrNotPprofIndex, "not in a table row"},
		{"row without cells", "<tr><a href='goroutine'>goroutine</a></tr>", nil, "goroutine row \"<tr><a href='goroutine'\" has no count cell"},
		{"unterminated cell", "<tr><td>goroutine</a>", nil, `goroutine row "<tr><td" has no count cell`},
		{"empty count", strings.Replace(good, "<td>53</td><td><a href='goroutine", "<td></td><td><a href='goroutine", 1), nil, "goroutine count: malformed number: empty value"},
		{"garbage count", strings.Replace(good, "<td>53</td><td><a href='goroutine", "<td>53x</td><td><a href='goroutine", 1), nil, "goroutine count: malformed number \"53x\""},
		{"negative count", strings.Replace(good, "<td>53</td><td><a href='goroutine", "<td>-1</td><td><a href='goroutine", 1), nil, "goroutine count: negative value \"-1\""},
		{"overflowing count", strings.Replace(good, "<td>53</td><td><a href='goroutine", "<td>99999999999999999999</td><td><a href='goroutine", 1), nil, "goroutine count: \"99999999999999999999\" overflows int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NotEqual(t, good, tt.body, "replacement did not apply")
			n, err := ParseIndexGoroutines([]byte(tt.body))
			require.Error(t, err)
			assert.Zero(t, n)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			} else {
				assert.NotErrorIs(t, err, ErrNotPprofIndex)
			}
			assert.Contains(t, err.Error(), tt.message)
			assert.True(t, strings.HasPrefix(err.Error(), "pprof index: "), err.Error())
			t.Log(err)
		})
	}
}

func TestParseGoroutineDebug1Total(t *testing.T) {
	long := "goroutine profile: total 7\n" + strings.Repeat("1 @ 0x1 0x2\n#\t0x1\tmain.f+0x1\tx.go:1\n\n", 1<<16)
	tests := []struct {
		name    string
		body    string
		want    int
		is      error
		message string
	}{
		{"capture", string(readTestdata(t, "small.goroutine-debug1.txt")), 53, nil, ""},
		{"header only", "goroutine profile: total 12", 12, nil, ""},
		{"CRLF", "goroutine profile: total 3\r\n1 @ 0x1\r\n", 3, nil, ""},
		{"zero", "goroutine profile: total 0\n", 0, nil, ""},
		{"long body", long, 7, nil, ""},
		{"empty", "", 0, ErrNotGoroutineProfile, "goroutine profile: not a goroutine?debug=1 profile: body is empty"},
		{"debug=2 dump", "goroutine 1 [running]:\nmain.main()\n", 0, ErrNotGoroutineProfile, `first line is "goroutine 1 [running]:"`},
		{"threadcreate", "threadcreate profile: total 6\n", 0, ErrNotGoroutineProfile, `first line is "threadcreate profile: total 6"`},
		{"html", "<html>\n", 0, ErrNotGoroutineProfile, `"<html>"`},
		{"one huge line", strings.Repeat("x", 1<<20), 0, ErrNotGoroutineProfile, "first line is longer than 128 bytes"},
		{"garbage", "goroutine profile: total 5x\n", 0, nil, `goroutine profile: total: malformed number "5x"`},
		{"missing", "goroutine profile: total \n", 0, nil, "malformed number: empty value"},
		{"negative", "goroutine profile: total -5\n", 0, nil, `negative value "-5"`},
		{"overflow", "goroutine profile: total 99999999999999999999\n", 0, nil, `"99999999999999999999" overflows int`},
		{"total on second line", "\ngoroutine profile: total 5\n", 0, ErrNotGoroutineProfile, `first line is ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseGoroutineDebug1Total([]byte(tt.body))
			if tt.message == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.want, n)
				return
			}
			require.Error(t, err)
			assert.Zero(t, n)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			assert.Contains(t, err.Error(), tt.message)
			t.Log(err)
		})
	}
}

// FuzzParseIndexGoroutines checks that the index parser never panics and only returns a
// count it read from a goroutine row; the header parser gets the same inputs.
func FuzzParseIndexGoroutines(f *testing.F) {
	for _, c := range captures {
		f.Add(readTestdata(f, c+".index.html"))
		f.Add(readTestdata(f, c+".goroutine-debug1.txt"))
	}
	for _, name := range []string{"index-old-fprintf.html", "index-old-htmltemplate.html", "index-old-legacy.html"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := ParseIndexGoroutines(body)
		switch {
		case err == nil && !bytes.Contains(body, []byte(goroutineAnchor)):
			t.Fatalf("count %d without a goroutine link", n)
		case err == nil && n < 0:
			t.Fatalf("negative count %d", n)
		case err != nil && n != 0:
			t.Fatalf("count %d with error %v", n, err)
		case errors.Is(err, ErrNotPprofIndex) && bytes.Contains(body, []byte("<tr")) &&
			bytes.Contains(body, []byte(goroutineAnchor)) &&
			bytes.Index(body, []byte("<tr")) < bytes.Index(body, []byte(goroutineAnchor)):
			t.Fatalf("row with goroutine link called not an index: %v", err)
		}
		total, err := ParseGoroutineDebug1Total(body)
		if err == nil && (total < 0 || !bytes.HasPrefix(body, []byte(goroutineHeader))) {
			t.Fatalf("total %d from a body without the header", total)
		}
	})
}

func TestWriteSeedCorpusIndex(t *testing.T) {
	good := readTestdata(t, "small.index.html")
	writeSeedCorpus(t, "FuzzParseIndexGoroutines", map[string][]byte{
		"capture-small":        good,
		"capture-goroutine":    readTestdata(t, "small.goroutine-debug1.txt"),
		"old-fprintf":          readTestdata(t, "index-old-fprintf.html"),
		"old-htmltemplate":     readTestdata(t, "index-old-htmltemplate.html"),
		"old-legacy":           readTestdata(t, "index-old-legacy.html"),
		"garbage-count":        bytes.Replace(good, []byte("<td>53</td><td><a href='goroutine"), []byte("<td>5x3</td><td><a href='goroutine"), 1),
		"link-outside-a-table": []byte("<p><a href='goroutine'>goroutine</a></p>"),
		"404":                  []byte("404 page not found\n"),
	})
}
