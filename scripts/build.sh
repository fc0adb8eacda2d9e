#!/usr/bin/env bash
# Builds both halves of the plugin into dist/: the frontend bundle and the backend binary for
# this machine's OS and architecture. The test command and the compose file's builder stage
# both run this script, so the plugin Grafana loads in the demo is built the way CI builds it.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build
bash scripts/build-backend.sh
