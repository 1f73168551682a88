package bot

import (
	"context"
	"strings"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larkcontact "github.com/larksuite/oapi-sdk-go/v3/service/contact/v3"
	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"
)

// batchGetIDMax is how many emails and how many mobiles one batch_get_id call takes: "最多 50 条" each.
// https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/contact-v3/user/batch_get_id
const batchGetIDMax = 50

// UserIDs resolves emails and mobile numbers to open_ids (POST /open-apis/contact/v3/users/batch_get_id),
// 50 of each per call. The answer maps each input as given to its open_id; inputs Lark does not know, or
// that are outside the app's visibility (Lark answers those as unknown), are absent. Mainland numbers go
// without +86 and others need their "+" code, as the same page says; NormalizeMobile does that.
// Needs the contact:user.id:readonly scope.
func (c *Client) UserIDs(ctx context.Context, emails, mobiles []string) (map[string]string, error) {
	out := map[string]string{}
	for len(emails) > 0 || len(mobiles) > 0 {
		ne, nm := min(len(emails), batchGetIDMax), min(len(mobiles), batchGetIDMax)
		if err := c.batchGetID(ctx, emails[:ne], mobiles[:nm], out); err != nil {
			return nil, err
		}
		emails, mobiles = emails[ne:], mobiles[nm:]
	}
	return out, nil
}

func (c *Client) batchGetID(ctx context.Context, emails, mobiles []string, out map[string]string) error {
	send := make([]string, len(mobiles))
	asked := map[string]string{} // mobile as sent → as given
	for i, m := range mobiles {
		send[i] = NormalizeMobile(m)
		asked[send[i]] = m
	}
	req := larkcontact.NewBatchGetIdUserReqBuilder().UserIdType("open_id").
		Body(larkcontact.NewBatchGetIdUserReqBodyBuilder().Emails(emails).Mobiles(send).IncludeResigned(false).Build()).Build()
	return c.do(ctx, call{op: "batch_get_id", keys: c.rateKeys("batch_get_id"), attrs: []any{"emails", len(emails), "mobiles", len(mobiles)}},
		func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
			r, err := c.contact.User.BatchGetId(ctx, req, tok)
			if err != nil {
				return nil, nil, err
			}
			if r.Code == 0 && r.Data != nil {
				for _, u := range r.Data.UserList {
					if u == nil || u.UserId == nil || *u.UserId == "" {
						continue
					}
					if u.Email != nil && *u.Email != "" {
						out[*u.Email] = *u.UserId
						for _, e := range emails { // Lark may answer in another letter case
							if strings.EqualFold(e, *u.Email) {
								out[e] = *u.UserId
							}
						}
					}
					if u.Mobile != nil && *u.Mobile != "" {
						if given, ok := asked[*u.Mobile]; ok {
							out[given] = *u.UserId
						} else {
							out[*u.Mobile] = *u.UserId
						}
					}
				}
			}
			return r.ApiResp, &r.CodeError, nil
		})
}

// NormalizeMobile writes a mobile number the way batch_get_id matches it: digits only, a mainland number
// (+86 or 86 followed by 11 digits) without its country code, any other number with its leading "+".
func NormalizeMobile(m string) string {
	plus := strings.HasPrefix(strings.TrimSpace(m), "+") || strings.HasPrefix(strings.TrimSpace(m), "＋")
	var b strings.Builder
	for _, r := range m {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	switch {
	case strings.HasPrefix(d, "86") && len(d) == 13:
		return d[2:]
	case plus:
		return "+" + d
	}
	return d
}

// Chat is a group chat the bot is in.
type Chat struct {
	ID   string // oc_…
	Name string
}

// Chats lists the chats the bot is a member of (GET /open-apis/im/v1/chats), every page. Needs the
// im:chat:readonly scope (or im:chat).
// https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/im-v1/chat/list
func (c *Client) Chats(ctx context.Context) ([]Chat, error) {
	var out []Chat
	pageToken := ""
	for page := 0; ; page++ {
		b := larkim.NewListChatReqBuilder().PageSize(100)
		if pageToken != "" {
			b.PageToken(pageToken)
		}
		req := b.Build()
		var more bool
		err := c.do(ctx, call{op: "chats", keys: c.rateKeys("chats"), attrs: []any{"page", page}},
			func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
				r, err := c.im.Chat.List(ctx, req, tok)
				if err != nil {
					return nil, nil, err
				}
				if r.Code == 0 && r.Data != nil {
					for _, ch := range r.Data.Items {
						if ch != nil && ch.ChatId != nil {
							out = append(out, Chat{ID: *ch.ChatId, Name: larkcore.StringValue(ch.Name)})
						}
					}
					more = larkcore.BoolValue(r.Data.HasMore) && larkcore.StringValue(r.Data.PageToken) != ""
					pageToken = larkcore.StringValue(r.Data.PageToken)
				}
				return r.ApiResp, &r.CodeError, nil
			})
		if err != nil {
			return nil, err
		}
		if !more {
			return out, nil
		}
	}
}
