package main

import (
	"context"
	"errors"
	"io"
)

// checkCommand is a placeholder until the command is built.
func checkCommand(context.Context, []string, io.Writer, io.Writer) error {
	return errors.New("not built yet")
}
