#!/usr/bin/env bash
# Builds dist/gpx_pprof_<os>_<arch> exactly as the SDK's mage target does (static, stripped,
# build info embedded), without needing mage installed.
set -euo pipefail
cd "$(dirname "$0")/.."
os=${GOOS:-$(go env GOOS)}
arch=${GOARCH:-$(go env GOARCH)}
version=$(node -p "require('./package.json').version")
id=$(node -p "require('./src/plugin.json').id")
exe=$(node -p "require('./src/plugin.json').executable")
now=$(date +%s000)
mkdir -p dist
CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -o "dist/${exe}_${os}_${arch}" -tags arrow_json_stdlib \
  -ldflags "-w -s -extldflags \"-static\" -X 'github.com/grafana/grafana-plugin-sdk-go/build/buildinfo.buildInfoJSON={\"time\":${now},\"pluginID\":\"${id}\",\"version\":\"${version}\"}' -X 'main.pluginID=${id}' -X 'main.version=${version}'" \
  ./pkg
chmod +x "dist/${exe}_${os}_${arch}"
echo "built dist/${exe}_${os}_${arch}"
