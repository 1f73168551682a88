// Package storagetest gives tests in any package a migrated, private database: a fresh PostgreSQL database
// per test, cloned from a migrated template (fast, and no test sees another's rows), or a SQLite file in the
// test's temporary directory. It is imported only by tests; it imports storage, internal/testenv, the pgx
// driver and the standard library.
package storagetest
