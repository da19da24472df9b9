package main

import (
	"context"
	"errors"
	"io"
)

// Placeholders replaced by their own files as the commands are built.

func runCommand(context.Context, []string, io.Writer, io.Writer) error {
	return errors.New("not built yet")
}
func checkCommand(context.Context, []string, io.Writer, io.Writer) error {
	return errors.New("not built yet")
}
func migrateCommand(context.Context, []string, io.Writer, io.Writer) error {
	return errors.New("not built yet")
}
func previewCommand(context.Context, []string, io.Writer, io.Writer) error {
	return errors.New("not built yet")
}
