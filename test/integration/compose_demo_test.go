package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/leakwatch/pprof-datasource/internal/alertrules"
)

// The compose demo promises that within five minutes of `docker compose up` at least one
// provisioned alert rule fires. No Docker engine runs where the tests run, so this rehearses
// the demo without it: the three demo services with the exact flags docker-compose.yaml gives
// them, the plugin binary with the provisioned data source's settings (only the service
// addresses differ), and the provisioned rules evaluated against it on their schedule (internal/alertrules).

const (
	composeFile = "../../docker-compose.yaml"
	rulesFile   = "../../provisioning/alerting/go-leaks.yaml"
	dsFile      = "../../provisioning/datasources/datasources.yml"
	// demoPromise is how long after start the compose file says an alert fires.
	demoPromise = 5 * time.Minute
	// promisedRule is the rule the compose file names, and promisedTarget the service it fires for.
	promisedRule   = "leakwatch-goroutines-growing"
	promisedTarget = "goroutines"
)

// composeCommands returns each compose service's command line.
func composeCommands(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(composeFile)
	require.NoError(t, err)
	var f struct {
		Services map[string]struct {
			Command []string `yaml:"command"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(b, &f))
	out := map[string][]string{}
	for name, svc := range f.Services {
		out[name] = svc.Command
	}
	return out
}

// provisionedJSONData returns the jsonData of the one provisioned data source.
func provisionedJSONData(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(dsFile)
	require.NoError(t, err)
	var f struct {
		Datasources []struct {
			JSONData map[string]any `yaml:"jsonData"`
		} `yaml:"datasources"`
	}
	require.NoError(t, yaml.Unmarshal(b, &f))
	require.Len(t, f.Datasources, 1)
	return f.Datasources[0].JSONData
}

func TestComposeDemoFiresAnAlertWithinFiveMinutes(t *testing.T) {
	pluginBin, demoBin := binaries(t)
	commands := composeCommands(t)
	jsonData := provisionedJSONData(t)

	// Start each target of the provisioned data source as the compose service of its name.
	targets, _ := jsonData["targets"].([]any)
	require.NotEmpty(t, targets)
	for _, raw := range targets {
		target := raw.(map[string]any)
		name := target["name"].(string)
		args, ok := commands[name]
		require.True(t, ok, "target %s has no compose service of that name", name)
		require.True(t, strings.HasSuffix(target["url"].(string), ":6060"), "target %s: the demo image listens on :6060", name)
		target["url"] = startDemo(t, demoBin, nil, args...)
	}
	jsonData["storagePath"] = filepath.Join(t.TempDir(), "store")

	rules, err := alertrules.Load(rulesFile)
	require.NoError(t, err)
	var promised alertrules.Scheduled
	for _, r := range rules {
		if r.UID == promisedRule {
			promised = r
		}
	}
	require.Equal(t, promisedRule, promised.UID, "the promised rule is provisioned")
	pendingFor, err := time.ParseDuration(promised.For)
	require.NoError(t, err)
	// Grafana evaluates the group every interval: the rule turns pending at the first evaluation
	// after its condition holds and fires at the first one at least `for` later.
	budget := demoPromise - pendingFor - promised.Interval
	require.Positive(t, budget, "the rule's for (%s) and interval (%s) alone exceed the promise", pendingFor, promised.Interval)

	p := startPlugin(t, pluginBin)
	s := settings{UID: "compose-demo", JSONData: jsonData, Updated: time.Now()}
	run := ruleRunner(p, s)
	start := time.Now()
	health := p.checkHealth(t, s)
	t.Logf("Save & test: %s", health.Message)

	firstTrue := map[string]time.Duration{}
	var last map[string]map[string]float64
	for {
		now := time.Now()
		last = map[string]map[string]float64{}
		for _, r := range rules {
			values, nodes, err := alertrules.Evaluate(r.Rule, run, now)
			require.NoError(t, err)
			if r.UID == promisedRule {
				t.Logf("%s after %s: %s", r.UID, now.Sub(start).Round(time.Second), nodes)
			}
			last[r.UID] = values
			for _, key := range sortedKeys(values) {
				if alertrules.Firing(values[key]) {
					if _, seen := firstTrue[r.UID+" "+key]; !seen {
						firstTrue[r.UID+" "+key] = now.Sub(start)
						t.Logf("%s: condition true for %s after %s", r.UID, key, now.Sub(start).Round(time.Second))
					}
				}
			}
		}
		if promisedTrue(last[promisedRule]) || time.Since(start) > budget {
			break
		}
		time.Sleep(5 * time.Second)
	}
	elapsed := time.Since(start)
	t.Logf("last evaluation: %v", last)
	require.True(t, promisedTrue(last[promisedRule]),
		"%s did not hold for %s within %s (the promise %s minus for %s and the group interval %s): %v",
		promisedRule, promisedTarget, budget, demoPromise, pendingFor, promised.Interval, last[promisedRule])
	t.Logf("%s holds for %s after %s: fires by about %s after start (promise %s)",
		promisedRule, promisedTarget, elapsed.Round(time.Second), (elapsed + pendingFor + promised.Interval).Round(time.Second), demoPromise)

	// The services without a goroutine leak must not be flagged by the same rule.
	for key, v := range last[promisedRule] {
		if !strings.Contains(key, "target="+promisedTarget) {
			assert.Zero(t, v, "%s holds for %s, which leaks no goroutines", promisedRule, key)
		}
	}
}

// promisedTrue tells whether the promised rule's condition holds for the promised target.
func promisedTrue(values map[string]float64) bool {
	for key, v := range values {
		if strings.Contains(key, "target="+promisedTarget) && alertrules.Firing(v) {
			return true
		}
	}
	return false
}
