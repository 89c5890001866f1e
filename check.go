package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

func runCheck(ctx context.Context, opts options, getenv func(string) string, stdout, stderr io.Writer) error {
	return fmt.Errorf("check mode is not built yet")
}

func runConsole(ctx context.Context, opts options, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	_ = slog.Default
	return fmt.Errorf("console mode is not built yet")
}
