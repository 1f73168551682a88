package bot

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"

	"github.com/baton-crm/baton/crm"
)

// Send posts m to a chat or a user's DM and returns the new message id. The same key within an hour posts
// once (it becomes Lark's uuid); an empty key still makes Client's own retries safe.
func (c *Client) Send(ctx context.Context, to crm.Recipient, m crm.Outgoing, key string) (string, error) {
	var idType, id string
	var rk rateKey
	switch {
	case to.ChatID != "" && to.OpenID == "":
		idType, id, rk = larkim.CreateMessageV1ReceiveIDTypeChatId, to.ChatID, c.chatKey(to.ChatID)
	case to.OpenID != "" && to.ChatID == "":
		idType, id, rk = larkim.CreateMessageV1ReceiveIDTypeOpenId, to.OpenID, c.userKey(to.OpenID)
	default:
		return "", errors.New("lark send: exactly one of chat id and open id must be set")
	}
	msgType, content, err := encodeOutgoing(m)
	if err != nil {
		return "", fmt.Errorf("lark send: %w", err)
	}
	req := larkim.NewCreateMessageReqBuilder().ReceiveIdType(idType).
		Body(larkim.NewCreateMessageReqBodyBuilder().ReceiveId(id).MsgType(msgType).Content(content).
			Uuid(uuidFor(key)).Build()).
		Build()
	var messageID string
	err = c.do(ctx, call{op: "send", keys: c.rateKeys("send", rk), attrs: []any{"receive_id_type", idType, "receive_id", id}},
		func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
			r, err := c.im.Message.Create(ctx, req, tok)
			if err != nil {
				return nil, nil, err
			}
			if r.Data != nil && r.Data.MessageId != nil {
				messageID = *r.Data.MessageId
			}
			return r.ApiResp, &r.CodeError, nil
		})
	return messageID, err
}

// Reply posts m as a reply to messageID, a message in chatID, and returns the reply's id. key works as in
// Send. A reply is a new message in the chat, so it shares the chat's 5 QPS with sends; without a chat id
// (callers that do not know it) it is paced per parent at the chat rate.
func (c *Client) Reply(ctx context.Context, chatID, messageID string, m crm.Outgoing, key string) (string, error) {
	msgType, content, err := encodeOutgoing(m)
	if err != nil {
		return "", fmt.Errorf("lark reply: %w", err)
	}
	req := larkim.NewReplyMessageReqBuilder().MessageId(messageID).
		Body(larkim.NewReplyMessageReqBodyBuilder().MsgType(msgType).Content(content).Uuid(uuidFor(key)).Build()).
		Build()
	rk := c.chatKey(chatID)
	if chatID == "" {
		rk = c.targetKey("reply:"+messageID, c.cfg.Limits.ChatPerWindow)
	}
	var replyID string
	err = c.do(ctx, call{op: "reply", keys: c.rateKeys("reply", rk), attrs: []any{"chat_id", chatID, "message_id", messageID}},
		func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
			r, err := c.im.Message.Reply(ctx, req, tok)
			if err != nil {
				return nil, nil, err
			}
			if r.Data != nil && r.Data.MessageId != nil {
				replyID = *r.Data.MessageId
			}
			return r.ApiResp, &r.CodeError, nil
		})
	return replyID, err
}

// UpdateCard replaces the card of a message the bot sent. Lark requires update_multi in both cards.
func (c *Client) UpdateCard(ctx context.Context, messageID string, card []byte) error {
	if !json.Valid(card) {
		return errors.New("lark patch: card is not valid JSON")
	}
	req := larkim.NewPatchMessageReqBuilder().MessageId(messageID).
		Body(larkim.NewPatchMessageReqBodyBuilder().Content(string(card)).Build()).Build()
	return c.do(ctx, call{op: "patch", keys: c.rateKeys("patch", c.messageKey(messageID)), attrs: []any{"message_id", messageID}},
		func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
			r, err := c.im.Message.Patch(ctx, req, tok)
			if err != nil {
				return nil, nil, err
			}
			return r.ApiResp, &r.CodeError, nil
		})
}

// Urgent buzzes (in-app urgent) the given users about a message the bot sent. Users Lark rejects are
// logged, not returned as an error: the others were buzzed.
func (c *Client) Urgent(ctx context.Context, messageID string, openIDs []string) error {
	if len(openIDs) == 0 {
		return nil
	}
	req := larkim.NewUrgentAppMessageReqBuilder().MessageId(messageID).UserIdType("open_id").
		UrgentReceivers(larkim.NewUrgentReceiversBuilder().UserIdList(openIDs).Build()).Build()
	var invalid []string
	err := c.do(ctx, call{op: "urgent", keys: c.rateKeys("urgent"), attrs: []any{"message_id", messageID}},
		func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
			r, err := c.im.Message.UrgentApp(ctx, req, tok)
			if err != nil {
				return nil, nil, err
			}
			if r.Data != nil {
				invalid = r.Data.InvalidUserIdList
			}
			return r.ApiResp, &r.CodeError, nil
		})
	if err == nil && len(invalid) > 0 {
		c.log.Warn("lark urgent skipped users", "message_id", messageID, "invalid_users", invalid)
	}
	return err
}

// UpdateByToken applies a delayed card update with the token of a card callback (valid 30 minutes, twice).
// Lark requires it to come after the callback was answered.
func (c *Client) UpdateByToken(ctx context.Context, token string, card []byte) error {
	if !json.Valid(card) {
		return errors.New("lark card update: card is not valid JSON")
	}
	body := map[string]any{"token": token, "card": json.RawMessage(card)}
	return c.do(ctx, call{op: "card_update", keys: c.rateKeys("card_update")},
		func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
			return c.raw(ctx, http.MethodPost, "/open-apis/interactive/v1/card/update", body, nil, tok)
		})
}

// raw performs a call without a generated SDK method and decodes the JSON answer into out (may be nil).
func (c *Client) raw(ctx context.Context, method, path string, body, out any, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
	resp, err := larkcore.Request(ctx, &larkcore.ApiReq{
		HttpMethod:                method,
		ApiPath:                   path,
		Body:                      body,
		SupportedAccessTokenTypes: []larkcore.AccessTokenType{larkcore.AccessTokenTypeTenant},
	}, c.lark, tok)
	if err != nil {
		return nil, nil, err
	}
	var ce larkcore.CodeError
	if err := json.Unmarshal(resp.RawBody, &ce); err != nil {
		return resp, nil, fmt.Errorf("decode %s response: %w", path, err)
	}
	if out != nil && ce.Code == 0 {
		if err := json.Unmarshal(resp.RawBody, out); err != nil {
			return resp, nil, fmt.Errorf("decode %s response: %w", path, err)
		}
	}
	return resp, &ce, nil
}

// encodeOutgoing returns Lark's msg_type and content string for m.
func encodeOutgoing(m crm.Outgoing) (string, string, error) {
	switch {
	case len(m.Card) > 0:
		if !json.Valid(m.Card) {
			return "", "", errors.New("card is not valid JSON")
		}
		return larkim.MsgTypeInteractive, string(m.Card), nil
	case m.Text != "":
		// json.Marshal rather than the SDK's text builder, which does not escape quotes or newlines.
		b, err := json.Marshal(map[string]string{"text": m.Text})
		if err != nil {
			return "", "", fmt.Errorf("encode text: %w", err)
		}
		return larkim.MsgTypeText, string(b), nil
	}
	return "", "", errors.New("message has neither card nor text")
}

// uuidFor turns an idempotency key of any length into Lark's uuid (at most 50 characters). Without a key a
// random one still keeps Client's own retries from posting twice.
func uuidFor(key string) string {
	if key == "" {
		var b [24]byte
		_, _ = rand.Read(b[:])
		return base64.RawURLEncoding.EncodeToString(b[:])
	}
	sum := sha256.Sum256([]byte(key))
	return base64.RawURLEncoding.EncodeToString(sum[:]) // 43 characters
}
