package profiles

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecode feeds arbitrary bodies through the decode path and everything a query does with
// a decoded profile. Failures must be one of the documented sentinels, never a panic.
func FuzzDecode(f *testing.F) {
	f.Add(readFile(f, "testdata/heap-1.pb.gz"))
	f.Add(readFile(f, "testdata/goroutine.pb.gz"))
	f.Add([]byte("<html><body>404 page not found</body></html>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := Decode(bytes.NewReader(body), 4<<20)
		if err != nil {
			for _, sentinel := range []error{ErrNotProfile, ErrTruncatedGzip, ErrCorruptGzip, ErrTooLarge, ErrInvalidProfile} {
				if errors.Is(err, sentinel) {
					return
				}
			}
			t.Fatalf("error %v is none of the documented sentinels", err)
		}
		for idx := range p.SampleType {
			tr, err := BuildTree(p, idx, 64)
			if err != nil {
				t.Fatalf("BuildTree: %v", err)
			}
			if len(tr.Nodes) == 0 || len(tr.Nodes) > 64 || tr.Nodes[0].Value != Total(p, idx) {
				t.Fatalf("tree of %d nodes, root %v, total %d", len(tr.Nodes), tr.Nodes[0], Total(p, idx))
			}
			if _, err := Top(p, idx); err != nil {
				t.Fatalf("Top: %v", err)
			}
		}
	})
}
