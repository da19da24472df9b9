//go:build tools

// Package tools pins the Dendrite homeserver that Herald's Matrix tests run
// against. It lives in its own module so that Dendrite's dependencies never
// enter Herald's go.mod.
package tools

import (
	_ "github.com/matrix-org/dendrite/cmd/create-account"
	_ "github.com/matrix-org/dendrite/cmd/dendrite"
	_ "github.com/matrix-org/dendrite/cmd/generate-config"
	_ "github.com/matrix-org/dendrite/cmd/generate-keys"
)
