#!/usr/bin/env bash
# Runs every fuzz target for a few seconds (FUZZTIME, default 5s), one at a
# time: the feed parser and normalizer, the config parser, the rich-text
# converters and the command parser. A crasher fails the script; go test
# writes it under the package's testdata/fuzz so it becomes a regression
# test of the normal suite.
#
#   ./scripts/fuzz.sh              # every target, 5 s each
#   FUZZTIME=1m ./scripts/fuzz.sh  # longer
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-5s}

targets=(
	"./feeds FuzzParse"
	"./config FuzzParse"
	"./richtext FuzzFromHTML"
	"./richtext/discordmd FuzzDiscordMarkdown"
	"./richtext/matrixhtml FuzzMatrixHTML"
	"./richtext/webhtml FuzzWebHTML"
	"./bot FuzzCommandParse"
)
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	echo "== fuzz $pkg $name ($fuzztime)"
	# -parallel 2: the machine has two cores; the seed corpus runs first.
	go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -parallel 2 "$pkg"
done
echo "== fuzz: ${#targets[@]} targets, no crasher"
