package plugin

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/leakwatch/pprof-datasource/pkg/models"
)

// handleProfile parses each profile query and answers it from the snapshot store.
func (d *Datasource) handleProfile(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	pq := d.profileQuerier()
	for _, q := range req.Queries {
		parsed, err := models.ParseProfileQuery(q.JSON)
		if err != nil {
			resp.Responses[q.RefID] = backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
			continue
		}
		resp.Responses[q.RefID] = pq.query(ctx, parsed, q)
	}
	return resp, nil
}
