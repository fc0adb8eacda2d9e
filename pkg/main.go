// Command gpx_pprof is the backend of the Go pprof data source; Grafana starts it as a plugin.
package main

import (
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/leakwatch/pprof-datasource/pkg/plugin"
)

// pluginID must match src/plugin.json; the build may override it with -X.
var pluginID = "leakwatch-pprof-datasource"

func main() {
	if err := datasource.Manage(pluginID, plugin.NewDatasource, datasource.ManageOpts{}); err != nil {
		log.DefaultLogger.Error("plugin exited", "error", err)
		os.Exit(1)
	}
}
