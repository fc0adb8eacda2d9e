package plugin

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// QueryData dispatches each query to the handler of its query type. Failures of one query
// go into that query's response; the request itself only fails if nothing can be answered.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	return d.mux.QueryData(ctx, req)
}
