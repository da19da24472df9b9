package main

import (
	"context"
	"errors"
	"io"
)

// runCommand is a placeholder until the command is built.
func runCommand(context.Context, []string, io.Writer, io.Writer) error {
	return errors.New("not built yet")
}
