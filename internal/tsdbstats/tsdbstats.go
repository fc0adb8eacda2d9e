// Package tsdbstats measures what a Prometheus TSDB holds, for the storage benchmarks of
// several packages.
package tsdbstats

import (
	"context"
	"fmt"
	"math"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
)

// ChunkBytesPerSeries sums, per series name over all other labels (targets), the encoded chunk
// bytes ([0]) and the samples ([1]), to show which series cost what.
func ChunkBytesPerSeries(db *tsdb.DB) (map[string][2]int64, error) {
	q, err := db.ChunkQuerier(math.MinInt64, math.MaxInt64)
	if err != nil {
		return nil, fmt.Errorf("opening a chunk querier: %w", err)
	}
	defer q.Close()
	out := map[string][2]int64{}
	set := q.Select(context.Background(), false,
		&storage.SelectHints{Start: math.MinInt64, End: math.MaxInt64, DisableTrimming: true},
		labels.MustNewMatcher(labels.MatchRegexp, model.MetricNameLabel, ".+"))
	for set.Next() {
		name := set.At().Labels().Get(model.MetricNameLabel)
		it := set.At().Iterator(nil)
		for it.Next() {
			c := it.At().Chunk
			v := out[name]
			v[0] += int64(len(c.Bytes()))
			v[1] += int64(c.NumSamples())
			out[name] = v
		}
		if err := it.Err(); err != nil {
			return nil, fmt.Errorf("reading chunks of %s: %w", name, err)
		}
	}
	if err := set.Err(); err != nil {
		return nil, fmt.Errorf("selecting series: %w", err)
	}
	return out, nil
}
