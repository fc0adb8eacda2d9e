package plugin

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/leakwatch/pprof-datasource/pkg/models"
)

// handleGoroutines parses each goroutines query and answers it from the snapshot store.
func (d *Datasource) handleGoroutines(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	gq := d.goroutinesQuerier()
	for _, q := range req.Queries {
		parsed, err := models.ParseGoroutinesQuery(q.JSON)
		if err != nil {
			resp.Responses[q.RefID] = backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
			continue
		}
		resp.Responses[q.RefID] = gq.query(ctx, parsed, q)
	}
	return resp, nil
}
