package sandbox

import "fmt"

// DemoConfig is the baton.yaml of the demo tenant: one claim pool in the sales group with short SLA steps,
// so reminders and escalations show within minutes, and the ops channel.
func DemoConfig(token string) string {
	return fmt.Sprintf(`# Baton sandbox configuration, written on first start. Edit it and restart to try other rules.
# The demo tenant lives in the built-in Lark emulator; open the console URL printed at start.
timezone: Asia/Shanghai
sources:
  - {key: web-form, token: %q}
pools:
  - key: east
    name: 华东线索池
    chat_id: %s
    mode: claim
    managers: [%s]
    members: [%s, %s, %s]
    limits: {open: 20, daily_claims: 10}
    cooldown: 24h
    protection: {default: 7d, extend_on_activity: 3d, max: 30d, warn_before: 1d}
    sla:
      unclaimed: [{after: 2m, do: remind_pool}, {after: 5m, do: escalate}, {after: 10m, do: urgent}]
      first_contact: [{after: 10m, do: remind_owner}, {after: 30m, do: escalate}]
routing:
  - {pool: east}
ops_channels: [%s]
`, token, SalesChat, Manager.OpenID, Reps[0].OpenID, Reps[1].OpenID, Reps[2].OpenID, OpsChat)
}
