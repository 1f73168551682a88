package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larktask "github.com/larksuite/oapi-sdk-go/v3/service/task/v2"

	"github.com/baton-crm/baton/crm"
)

// Follow-ups as Feishu tasks, over task v2 with the tenant token (the app creates and owns the tasks):
//   - create: https://open.feishu.cn/document/task-v2/task/create (POST /open-apis/task/v2/tasks; members with
//     role "assignee"; due {timestamp ms as a string, is_all_day}; client_token makes a repeat return the
//     task the first call created)
//   - patch: https://open.feishu.cn/document/task-v2/task/patch (update_fields names what changes; completed_at
//     "0" reopens, a timestamp completes)
//   - get: https://open.feishu.cn/document/task-v2/task/get (completed_at "0" while open)
//
// Scopes: TaskScopes.

var _ crm.Tasks = (*Client)(nil)

// TaskScopes are the scopes task v2's create and patch accept, any one of them ("权限要求" of the create page).
var TaskScopes = []string{"task:task:write", "task:task:writeonly"}

// TaskReadScopes are the scopes task v2's get accepts.
var TaskReadScopes = []string{"task:task:read", "task:task:readonly", "task:task:write"}

func (c *Client) task() *larktask.V2 { return larktask.New(c.lark) }

// CreateTask creates a task assigned to t.Assignee. A repeat of clientToken returns the first call's task, so
// a retry after a lost answer creates nothing twice.
func (c *Client) CreateTask(ctx context.Context, t crm.TaskSpec, clientToken string) (string, error) {
	link := t.Link
	if link == "" {
		link = c.botLink()
	}
	origin := larktask.NewOriginBuilder().
		PlatformI18nName(larktask.NewI18nTextBuilder().ZhCn("Baton 线索").EnUs("Baton leads").Build()).
		Href(larktask.NewHrefBuilder().Url(link).Title(t.LinkTitle).Build()).Build()
	in := larktask.NewInputTaskBuilder().
		Summary(t.Summary).
		Description(t.Description).
		Due(larktask.NewDueBuilder().Timestamp(millis(t.Due)).IsAllDay(false).Build()).
		Members([]*larktask.Member{larktask.NewMemberBuilder().Id(t.Assignee).Type("user").Role("assignee").Build()}).
		Origin(origin).
		ClientToken(clientToken).
		Build()
	req := larktask.NewCreateTaskReqBuilder().UserIdType("open_id").InputTask(in).Build()
	var guid string
	err := c.do(ctx, call{op: "task_create", keys: c.rateKeys("task"), attrs: []any{"open_id", t.Assignee}},
		func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
			r, err := c.task().Task.Create(ctx, req, tok)
			if err != nil {
				return nil, nil, err
			}
			if r.Data != nil && r.Data.Task != nil {
				guid = deref(r.Data.Task.Guid)
			}
			return r.ApiResp, &r.CodeError, nil
		})
	if err == nil && guid == "" {
		err = fmt.Errorf("lark task_create: answer without a task guid")
	}
	return guid, err
}

// SetTaskDue moves the task's due time.
func (c *Client) SetTaskDue(ctx context.Context, guid string, due time.Time) error {
	in := larktask.NewInputTaskBuilder().Due(larktask.NewDueBuilder().Timestamp(millis(due)).IsAllDay(false).Build()).Build()
	return c.patchTask(ctx, "task_due", guid, in, "due")
}

// CompleteTask marks the task completed at at.
func (c *Client) CompleteTask(ctx context.Context, guid string, at time.Time) error {
	return c.patchTask(ctx, "task_complete", guid, larktask.NewInputTaskBuilder().CompletedAt(millis(at)).Build(), "completed_at")
}

func (c *Client) patchTask(ctx context.Context, op, guid string, in *larktask.InputTask, fields ...string) error {
	body := larktask.NewPatchTaskReqBodyBuilder().Task(in).UpdateFields(fields).Build()
	req := larktask.NewPatchTaskReqBuilder().TaskGuid(guid).UserIdType("open_id").Body(body).Build()
	return c.do(ctx, call{op: op, keys: c.rateKeys("task"), attrs: []any{"task_guid", guid}},
		func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
			r, err := c.task().Task.Patch(ctx, req, tok)
			if err != nil {
				return nil, nil, err
			}
			return r.ApiResp, &r.CodeError, nil
		})
}

// TaskCompletedAt reports when the task was completed; zero while it is open.
func (c *Client) TaskCompletedAt(ctx context.Context, guid string) (time.Time, error) {
	req := larktask.NewGetTaskReqBuilder().TaskGuid(guid).UserIdType("open_id").Build()
	var done string
	err := c.do(ctx, call{op: "task_get", keys: c.rateKeys("task"), attrs: []any{"task_guid", guid}},
		func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
			r, err := c.task().Task.Get(ctx, req, tok)
			if err != nil {
				return nil, nil, err
			}
			if r.Data != nil && r.Data.Task != nil {
				done = deref(r.Data.Task.CompletedAt)
			}
			return r.ApiResp, &r.CodeError, nil
		})
	if err != nil {
		return time.Time{}, err
	}
	ms, _ := strconv.ParseInt(done, 10, 64)
	if ms <= 0 {
		return time.Time{}, nil
	}
	return time.UnixMilli(ms).UTC(), nil
}

// botLink opens the DM with the bot, where the owner card is: AppLink "打开机器人会话",
// https://open.feishu.cn/document/uAjLw4CM/uYjL24iN/applink-protocol/supported-protocol/open-a-bot-chat
// (applink.larksuite.com on Lark's international platform).
func (c *Client) botLink() string {
	host := "applink.feishu.cn"
	if strings.Contains(c.cfg.BaseURL, "larksuite.com") {
		host = "applink.larksuite.com"
	}
	return "https://" + host + "/client/bot/open?appId=" + c.cfg.AppID
}

func millis(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
