package main

import (
	"context"
	"errors"
	"io"
)

// previewCommand is a placeholder until the command is built.
func previewCommand(context.Context, []string, io.Writer, io.Writer) error {
	return errors.New("not built yet")
}
