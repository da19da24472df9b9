#!/usr/bin/env bash
# Runs Herald's benchmarks and prints the figures the README quotes.
# Needs what the test suite needs (PostgreSQL for the postgres cases, gcc
# for Dendrite). Takes about 15 minutes on a 2-core machine; pass names to
# run only some: ./scripts/bench.sh parse pipeline relay e2e delivery scale idle
set -euo pipefail
cd "$(dirname "$0")/.."
parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(parse pipeline relay e2e delivery scale idle)

echo "== $(go version), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for p in "${parts[@]}"; do
	case $p in
	parse) # feed parse + normalize alone, over the fixture corpus
		go test -run '^$' -bench '^BenchmarkParseCorpus$' -benchtime 20x ./feeds ;;
	pipeline) # whole polls: parse, normalize, plan, dedup, insert on SQLite
		go test -run '^$' -bench '^BenchmarkPipeline$' -benchtime 5x ./bot ;;
	relay) # relay latency in the core: event received → mirror sent
		go test -run '^$' -bench '^BenchmarkRelayLatency$' -benchtime 200x ./bot ;;
	e2e) # end to end: fake Discord → adapter → relay → deliverer → Dendrite /sync
		go test -run '^$' -bench '^BenchmarkRelayDiscordToMatrix$' -benchtime 100x ./internal/reliability ;;
	delivery) # posting at the rate-limit ceiling of the fake Discord
		go test -run '^$' -bench '^BenchmarkDelivery$' -benchtime 1x ./adapters/discord ;;
	scale) # 10,000 feeds on one local server: one cycle, CPU per poll, peak RSS
		go test -tags reliability -count=1 -run '^TestPollScale$' -v -timeout 30m ./internal/reliability | grep -E '^BENCH|FAIL|ok' ;;
	idle) # resident memory of herald with 1,000 feeds configured
		go test -tags reliability -count=1 -run '^TestIdleRSS$' -v -timeout 15m ./internal/reliability | grep -E '^BENCH|FAIL|ok' ;;
	*) echo "unknown part $p" >&2; exit 2 ;;
	esac
done
