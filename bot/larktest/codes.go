package larktest

// Lark response codes the emulator returns. Codes marked "chosen" are not documented by Lark for that exact
// situation; the emulator uses a code of the same family so the bot's error mapping is still exercised.
const (
	CodeOK                  = 0
	CodeTokenBadRequest     = 10003    // token endpoint: malformed request
	CodeAppNotExist         = 10014    // token endpoint: unknown app_id
	CodeAppSecretInvalid    = 10015    // token endpoint: wrong app_secret
	CodeInvalidToken        = 99991663 // tenant_access_token missing, unknown or expired; the SDK retries once
	CodeRateLimited         = 99991400 // app-wide frequency limit, HTTP 429 with x-ogw-ratelimit-* headers
	CodeFieldValidation     = 99992402 // generic request validation failure
	CodeInvalidParam        = 230001
	CodeBotNotInChat        = 230002
	CodeMessageRecalled     = 230011
	CodeNoAvailability      = 230013 // chosen: message to a user the app cannot see
	CodeIMRateLimited       = 230020 // per chat, per user or per message frequency limit
	CodeContentTooLong      = 230025
	CodeMessageTooOld       = 230031
	CodeCardInvalid         = 230099 // card content rejected; msg names the rule
	CodeNoPermission        = 230027 // also used (chosen) when the bot acts on a message it did not send
	CodeBotNotActivated     = 230006 // bot ability not activated (the patch page's error table)
	CodeScopeMissing        = 99991672
	CodeCallbackCardInvalid = 200673 // shown by the client when a callback answer's card is refused
	CodeCardOpenIDEmpty     = 300090 // delayed update of a 1.0 card without open_ids
	CodeNotInChat           = 232011 // operator is not in the chat (chat members)
	CodeChatNotFound        = 232006 // chosen
	CodeNoUserAuthority     = 41050  // contact: user not visible to the app
	CodeUnknownRoute        = 404    // chosen: the emulator does not implement the route
	CodeWSAuthFailed        = 514    // websocket handshake status for bad credentials
	CodeWSConnLimit         = 1000040350
	maxWSConnections        = 50
	patchWindow             = 14 * 24 * 60 * 60 // seconds; cards older than this cannot be patched
	uuidWindowSeconds       = 3600
	cardLimitBytes          = 30 * 1024
	textLimitBytes          = 150 * 1024
	maxUrgentUnreadByUser   = 200
)

func isRateLimitCode(code int) bool {
	return code == CodeRateLimited || code == CodeIMRateLimited || code == 11232
}
