// Package jobs runs Baton's background work on asynq: the task types and their id-only payloads, the
// handlers that call into crm, the crm.Scheduler that enqueues wake-ups, the periodic sweep, digest and
// feedback ticks, the Redis connection (real or embedded) and a Prometheus collector for queue depths.
//
// Redis tasks are only wake-ups: the database is the source of truth, every handler re-reads state through
// crm and is safe to run twice, and the sweep re-derives anything a lost task would have carried.
//
// jobs may import crm, asynq, go-redis, miniredis, the Prometheus client and the standard library; never
// storage, bot, handlers or cards.
package jobs
