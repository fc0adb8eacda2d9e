package profiles

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func gunzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	out, err := io.ReadAll(zr)
	require.NoError(t, err)
	return out
}

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestDecodeAcceptsGzipAndPlainProtobuf(t *testing.T) {
	raw := readFile(t, "testdata/heap-2.pb.gz")
	fromGzip, err := Decode(bytes.NewReader(raw), 0)
	require.NoError(t, err)
	fromPlain, err := Decode(bytes.NewReader(gunzipped(t, raw)), 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"alloc_objects", "alloc_space", "inuse_objects", "inuse_space"}, SampleTypeNames(fromGzip))
	assert.Equal(t, len(fromGzip.Sample), len(fromPlain.Sample))
	assert.NotEmpty(t, fromGzip.Sample)
}

func TestDecodeAcceptsEmptyProfiles(t *testing.T) {
	for _, f := range []string{"testdata/block.pb.gz", "testdata/mutex.pb.gz"} {
		p, err := Decode(bytes.NewReader(readFile(t, f)), 1<<20)
		require.NoError(t, err, f)
		assert.Empty(t, p.Sample)
		assert.Equal(t, []string{"contentions", "delay"}, SampleTypeNames(p))
	}
}

func TestDecodeRejectsBadInputWithSentinels(t *testing.T) {
	raw := readFile(t, "testdata/heap-2.pb.gz")
	html := readFile(t, "testdata/index.html")
	garbage := bytes.Repeat([]byte{0xff, 0x01, 0x9a, 0x02}, 64)
	cases := []struct {
		name    string
		body    []byte
		want    error
		message string
	}{
		{"empty body", nil, ErrNotProfile, "the body is empty"},
		{"html page", html, ErrNotProfile, `text starting with "<html>`},
		{"text profile", []byte("heap profile: 3: 614999 [3: 614999] @ heap/1048576\n"), ErrNotProfile, `"heap profile: 3`},
		{"gzipped html", gzipped(t, html), ErrNotProfile, "<html>"},
		{"truncated gzip", raw[:len(raw)/2], ErrTruncatedGzip, "truncated"},
		{"gzip header only", raw[:10], ErrTruncatedGzip, "truncated"},
		{"corrupt gzip checksum", append(append([]byte{}, raw[:len(raw)-8]...), 0, 0, 0, 0, 0, 0, 0, 0), ErrCorruptGzip, "corrupt"},
		{"garbage protobuf", garbage, ErrInvalidProfile, "invalid profile protobuf"},
		{"gzipped garbage protobuf", gzipped(t, garbage), ErrInvalidProfile, "invalid profile protobuf"},
		{"too large", raw, ErrTooLarge, "cap of 1000 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			limit := int64(64 << 20)
			if c.want == ErrTooLarge {
				limit = 1000
			}
			p, err := Decode(bytes.NewReader(c.body), limit)
			require.Error(t, err)
			assert.Nil(t, p)
			assert.ErrorIs(t, err, c.want)
			for _, other := range []error{ErrNotProfile, ErrTruncatedGzip, ErrCorruptGzip, ErrInvalidProfile, ErrTooLarge} {
				if other != c.want {
					assert.False(t, errors.Is(err, other), "%v must not also be %v", err, other)
				}
			}
			assert.Contains(t, err.Error(), c.message)
		})
	}
}

// countingReader counts the compressed bytes the decoder pulled.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestDecodeRefusesGzipBombAtTheCap(t *testing.T) {
	// 1 GiB of zeros compresses to about 1 MB.
	var bomb bytes.Buffer
	zw, err := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	require.NoError(t, err)
	zeros := make([]byte, 1<<20)
	for range 1024 {
		_, err := zw.Write(zeros)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	require.Less(t, bomb.Len(), 2<<20)

	const limit = 8 << 20
	cr := &countingReader{r: bytes.NewReader(bomb.Bytes())}
	start := time.Now()
	_, err = Decode(cr, limit)
	elapsed := time.Since(start)
	require.ErrorIs(t, err, ErrTooLarge)
	assert.Contains(t, err.Error(), "cap of 8388608 bytes")
	assert.Less(t, elapsed, 2*time.Second, "refusing must not inflate the whole body")
	assert.Less(t, cr.n, int64(bomb.Len())/10, "decoding stops reading soon after the cap")
}

// failingReader fails after a few bytes, like a connection reset mid-body.
type failingReader struct{ sent bool }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.sent {
		return 0, errors.New("connection reset by peer")
	}
	f.sent = true
	return copy(p, "\x0a\x04\x08\x01\x10\x02"), nil
}

func TestDecodeWrapsReadErrors(t *testing.T) {
	_, err := Decode(&failingReader{}, 0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "reading profile: connection reset by peer")
	for _, s := range []error{ErrNotProfile, ErrTruncatedGzip, ErrCorruptGzip, ErrTooLarge, ErrInvalidProfile} {
		assert.NotErrorIs(t, err, s)
	}
}
