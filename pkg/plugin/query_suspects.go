package plugin

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/leakwatch/pprof-datasource/pkg/models"
)

// handleSuspects parses each suspects query and ranks its target's stored heap snapshots.
func (d *Datasource) handleSuspects(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	sq := d.suspectsQuerier()
	for _, q := range req.Queries {
		parsed, err := models.ParseSuspectsQuery(q.JSON)
		if err != nil {
			resp.Responses[q.RefID] = backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
			continue
		}
		resp.Responses[q.RefID] = sq.query(ctx, parsed, q)
	}
	return resp, nil
}
