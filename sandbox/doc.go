// Package sandbox lets people try Baton with no Lark tenant: it runs the Lark emulator (bot/larktest) on a
// loopback port, fills it with a demo tenant (a sales group with three reps, an ops channel, a manager),
// writes a demo baton.yaml for that tenant, and serves a web console at /sandbox/ that shows the chats,
// renders the cards and sends clicks the way Lark does.
//
// sandbox imports bot/larktest and crm only.
package sandbox
