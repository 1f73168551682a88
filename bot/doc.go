// Package bot is Baton's door to Feishu/Lark. Outbound, Client sends, replies to, patches and buzzes
// messages and answers who is who (it implements crm.Messenger and crm.Directory), pacing every call through
// one limiter that several replicas share over Redis, retrying what retrying can fix and classifying the rest
// (APIError.Temporary tells jobs whether to try again). Inbound, NewWebhook and RunWebsocket turn Lark events
// and card callbacks into the typed values Handler receives, after the checks the SDK leaves out: replay
// windows, plaintext refusal, body caps and event_id deduplication.
//
// bot may import the standard library, crm, the Lark SDK's core, event, ws, im/v1 and contact/v3 packages
// (never the SDK root package, which compiles every Lark service), go-redis and x/time. It never imports
// storage, jobs, handlers or cards; handlers imports bot's intake types.
package bot
