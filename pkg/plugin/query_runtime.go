package plugin

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/leakwatch/pprof-datasource/pkg/models"
)

// handleRuntime parses each runtime query and answers it from the store.
func (d *Datasource) handleRuntime(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	rq := d.runtimeQuerier()
	for _, q := range req.Queries {
		parsed, window, err := models.ParseRuntimeQuery(q.JSON)
		if err != nil {
			resp.Responses[q.RefID] = backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
			continue
		}
		resp.Responses[q.RefID] = rq.query(ctx, parsed, window, q)
	}
	return resp, nil
}
