// Package reliability is Herald's reliability suite. It runs the real
// `herald run` binary as a subprocess against the fake Discord
// (adapters/discord/discordtest, reached through discord.api_base), a real
// Dendrite (internal/dendritetest) and a local feed server, then kills,
// faults and feeds it hostile input, and counts what arrived on every
// platform: each test prints its figures ("lost: 0, duplicated: 0").
//
// The fast rounds run in the normal suite; the long ones are behind the
// reliability build tag:
//
//	go test -tags reliability -run . -v -timeout 30m ./internal/reliability/
//
// Everything here is tests; this file only holds the package comment.
package reliability
