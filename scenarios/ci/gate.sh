#!/usr/bin/env bash
# k6 release gates for any CI, in plain shell (the GitHub Actions version: github-actions.yml).
# Runs the smoke gate, then the load gate, with k6 and exits with k6's code: 0 passed, 99 a
# threshold failed, 4 no k6 (install it: https://grafana.com/docs/k6/latest/set-up/install-k6/,
# or set K6_BIN). Results stay in reports/out/ (reports/out/latest-bench: the last gate's run)
# for the pipeline to keep as artifacts.
#
#   scenarios/ci/gate.sh                      # the local reference stack, brought up and taken down
#   VDB_GATEWAY_URL=https://gw.example VDB_API_KEY=… scenarios/ci/gate.sh --allow-remote-load
#
# Environment: VDB_GATEWAY_URL / VDB_API_KEY (an external target: the production profile),
# GATE_SCENARIOS (default "smoke load"), SKIP_NPM_CI=1 (dependencies already installed).
# Arguments are passed to every `npm run k6` (e.g. --profile ci, --duration-scale 0.5).
set -uo pipefail
cd "$(dirname "$0")/../.."

if [ "${SKIP_NPM_CI:-}" != 1 ]; then
  npm ci --no-audit --no-fund || exit 2
fi

if [ -n "${VDB_GATEWAY_URL:-}" ]; then
  target=(--target external)
else
  target=(--target local)
  npm run stack -- up || exit 3
  trap 'npm run stack -- down' EXIT
fi

code=0
for scenario in ${GATE_SCENARIOS:-smoke load}; do
  npm run k6 -- "$scenario" "${target[@]}" "$@"
  code=$?
  if [ "$code" -ne 0 ]; then
    echo "k6 gate $scenario failed (exit $code): results in reports/out/latest-bench" >&2
    break
  fi
done
exit "$code"
