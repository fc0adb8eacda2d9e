package alertrules

import (
	"errors"
	"fmt"
	"math"

	"github.com/grafana/dataplane/sdata/numeric"
	"github.com/grafana/dataplane/sdata/timeseries"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// ErrNoData is returned for a response without frames: Grafana's alerting reports no data.
var ErrNoData = errors.New("no frames")

// Instance is one labelled value of a query or expression: a number, or a time series before
// a reduction turns it into one.
type Instance struct {
	Labels data.Labels
	// Number is the value of a number; NaN when it is null (see Null).
	Number float64
	// Null tells that a number had no value.
	Null bool
	// Series holds a time series' values, NaN for nulls; IsSeries tells an empty series from
	// a number.
	Series   []float64
	IsSeries bool
}

// FromResponse reads a query's response the way Grafana's expression engine does: through the
// dataplane reader the first frame's type picks. Frames without a type or type version would
// take Grafana's legacy path, and are an error here.
func FromResponse(dr backend.DataResponse) ([]Instance, error) {
	if dr.Error != nil {
		return nil, dr.Error
	}
	if len(dr.Frames) == 0 {
		return nil, ErrNoData
	}
	meta := dr.Frames[0].Meta
	if meta == nil {
		return nil, errors.New("no typed frames: Grafana would take the legacy path or report no data")
	}
	if meta.TypeVersion.IsZero() {
		return nil, errors.New("frame type version is zero: Grafana would not read the frames as dataplane data")
	}
	switch meta.Type {
	case data.FrameTypeNumericMulti:
		return numbers(dr.Frames)
	case data.FrameTypeTimeSeriesMulti:
		return series(dr.Frames)
	}
	return nil, fmt.Errorf("frame type %q is neither numeric-multi nor timeseries-multi", meta.Type)
}

func numbers(frames data.Frames) ([]Instance, error) {
	rd, err := numeric.CollectionReaderFromFrames(frames)
	if err != nil {
		return nil, err
	}
	c, err := rd.GetCollection(false) // the library does not implement data validation for numbers
	if err != nil {
		return nil, err
	}
	out := make([]Instance, 0, len(c.Refs))
	for _, ref := range c.Refs {
		v, empty, err := ref.NullableFloat64Value()
		if err != nil {
			return nil, err
		}
		in := Instance{Labels: ref.GetLabels(), Number: math.NaN(), Null: true}
		if !empty && v != nil {
			in.Number, in.Null = *v, false
		}
		out = append(out, in)
	}
	return out, nil
}

func series(frames data.Frames) ([]Instance, error) {
	rd, err := timeseries.CollectionReaderFromFrames(frames)
	if err != nil {
		return nil, err
	}
	c, err := rd.GetCollection(true)
	if err != nil {
		return nil, err
	}
	out := make([]Instance, 0, len(c.Refs))
	for _, ref := range c.Refs {
		n, err := ref.Len()
		if err != nil {
			return nil, err
		}
		in := Instance{Labels: ref.GetLabels(), IsSeries: true, Series: make([]float64, 0, n)}
		for i := 0; i < n; i++ {
			v, err := ref.NullableFloat64Value(i)
			if err != nil {
				return nil, err
			}
			if v == nil {
				in.Series = append(in.Series, math.NaN())
			} else {
				in.Series = append(in.Series, *v)
			}
		}
		out = append(out, in)
	}
	return out, nil
}
