package main

import (
	"context"
	"fmt"
	"io"
)

const sourcesHelp = `Usage: baton sources COMMAND KEY [options]

Commands:
  pull KEY --since DATE [--until DATE]   backfill a pull source (oceanengine, tencent_ads)
  test KEY [--since DATE] [--until DATE] fetch one page of a pull source; print the mapped leads and every
                                          problem, storing nothing
`

// cmdSources dispatches `baton sources`. Pull sources' subcommands are in sources_pull.go.
func cmdSources(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, sourcesHelp)
		return &exitError{code: 2}
	}
	switch args[0] {
	case "pull":
		return cmdSourcesPull(ctx, args[1:], getenv, stdout, stderr)
	case "test":
		return cmdSourcesTest(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, sourcesHelp)
		return nil
	}
	fmt.Fprintf(stderr, "baton sources: unknown command %q\n\n%s", args[0], sourcesHelp)
	return &exitError{code: 2}
}
