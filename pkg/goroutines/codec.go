package goroutines

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// summaryVersion is the first byte of a marshalled Summary; a change of the encoding gets a
// new version, and UnmarshalSummary keeps reading the old ones.
const summaryVersion = 1

// maxSummaryJSON bounds the inflated size UnmarshalSummary accepts, so a corrupt or hostile
// blob cannot inflate without limit.
const maxSummaryJSON = 64 << 20

// Marshal encodes the summary for storage: a version byte, then gzip-compressed JSON. The
// JSON uses short keys, and gzip removes most of the repetition of paths in example stacks.
func (s *Summary) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte(summaryVersion)
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("marshalling goroutine summary: %w", err)
	}
	if err := json.NewEncoder(zw).Encode(s); err != nil {
		return nil, fmt.Errorf("marshalling goroutine summary: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("marshalling goroutine summary: %w", err)
	}
	return buf.Bytes(), nil
}

// UnmarshalSummary decodes a blob written by Summary.Marshal.
func UnmarshalSummary(b []byte) (*Summary, error) {
	if len(b) == 0 {
		return nil, errors.New("unmarshalling goroutine summary: empty blob")
	}
	if b[0] != summaryVersion {
		return nil, fmt.Errorf("unmarshalling goroutine summary: unknown version %d (want %d)", b[0], summaryVersion)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b[1:]))
	if err != nil {
		return nil, fmt.Errorf("unmarshalling goroutine summary: %w", err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, maxSummaryJSON+1))
	if err != nil {
		return nil, fmt.Errorf("unmarshalling goroutine summary: %w", err)
	}
	if len(raw) > maxSummaryJSON {
		return nil, fmt.Errorf("unmarshalling goroutine summary: inflates beyond %d bytes", maxSummaryJSON)
	}
	var s Summary
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("unmarshalling goroutine summary: %w", err)
	}
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("unmarshalling goroutine summary: %w", err)
	}
	return &s, nil
}

func (s *Summary) validate() error {
	if s.Source != SourceDump && s.Source != SourceGrouped {
		return fmt.Errorf("unknown source %q", s.Source)
	}
	if s.Total < 0 {
		return fmt.Errorf("negative total %d", s.Total)
	}
	for i, g := range s.Groups {
		if g.Count < 0 {
			return fmt.Errorf("group %d: negative count %d", i, g.Count)
		}
		for st, n := range g.States {
			if n < 0 {
				return fmt.Errorf("group %d: negative count %d for %q", i, n, st)
			}
		}
		for st, h := range g.Waits {
			for m, n := range h {
				if m < 0 || n < 0 {
					return fmt.Errorf("group %d: negative wait histogram entry %d: %d for %q", i, m, n, st)
				}
			}
		}
	}
	return nil
}
