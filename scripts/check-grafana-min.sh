#!/usr/bin/env bash
# Type-checks and unit-tests the frontend against the oldest Grafana packages the plugin
# declares support for (grafanaDependency >=12.3.0), in a throwaway copy of the repository,
# so an API that only newer @grafana packages have fails here rather than in users' Grafana.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${GRAFANA_MIN_PACKAGES:-12.3.3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar --exclude=./node_modules --exclude=./dist --exclude=./.git -cf - . | tar -xf - -C "$work"
cd "$work"
node - "$version" <<'JS'
const fs = require('fs');
const version = process.argv[2];
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
for (const name of ['data', 'ui', 'runtime', 'schema', 'i18n']) {
  pkg.dependencies[`@grafana/${name}`] = version;
}
// @grafana/ui 12.3 pulls react-data-grid from a git URL; the npm fork is what 13.x uses.
pkg.overrides = { ...(pkg.overrides || {}), 'react-data-grid': 'npm:@grafana/react-data-grid@7.0.0-beta.57' };
fs.writeFileSync('package.json', JSON.stringify(pkg, null, 2));
JS
rm -f package-lock.json
npm install --ignore-scripts --no-audit --no-fund --loglevel=error
npx tsc --noEmit
npx jest --passWithNoTests --maxWorkers 2
echo "frontend type-checks and passes its tests against @grafana/* ${version}"
