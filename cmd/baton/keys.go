package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/baton-crm/baton/cmd/baton/config"
	"github.com/baton-crm/baton/storage"
)

const keysHelp = `Usage: baton keys rotate [--batch N] [--after ID]

Moves every customer's personal data and lookup hashes to the current BATON_DATA_KEY, after a rotation:
  1. put the old key in BATON_DATA_OLD_KEYS (comma-separated) and the new one in BATON_DATA_KEY;
  2. restart Baton (lookups and decryption work with either key meanwhile);
  3. run "baton keys rotate" (it may run while Baton serves);
  4. when it reports no conflicts and nothing undecryptable, remove the old key and restart.
Works in batches, one transaction each, printing progress; running it again skips what is already current,
and --after resumes after the last customer id a previous run printed.
`

func cmdKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 1 || args[0] != "rotate" {
		fmt.Fprint(stderr, keysHelp)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return &exitError{code: 2, err: errors.New("")}
	}
	fs := flagSet("keys rotate", keysHelp, stderr)
	batch := fs.Int("batch", 500, "customers per transaction")
	after := fs.Int64("after", 0, "resume after this customer id")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *batch <= 0 {
		return &exitError{code: 2, err: errors.New("--batch must be positive")}
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	db, err := openDB(ctx, cfg, log, nil, cfg.AutoMigrate, true)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := db.RotateKeys(ctx, storage.RotateOptions{After: *after, Batch: *batch}, func(p storage.RotateProgress) {
		fmt.Fprintf(stderr, "checked %d customers (up to id %d): %d rotated, %d already current\n", p.Checked, p.LastID, p.Rotated, p.Current)
	})
	if err != nil {
		fmt.Fprintf(stderr, "stopped; run again with --after %d to resume\n", p.LastID)
		return err
	}
	fmt.Fprintf(stdout, "key rotation: checked %d customers, rotated %d, %d already current\n", p.Checked, p.Rotated, p.Current)
	if len(p.Conflicts) > 0 {
		fmt.Fprintf(stdout, "%d customer(s) share a phone or email with another customer (duplicates made before this fix), their lookup hash stays under the old key: ids %v\n", len(p.Conflicts), p.Conflicts)
	}
	if len(p.Undecryptable) > 0 {
		fmt.Fprintf(stdout, "%d customer(s) do not decrypt with any configured key (is a key missing from BATON_DATA_OLD_KEYS?): ids %v\n", len(p.Undecryptable), p.Undecryptable)
		return &exitError{code: 1, err: errors.New("some customers could not be rotated")}
	}
	if len(p.Conflicts) == 0 {
		fmt.Fprintln(stdout, "everything is under the current key: BATON_DATA_OLD_KEYS can be removed")
	}
	return nil
}
