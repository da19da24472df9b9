#!/usr/bin/env bash
# Runs Herald's whole test suite, the same way CI does.
#
# Needs: Go, gcc, and PostgreSQL on 127.0.0.1:5432 (trust auth, database
# `test`). The Matrix tests build a real Dendrite homeserver once (a few
# minutes the first time) and cache it under ~/.cache/herald.
# With CI=true every test that needs PostgreSQL or Dendrite fails instead of
# skipping when that part is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -x tools/dendrite/build.sh ]; then
	tools/dendrite/build.sh
fi

go vet ./...
# -race everywhere: most packages start goroutines (pollers, deliverers,
# adapters, fake servers), and the rest are cheap.
go test -race -count=1 -timeout 25m "$@" ./...
