package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cmd/baton/config"
)

// checkTasks names the task scopes follow-ups as Feishu tasks need, when baton.yaml switches them on. Without
// them Baton still reminds reps by DM card; the tasks just never appear.
func checkTasks(ctx context.Context, cfg *config.Config, c *bot.Client) []finding {
	if !cfg.Settings.Tasks.Enabled {
		return nil
	}
	granted, err := c.GrantedScopes(ctx)
	if err != nil {
		return []finding{{what: "tasks / 飞书任务", detail: fmt.Sprintf("could not list granted scopes (code %d)", bot.Code(err)),
			fixZH: "在「权限管理」开通 " + bot.TaskScopes[0] + fixPublish, fixEN: "enable " + bot.TaskScopes[0] + " under Permissions & Scopes" + fixPublishEN}}
	}
	var out []finding
	for _, need := range []struct {
		anyOf      []string
		whyZH, why string
	}{
		{bot.TaskScopes, "为跟进创建、改期、完成飞书任务", "create, move and complete follow-ups' Feishu tasks"},
		{bot.TaskReadScopes, "读取任务是否已在飞书中完成", "read whether a task was completed in Feishu"},
	} {
		f := finding{what: "tasks scope / 任务权限 " + strings.Join(need.anyOf, " | ")}
		f.ok = slices.ContainsFunc(need.anyOf, func(s string) bool { return granted[s] })
		if f.ok {
			f.detail = need.why
		} else {
			f.detail = "missing " + need.anyOf[0] + " (tasks: enabled): " + need.why + "; reminders still arrive as DM cards / 缺少 " +
				need.anyOf[0] + "：" + need.whyZH + "；跟进提醒仍以私聊卡片送达"
			f.fixZH = "在「权限管理」开通 " + need.anyOf[0] + fixPublish
			f.fixEN = "enable " + need.anyOf[0] + " under Permissions & Scopes" + fixPublishEN
		}
		out = append(out, f)
	}
	return out
}
