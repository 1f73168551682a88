package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cmd/baton/config"
)

const doctorHelp = `Usage: baton doctor

Checks the Feishu/Lark app in one run, with the real credentials (LARK_APP_ID, LARK_APP_SECRET,
LARK_BASE_URL, LARK_EVENT_MODE) and baton.yaml: the token, the bot ability, the scopes each feature
needs, that the bot is in every pool chat and ops channel, that managers and members are inside the
app's contact range, and in websocket mode that the long connection opens. Prints a checklist with
the console step that fixes each failure and exits 1 when something is missing. Changes nothing.
`

// finding is one line of the doctor's checklist.
type finding struct {
	ok       bool
	warn     bool // a degraded feature, not a broken setup
	what     string
	detail   string
	fixZH    string
	fixEN    string
	blocking bool // later checks cannot run without this one
}

func cmdDoctor(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flagSet("doctor", doctorHelp, stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	if cfg.Lark.AppID == "" {
		return &exitError{code: 2, err: errors.New("doctor checks a real Lark app: set LARK_APP_ID and LARK_APP_SECRET (and LARK_BASE_URL for Lark international)")}
	}
	client, err := bot.NewClient(bot.Config{AppID: cfg.Lark.AppID, AppSecret: cfg.Lark.AppSecret,
		BaseURL: cfg.Lark.BaseURL, Timeout: 10 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Baton doctor: app %s at %s, %s mode\n\n", cfg.Lark.AppID, cfg.Lark.BaseURL, cfg.Lark.EventMode)
	problems := 0
	for f := range doctorChecks(ctx, cfg, client) {
		printFinding(stdout, f)
		if !f.ok && !f.warn {
			problems++
		}
	}
	if problems > 0 {
		fmt.Fprintf(stdout, "\n%d problem(s) found / 发现 %d 个问题\n", problems, problems)
		return &exitError{code: 1, err: errors.New("")}
	}
	fmt.Fprintln(stdout, "\nall checks passed / 全部检查通过")
	return nil
}

func printFinding(w io.Writer, f finding) {
	mark := "✓"
	switch {
	case !f.ok && f.warn:
		mark = "!"
	case !f.ok:
		mark = "✗"
	}
	line := mark + " " + f.what
	if f.detail != "" {
		line += ": " + f.detail
	}
	fmt.Fprintln(w, line)
	if !f.ok {
		fmt.Fprintf(w, "    修复: %s\n    Fix:  %s\n", f.fixZH, f.fixEN)
	}
}

// doctorChecks yields the findings in order; a blocking failure ends the run, because nothing after it can
// be asked of Lark.
func doctorChecks(ctx context.Context, cfg *config.Config, c *bot.Client) func(func(finding) bool) {
	return func(yield func(finding) bool) {
		for _, check := range []func(context.Context, *config.Config, *bot.Client) []finding{
			checkCredentials, checkBot, checkScopes, checkTasks, checkChats, checkPeople, checkDepartments, checkLongConnection,
		} {
			for _, f := range check(ctx, cfg, c) {
				if !yield(f) || (!f.ok && f.blocking) {
					return
				}
			}
		}
	}
}

func checkCredentials(ctx context.Context, _ *config.Config, c *bot.Client) []finding {
	f := finding{what: "credentials / 应用凭证", blocking: true}
	err := c.Ping(ctx)
	switch code := bot.Code(err); {
	case err == nil:
		f.ok, f.detail = true, "tenant_access_token issued"
	case code == bot.CodeAppNotExist || code == bot.CodeAppSecretInvalid:
		f.detail = fmt.Sprintf("Lark refused the app id or secret (code %d)", code)
		f.fixZH = "在开发者后台「凭证与基础信息」复制 App ID 和 App Secret，填入 LARK_APP_ID / LARK_APP_SECRET"
		f.fixEN = "copy App ID and App Secret from the developer console's Credentials & Basic Info into LARK_APP_ID / LARK_APP_SECRET"
	default:
		f.detail = "no answer from Lark: " + err.Error()
		f.fixZH = "检查 LARK_BASE_URL（飞书 https://open.feishu.cn，Lark https://open.larksuite.com）和出网代理"
		f.fixEN = "check LARK_BASE_URL (Feishu https://open.feishu.cn, Lark https://open.larksuite.com) and outbound network/proxy"
	}
	return []finding{f}
}

const fixPublish = "，然后在「版本管理与发布」创建版本并发布"
const fixPublishEN = ", then create and publish a version under Version Management & Release"

func checkBot(ctx context.Context, _ *config.Config, c *bot.Client) []finding {
	f := finding{what: "bot ability / 机器人能力", blocking: true}
	info, err := c.BotStatus(ctx)
	switch {
	case err == nil && info.Activated:
		f.ok, f.detail = true, fmt.Sprintf("%s (%s)", info.AppName, info.OpenID)
	case err == nil:
		f.detail = fmt.Sprintf("not active in a published version (activate_status %d)", info.Status)
	default:
		f.detail = fmt.Sprintf("bot info refused (code %d)", bot.Code(err))
	}
	f.fixZH = "在开发者后台「应用能力」添加「机器人」" + fixPublish
	f.fixEN = "add the Bot feature under Features in the developer console" + fixPublishEN
	return []finding{f}
}

func checkScopes(ctx context.Context, cfg *config.Config, c *bot.Client) []finding {
	granted, err := c.GrantedScopes(ctx)
	if err != nil {
		return []finding{{warn: true, what: "scopes / 权限", detail: fmt.Sprintf("could not list granted scopes (code %d); the checks below probe the APIs instead", bot.Code(err)),
			fixZH: "在「权限管理」确认下表中的权限均已开通" + fixPublish, fixEN: "make sure every scope in the README's table is enabled under Permissions & Scopes" + fixPublishEN}}
	}
	var out []finding
	needs := bot.RequiredScopes
	if cfg != nil && cfg.Settings.Base != nil {
		needs = append(slices.Clone(needs), bot.BaseScopes...)
	}
	for _, need := range needs {
		f := finding{what: "scope / 权限 " + strings.Join(need.AnyOf, " | "), warn: need.Optional}
		f.ok = slices.ContainsFunc(need.AnyOf, func(s string) bool { return granted[s] })
		if f.ok {
			f.detail = need.WhyEN
		} else {
			f.detail = "missing: " + need.WhyEN + " / 缺少：" + need.WhyZH
			f.fixZH = "在「权限管理」开通 " + need.AnyOf[0] + fixPublish
			f.fixEN = "enable " + need.AnyOf[0] + " under Permissions & Scopes" + fixPublishEN
		}
		out = append(out, f)
	}
	return out
}

// checkChats finds each pool chat and ops channel among the chats the bot is in.
func checkChats(ctx context.Context, cfg *config.Config, c *bot.Client) []finding {
	type want struct{ chatID, role string }
	var wants []want
	for _, p := range cfg.Settings.Pools {
		wants = append(wants, want{p.ChatID, "pool " + p.Key})
	}
	for _, id := range cfg.Settings.OpsChannels {
		wants = append(wants, want{id, "ops channel"})
	}
	if len(wants) == 0 {
		return []finding{{warn: true, what: "chats / 群", detail: "baton.yaml names no pool chat or ops channel",
			fixZH: "运行 baton lark ids 查看机器人所在群的 oc_ ID，填入 baton.yaml 的 pools[].chat_id",
			fixEN: "run `baton lark ids` to list the bot's chats with their oc_ ids and put them in baton.yaml's pools[].chat_id"}}
	}
	chats, err := c.Chats(ctx)
	if err != nil {
		return []finding{scopeOrCallFinding("chats / 群", err)}
	}
	in := map[string]string{}
	for _, ch := range chats {
		in[ch.ID] = ch.Name
	}
	var out []finding
	for _, w := range wants {
		f := finding{what: fmt.Sprintf("chat / 群 %s (%s)", w.chatID, w.role)}
		if name, ok := in[w.chatID]; ok {
			f.ok, f.detail = true, "bot is a member: "+name
		} else {
			f.detail = "the bot is not in this chat (or the id is wrong)"
			f.fixZH = "在飞书打开该群 → 设置 → 群机器人 → 添加机器人，选择本应用；或用 baton lark ids 核对 chat_id"
			f.fixEN = "open the chat in Feishu → Settings → Bots → Add Bot and pick this app; or check the chat_id with `baton lark ids`"
		}
		out = append(out, f)
	}
	return out
}

// checkPeople resolves every manager and listed member: a user outside the app's contact range has no name
// on cards and cannot be told apart.
func checkPeople(ctx context.Context, cfg *config.Config, c *bot.Client) []finding {
	seen := map[string]bool{}
	var out []finding
	for _, p := range cfg.Settings.Pools {
		for _, id := range append(slices.Clone(p.Managers), p.Members...) {
			if seen[id] {
				continue
			}
			seen[id] = true
			f := finding{what: "user / 用户 " + id}
			_, err := c.UserName(ctx, id)
			switch code := bot.Code(err); {
			case err == nil:
				f.ok, f.detail = true, "inside the contact range"
			case code == bot.CodeNoUserAuthority:
				f.detail = "outside the app's contact range (code 41050)"
				f.fixZH = "在「权限管理」→「通讯录权限范围」加入该用户或其部门" + fixPublish
				f.fixEN = "add the user or their department to the contact range under Permissions & Scopes" + fixPublishEN
			default:
				f = scopeOrCallFinding(f.what, err)
			}
			out = append(out, f)
		}
	}
	return out
}

func checkLongConnection(ctx context.Context, cfg *config.Config, _ *bot.Client) []finding {
	if cfg.Lark.EventMode != config.EventModeWebSocket {
		return []finding{{ok: true, what: "event delivery / 事件接收", detail: "webhook mode: subscribe events and the card callback to <your URL>/lark/events"}}
	}
	f := finding{what: "long connection / 长连接"}
	if err := bot.CheckLongConnection(ctx, cfg.Lark.AppID, cfg.Lark.AppSecret, cfg.Lark.BaseURL); err != nil {
		f.detail = "did not open: " + err.Error()
		f.fixZH = "在「事件与回调」→「事件配置」选择「使用长连接接收事件」" + fixPublish + "；并确认本机可访问 LARK_BASE_URL"
		f.fixEN = "choose \"receive events through persistent connection\" under Events & Callbacks → Event Configuration" + fixPublishEN + "; and check this host reaches LARK_BASE_URL"
		return []finding{f}
	}
	f.ok, f.detail = true, "opened and closed"
	// The callback subscription has its own mode switch that no API reports: without it Lark sends card
	// clicks as type=card frames, which SDK v3.9.2 drops, and users see error 200340.
	return []finding{f, {warn: true, what: "card callback mode / 卡片回调方式", detail: "cannot be checked through the API",
		fixZH: "在「事件与回调」→「回调配置」同样选择「使用长连接接收回调」，并订阅 card.action.trigger",
		fixEN: "under Events & Callbacks → Callback Configuration also choose the persistent connection and subscribe to card.action.trigger"}}
}

// scopeOrCallFinding explains a failed probe: a missing scope names it, anything else shows Lark's code.
func scopeOrCallFinding(what string, err error) finding {
	f := finding{what: what}
	if code := bot.Code(err); code == bot.CodeNoScope {
		f.detail = "missing scope: " + err.Error()
		f.fixZH = "在「权限管理」开通报错中列出的权限" + fixPublish
		f.fixEN = "enable the scope named in the error under Permissions & Scopes" + fixPublishEN
		return f
	}
	f.detail = "Lark refused: " + err.Error()
	f.fixZH = "按报错码查阅飞书开放平台错误码说明"
	f.fixEN = "look the code up in the Open Platform's error code reference"
	return f
}
