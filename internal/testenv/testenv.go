// Package testenv gives tests the external services they need (PostgreSQL, Redis) and decides what happens
// when one is missing: outside CI the test skips with a clear message; with CI set it fails, so a CI run can
// never go green by skipping. It is imported only by tests and test support packages.
package testenv

import (
	"os"
	"testing"
)

// Environment variables that point tests at throwaway services.
const (
	DatabaseURLVar = "BATON_TEST_DATABASE_URL" // postgres://… on a server where tests may CREATE DATABASE
	RedisURLVar    = "BATON_TEST_REDIS_URL"    // redis://host:port/db that tests may FLUSHDB
)

// Require returns the value of the environment variable name. When it is empty the test skips, or fails
// when CI is set.
func Require(tb testing.TB, name, what string) string {
	tb.Helper()
	v := os.Getenv(name)
	if v != "" {
		return v
	}
	if os.Getenv("CI") != "" {
		tb.Fatalf("%s is not set: this test needs %s and CI does not allow skipping it", name, what)
	}
	tb.Skipf("%s is not set: skipping a test that needs %s (run `make test` to start one)", name, what)
	return ""
}

// DatabaseURL returns the PostgreSQL server URL for tests, skipping or failing as Require does.
func DatabaseURL(tb testing.TB) string {
	tb.Helper()
	return Require(tb, DatabaseURLVar, "PostgreSQL")
}

// RedisURL returns the Redis URL for tests, skipping or failing as Require does.
func RedisURL(tb testing.TB) string {
	tb.Helper()
	return Require(tb, RedisURLVar, "Redis")
}
