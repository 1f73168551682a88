// Package larktest is an in-process fake of the Lark (Feishu) Open Platform, in the style of net/http/httptest.
//
// Baton's bot tests, the end-to-end tests and the sandbox console point the Lark SDK at Server.URL() and then
// drive "users" through Go methods (SendText, Click, SendMenu, …) or the JSON control API under /__emu/.
// The emulator speaks the wire protocol itself: the tenant token endpoint and strict bearer auth, the IM,
// contact and bot APIs Baton calls, the interactive card delayed-update API, v2 event envelopes pushed to a
// webhook (AES-256-CBC encrypted and SHA-256 signed when an Encrypt Key is configured) or over the long
// connection (protobuf frames on a websocket), card.action.trigger callbacks built from the stored card, and the
// platform's limits: uuid idempotency, 30 KB request bodies, the card JSON 2.0 rules component by component
// (cardschema.go), per-chat/per-user/per-message and app-wide rate limits, plus fault injection and latency.
//
// The emulated app can be configured wrong the ways a new admin gets it wrong (access.go): scopes missing
// (SetScopes, RevokeScope: 99991672 naming the scopes), the bot ability off (SetBotActivated: 230006), the bot
// not in a chat (SetBotInChat: 230002), users outside the contact range (SetInContactRange: 41050). The
// app's scope list is served at GET /open-apis/application/v6/scopes.
//
// Only card JSON 2.0 is emulated: interactive content must declare schema "2.0" (or be a template/card_id
// reference, which is stored but not rendered). Error codes follow Lark where Lark documents them; where it
// does not, the emulator picks a code from the same family and says so next to the constant.
//
// Time windows (token expiry, uuid idempotency, rate limits, the 14-day patch and click window, delayed-update
// tokens) read the clock set with SetNow and moved with Advance, the wall clock by default.
//
// larktest imports only the standard library and github.com/gorilla/websocket. It deliberately does not import
// Baton's bot package, nor the SDK's event or ws packages (the latter drags in the SDK root package and every
// Lark service): signing, encryption and the websocket frame codec are written here from the platform
// description, so a mistake in the bot cannot be mirrored by its fake.
package larktest
