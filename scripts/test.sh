#!/usr/bin/env bash
# The project's test command: static checks, Go unit, fuzz and integration tests, frontend
# checks and tests, the production build of both halves of the plugin, and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "gofmt"
unformatted=$(gofmt -l -s pkg internal examples test bench)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "staticcheck"
staticcheck ./...

step "generated TypeScript query model is current"
go test -count=1 -run TestTypeScriptModelIsCurrent ./pkg/models

step "go test (race detector, includes the integration tests against the built plugin binary)"
go test -race -count=1 -timeout 20m ./...

step "short fuzzing of the parsers"
# A count budget, not a duration: with -fuzztime=<duration> Go's fuzz coordinator can report
# "context deadline exceeded" as a failure when its deadline races a busy worker
# (golang/go#75804), and a loaded CI machine hits that race. A count has no deadline.
for pkg in ./pkg/memstats ./pkg/goroutines ./pkg/profiles ./pkg/snapshots ./pkg/suspects; do
  for f in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz'); do
    go test -run='^$' -fuzz="^${f}\$" -fuzztime=150000x "$pkg"
  done
done

step "frontend: typecheck, lint, prettier, unit tests"
npm run typecheck
npx tsc -p tests/browser
npm run lint
npx prettier --check "src/**/*.{ts,tsx,json}" "tests/*.ts" "tests/browser/**/*.{ts,tsx,mjs,json,html}" "*.{js,mjs,ts,json}"
npm run test:ci

step "frontend against the oldest supported Grafana packages"
bash scripts/check-grafana-min.sh

step "build: frontend bundle and backend binary (the compose file's builder stage runs the same script)"
bash scripts/build.sh
test -s dist/module.js
test -x dist/gpx_pprof_linux_amd64

step "browser tests: the editors, and the built module.js in a Grafana-like host, in headless Chromium against the real backend and demo services"
# After the build: the screenshot test loads dist/module.js as Grafana would.
node --test tests/browser/

step "compose file: valid, and its builder stage builds the plugin as this script does"
# No Docker engine runs here, so the images are not built; the file is checked as compose reads it.
docker-compose -f docker-compose.yaml config -q
grep -q '^RUN bash scripts/build.sh$' docker/plugin.Dockerfile
for svc in grafana leaky goroutines gc; do
  docker-compose -f docker-compose.yaml config --services | grep -qx "$svc"
done

echo "all checks passed"
