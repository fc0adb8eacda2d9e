package plugin

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/leakwatch/pprof-datasource/pkg/models"
)

// handleAnnotations parses each annotations query and answers it from the stores.
func (d *Datasource) handleAnnotations(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	aq := d.annotationsQuerier()
	for _, q := range req.Queries {
		parsed, err := models.ParseAnnotationsQuery(q.JSON)
		if err != nil {
			resp.Responses[q.RefID] = backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
			continue
		}
		resp.Responses[q.RefID] = aq.query(ctx, parsed, q)
	}
	return resp, nil
}
