// Command server stands in for the Grafana server in the browser tests: it serves the test
// page and the two Grafana HTTP endpoints a data source's frontend calls — resources and
// /api/ds/query — and answers them with a real instance of the plugin's backend, built in
// process from the same settings JSON Grafana would pass. No Grafana server package exists
// where these tests run, so this is the narrowest piece of Grafana the editors need.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"

	"github.com/leakwatch/pprof-datasource/pkg/plugin"
)

const (
	// uid is the data source UID the test page is configured with.
	uid = "browser-test"
	// pluginID is the plugin's id, which Grafana passes as the data source type.
	pluginID = "leakwatch-pprof-datasource"
)

// backendAPI is what the server needs of a plugin instance.
type backendAPI interface {
	backend.QueryDataHandler
	backend.CallResourceHandler
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	static := flag.String("static", "", "directory with the test page")
	jsonData := flag.String("json-data", "{}", "the data source's jsonData, as Grafana stores it")
	flag.Parse()

	inst, err := plugin.NewDatasource(context.Background(), backend.DataSourceInstanceSettings{
		UID: uid, Type: pluginID, Name: "Go pprof", JSONData: []byte(*jsonData), Updated: time.Now(),
	})
	if err != nil {
		log.Fatalf("creating the data source: %v", err)
	}
	defer inst.(instancemgmt.InstanceDisposer).Dispose()
	api := inst.(backendAPI)

	mux := http.NewServeMux()
	mux.HandleFunc("/api/datasources/uid/"+uid+"/resources/{path...}", func(w http.ResponseWriter, r *http.Request) {
		serveResource(w, r, api)
	})
	mux.HandleFunc("POST /api/ds/query", func(w http.ResponseWriter, r *http.Request) {
		serveQuery(w, r, api)
	})
	mux.Handle("/", http.FileServer(http.Dir(*static)))

	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listening: %v", err)
	}
	// The test runner reads the address from this first line.
	fmt.Printf("listening on http://%s\n", l.Addr())
	if err := http.Serve(l, mux); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// serveResource forwards a resource call the way Grafana does: path and query string
// relative to the data source's resource root, body and headers as sent.
func serveResource(w http.ResponseWriter, r *http.Request, api backendAPI) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	path := r.PathValue("path")
	url := path
	if r.URL.RawQuery != "" {
		url += "?" + r.URL.RawQuery
	}
	req := &backend.CallResourceRequest{
		PluginContext: pluginContext(), Path: path, Method: r.Method, URL: url,
		Headers: r.Header, Body: body,
	}
	err = api.CallResource(r.Context(), req, backend.CallResourceResponseSenderFunc(func(resp *backend.CallResourceResponse) error {
		for k, vs := range resp.Headers {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		w.WriteHeader(resp.Status)
		_, err := w.Write(resp.Body)
		return err
	}))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// queryRequest is the body the frontend posts to /api/ds/query.
type queryRequest struct {
	From    string            `json:"from"`
	To      string            `json:"to"`
	Queries []json.RawMessage `json:"queries"`
}

// queryCommon holds the fields Grafana itself reads from every query.
type queryCommon struct {
	RefID         string  `json:"refId"`
	QueryType     string  `json:"queryType"`
	IntervalMs    float64 `json:"intervalMs"`
	MaxDataPoints int64   `json:"maxDataPoints"`
}

// serveQuery turns the frontend's query request into a QueryDataRequest and returns the
// response in the JSON form Grafana sends to the browser.
func serveQuery(w http.ResponseWriter, r *http.Request, api backendAPI) {
	var qr queryRequest
	if err := json.NewDecoder(r.Body).Decode(&qr); err != nil {
		http.Error(w, "decoding the query request: "+err.Error(), http.StatusBadRequest)
		return
	}
	from, err1 := strconv.ParseInt(qr.From, 10, 64)
	to, err2 := strconv.ParseInt(qr.To, 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		http.Error(w, "reading the time range: "+err.Error(), http.StatusBadRequest)
		return
	}
	req := &backend.QueryDataRequest{PluginContext: pluginContext()}
	for _, raw := range qr.Queries {
		var c queryCommon
		if err := json.Unmarshal(raw, &c); err != nil {
			http.Error(w, "decoding a query: "+err.Error(), http.StatusBadRequest)
			return
		}
		req.Queries = append(req.Queries, backend.DataQuery{
			RefID: c.RefID, QueryType: c.QueryType, MaxDataPoints: c.MaxDataPoints,
			Interval:  time.Duration(c.IntervalMs * float64(time.Millisecond)),
			TimeRange: backend.TimeRange{From: time.UnixMilli(from), To: time.UnixMilli(to)},
			JSON:      raw,
		})
	}
	resp, err := api.QueryData(r.Context(), req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(resp); err != nil {
		fmt.Fprintln(os.Stderr, "writing the query response:", err)
	}
}

func pluginContext() backend.PluginContext {
	return backend.PluginContext{
		PluginID:                   pluginID,
		DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{UID: uid, Type: pluginID, Name: "Go pprof"},
	}
}
