// Package storage keeps Baton's state in a SQL database with bun: PostgreSQL (pgx) in production and SQLite
// (the pure-Go modernc driver) as the embedded default. It implements crm.LeadStore and crm.MemberStore,
// the Lark event dedup table, and the versioned, embedded migrations that `baton migrate` and serve apply.
//
// Personal data (customer names, phones, emails) is encrypted at rest with AES-256-GCM; a keyed hash of
// phone and email serves dedupe lookups. Nothing personal reaches logs or error messages.
//
// storage may import crm, bun and its dialects, the database drivers and the standard library. It never
// imports bot, jobs, handlers or cards. bun models stay here and map to crm types; no business rule runs
// in this package: the domain passes its rules in as functions (NewLead.Created, MutateLead's fn) and
// storage runs them inside the transaction.
package storage
