package plugin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/profiles"
	"github.com/leakwatch/pprof-datasource/pkg/snapshots"
)

// profileTypeInfo is one entry of `GET profile-types`: a profile type, whether this data
// source collects it and how many snapshots of it a target has.
type profileTypeInfo struct {
	models.ProfileTypeInfo
	Collected bool `json:"collected"`
	Snapshots int  `json:"snapshots"`
}

// snapshotInfo is one entry of `GET snapshots`.
type snapshotInfo struct {
	Time     int64    `json:"time"`
	RawBytes int64    `json:"rawBytes"`
	Pins     []string `json:"pins"`
}

// pinInfo is one entry of `GET pins`, and the body of `POST pins` (without Created).
type pinInfo struct {
	Name    string `json:"name"`
	Target  string `json:"target"`
	Kind    string `json:"kind"`
	Time    int64  `json:"time"`
	Created int64  `json:"created,omitempty"`
}

// maxPinBody bounds a pin request body; a pin is a few short strings.
const maxPinBody = 4 << 10

// registerProfileResources adds the snapshot, pin and download endpoints the profile editors use.
func (d *Datasource) registerProfileResources(mux *http.ServeMux) {
	mux.HandleFunc("GET /profile-types", d.serveProfileTypes)
	mux.HandleFunc("GET /snapshots", d.serveSnapshots)
	mux.HandleFunc("GET /snapshot", d.serveSnapshotDownload)
	mux.HandleFunc("GET /pins", d.servePins)
	mux.HandleFunc("POST /pins", d.serveCreatePin)
	mux.HandleFunc("DELETE /pins", d.serveDeletePin)
	mux.HandleFunc("GET /functions", d.serveFunctions)
}

// maxFunctions bounds the functions listed for a template variable.
const maxFunctions = 1000

// serveFunctions lists the functions of a target's newest snapshot of a profile type, largest
// flat value of the type's default sample type first, for template variables (e.g. a focus).
func (d *Datasource) serveFunctions(w http.ResponseWriter, r *http.Request) {
	target, ok := d.resourceTarget(w, r, true)
	if !ok {
		return
	}
	kind, ok := resourceKind(w, r)
	if !ok {
		return
	}
	if d.snapshots == nil {
		http.Error(w, errNoSnapshotStore.Error(), http.StatusServiceUnavailable)
		return
	}
	out := []string{}
	meta, err := d.snapshots.Nearest(r.Context(), target, kind, time.Now().Add(time.Hour))
	if errors.Is(err, snapshots.ErrNotFound) {
		writeJSON(w, out)
		return
	}
	if err != nil {
		http.Error(w, fmt.Sprintf("could not find the newest %s snapshot of target %q: %v", kind, target, err), http.StatusInternalServerError)
		return
	}
	p, err := d.snapshots.Profile(r.Context(), meta.Key)
	if err != nil {
		http.Error(w, fmt.Sprintf("could not read the %s snapshot of target %q: %v", kind, target, err), http.StatusInternalServerError)
		return
	}
	pt := models.ProfileType(r.URL.Query().Get("type"))
	if pt == "" {
		pt = models.DefaultProfileType
	}
	idx, err := profiles.SampleIndex(p, pt, "")
	if err != nil {
		http.Error(w, fmt.Sprintf("the %s snapshot of target %q: %v", kind, target, err), http.StatusBadGateway)
		return
	}
	rows, err := profiles.Top(p, idx)
	if err != nil {
		http.Error(w, fmt.Sprintf("the %s snapshot of target %q: %v", kind, target, err), http.StatusBadGateway)
		return
	}
	for _, row := range rows {
		if len(out) == maxFunctions {
			break
		}
		out = append(out, row.Function)
	}
	writeJSON(w, out)
}

// errNoSnapshotStore answers resource calls of an instance without profile history.
var errNoSnapshotStore = errors.New("profile history is not available in this data source instance")

func (d *Datasource) serveProfileTypes(w http.ResponseWriter, r *http.Request) {
	target, ok := d.resourceTarget(w, r, false)
	if !ok {
		return
	}
	out := make([]profileTypeInfo, 0, len(models.ProfileTypeInfos))
	for _, info := range models.ProfileTypeInfos {
		_, collected := d.settings.ProfileIntervals[info.StoredAs]
		e := profileTypeInfo{ProfileTypeInfo: info, Collected: collected}
		if target != "" && d.snapshots != nil {
			metas, err := d.snapshots.List(r.Context(), target, string(info.StoredAs), time.Unix(0, 0), time.Now().Add(time.Hour))
			if err != nil {
				http.Error(w, fmt.Sprintf("could not list snapshots of target %q: %v", target, err), http.StatusInternalServerError)
				return
			}
			e.Snapshots = len(metas)
		}
		out = append(out, e)
	}
	writeJSON(w, out)
}

func (d *Datasource) serveSnapshots(w http.ResponseWriter, r *http.Request) {
	target, ok := d.resourceTarget(w, r, true)
	if !ok {
		return
	}
	kind, ok := resourceKind(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	from, to := time.Unix(0, 0), time.Now().Add(time.Hour)
	for name, dst := range map[string]*time.Time{"from": &from, "to": &to} {
		if v := q.Get(name); v != "" {
			ms, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				http.Error(w, fmt.Sprintf("%s %q is not a Unix time in milliseconds", name, v), http.StatusBadRequest)
				return
			}
			*dst = time.UnixMilli(ms)
		}
	}
	if d.snapshots == nil {
		http.Error(w, errNoSnapshotStore.Error(), http.StatusServiceUnavailable)
		return
	}
	metas, err := d.snapshots.List(r.Context(), target, kind, from, to)
	if err != nil {
		http.Error(w, fmt.Sprintf("could not list snapshots of target %q: %v", target, err), http.StatusInternalServerError)
		return
	}
	out := make([]snapshotInfo, 0, len(metas))
	for _, m := range metas {
		pins := m.Pins
		if pins == nil {
			pins = []string{}
		}
		out = append(out, snapshotInfo{Time: m.Time.UnixMilli(), RawBytes: m.RawBytes, Pins: pins})
	}
	writeJSON(w, out)
}

// serveSnapshotDownload writes a stored snapshot as a standard gzipped profile that
// `go tool pprof` opens; without `time` it serves the newest.
func (d *Datasource) serveSnapshotDownload(w http.ResponseWriter, r *http.Request) {
	target, ok := d.resourceTarget(w, r, true)
	if !ok {
		return
	}
	kind, ok := resourceKind(w, r)
	if !ok {
		return
	}
	if d.snapshots == nil {
		http.Error(w, errNoSnapshotStore.Error(), http.StatusServiceUnavailable)
		return
	}
	at := time.Now().Add(time.Hour)
	if v := r.URL.Query().Get("time"); v != "" {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			http.Error(w, fmt.Sprintf("time %q is not a Unix time in milliseconds", v), http.StatusBadRequest)
			return
		}
		at = time.UnixMilli(ms)
	}
	meta, err := d.snapshots.Nearest(r.Context(), target, kind, at)
	if errors.Is(err, snapshots.ErrNotFound) {
		http.Error(w, fmt.Sprintf("target %q has no %s snapshot at or before %s", target, kind, at.UTC().Format(time.RFC3339)), http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, fmt.Sprintf("could not find the snapshot of target %q: %v", target, err), http.StatusInternalServerError)
		return
	}
	p, err := d.snapshots.Profile(r.Context(), meta.Key)
	if err != nil {
		http.Error(w, fmt.Sprintf("could not read the %s snapshot of target %q: %v", kind, target, err), http.StatusInternalServerError)
		return
	}
	name := fmt.Sprintf("%s-%s-%s.pb.gz", unsafePathChars.ReplaceAllString(target, "_"), kind, meta.Time.UTC().Format("20060102T150405Z"))
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	if err := p.Write(w); err != nil {
		d.logger.Warn("could not write a snapshot download", "target", target, "kind", kind, "error", err)
	}
}

func (d *Datasource) servePins(w http.ResponseWriter, r *http.Request) {
	if d.snapshots == nil {
		writeJSON(w, []pinInfo{})
		return
	}
	pins, err := d.snapshots.Pins(r.Context())
	if err != nil {
		http.Error(w, fmt.Sprintf("could not list pins: %v", err), http.StatusInternalServerError)
		return
	}
	out := make([]pinInfo, 0, len(pins))
	for _, p := range pins {
		if _, ok := d.settings.TargetByName(p.Target); !ok {
			continue // a pin of a target that is no longer configured stays stored but hidden
		}
		out = append(out, pinInfo{Name: p.Name, Target: p.Target, Kind: p.Kind, Time: p.Time.UnixMilli(), Created: p.Created.UnixMilli()})
	}
	writeJSON(w, out)
}

func (d *Datasource) serveCreatePin(w http.ResponseWriter, r *http.Request) {
	var in pinInfo
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxPinBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		http.Error(w, fmt.Sprintf("a pin is {name, target, kind, time}: %v", err), http.StatusBadRequest)
		return
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		http.Error(w, "a pin needs a name", http.StatusBadRequest)
		return
	}
	if _, ok := d.settings.TargetByName(in.Target); !ok {
		http.Error(w, fmt.Sprintf("unknown target %q: it is not configured in this data source", in.Target), http.StatusBadRequest)
		return
	}
	if _, ok := models.LookupProfileType(models.ProfileType(in.Kind)); !ok {
		http.Error(w, fmt.Sprintf("unknown profile type %q", in.Kind), http.StatusBadRequest)
		return
	}
	if d.snapshots == nil {
		http.Error(w, errNoSnapshotStore.Error(), http.StatusServiceUnavailable)
		return
	}
	info, _ := models.LookupProfileType(models.ProfileType(in.Kind))
	key := snapshots.Key{Target: in.Target, Kind: string(info.StoredAs), Time: time.UnixMilli(in.Time)}
	err := d.snapshots.Pin(r.Context(), in.Name, key)
	switch {
	case errors.Is(err, snapshots.ErrNotFound):
		http.Error(w, fmt.Sprintf("target %q has no %s snapshot at %s to pin", in.Target, in.Kind, key.Time.UTC().Format(time.RFC3339Nano)), http.StatusNotFound)
	case err != nil:
		http.Error(w, fmt.Sprintf("could not pin %q: %v", in.Name, err), http.StatusConflict)
	default:
		w.WriteHeader(http.StatusCreated)
		writeJSON(w, pinInfo{Name: in.Name, Target: in.Target, Kind: key.Kind, Time: in.Time})
	}
}

func (d *Datasource) serveDeletePin(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.URL.Query().Get("name"))
	if name == "" {
		http.Error(w, "name the pin to delete: DELETE pins?name=<name>", http.StatusBadRequest)
		return
	}
	if d.snapshots == nil {
		http.Error(w, errNoSnapshotStore.Error(), http.StatusServiceUnavailable)
		return
	}
	err := d.snapshots.Unpin(r.Context(), name)
	switch {
	case errors.Is(err, snapshots.ErrNotFound):
		http.Error(w, fmt.Sprintf("there is no pin named %q", name), http.StatusNotFound)
	case err != nil:
		http.Error(w, fmt.Sprintf("could not delete pin %q: %v", name, err), http.StatusInternalServerError)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// resourceTarget reads the `target` parameter, which must name a configured target; empty
// is allowed only when not required.
func (d *Datasource) resourceTarget(w http.ResponseWriter, r *http.Request, required bool) (string, bool) {
	name := r.URL.Query().Get("target")
	if name == "" && !required {
		return "", true
	}
	if name == "" {
		http.Error(w, "the target parameter is required", http.StatusBadRequest)
		return "", false
	}
	if _, ok := d.settings.TargetByName(name); !ok {
		http.Error(w, fmt.Sprintf("unknown target %q: it is not configured in this data source", name), http.StatusBadRequest)
		return "", false
	}
	return name, true
}

// resourceKind reads the `type` parameter and returns the kind its snapshots are stored under.
func resourceKind(w http.ResponseWriter, r *http.Request) (string, bool) {
	v := r.URL.Query().Get("type")
	if v == "" {
		v = string(models.DefaultProfileType)
	}
	info, ok := models.LookupProfileType(models.ProfileType(v))
	if !ok {
		http.Error(w, fmt.Sprintf("unknown profile type %q", v), http.StatusBadRequest)
		return "", false
	}
	return string(info.StoredAs), true
}
