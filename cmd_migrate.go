package main

import (
	"context"
	"errors"
	"io"
)

// migrateCommand is a placeholder until the command is built.
func migrateCommand(context.Context, []string, io.Writer, io.Writer) error {
	return errors.New("not built yet")
}
