package storage

import "github.com/uptrace/bun"

// Writer exposes the write handle to the external tests that load digest fixtures row by row (Bun is the
// read-only pool on SQLite).
func (db *DB) Writer() *bun.DB { return db.bun }
