package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baton-crm/baton/bot/larktest"
)

const doctorConfig = `pools:
  - key: east
    name: 华东线索池
    chat_id: %s
    mode: claim
    managers: [%s]
    members: [%s]
routing:
  - {pool: east}
ops_channels: [%s]
`

// doctorWorld is an emulated tenant set up the way the README tells an admin to, and the environment that
// points baton doctor at it.
func doctorWorld(t *testing.T) (*larktest.Server, map[string]string) {
	t.Helper()
	emu := larktest.New(larktest.Config{AppID: "cli_doctor_" + fmt.Sprint(len(t.Name())), AppSecret: "doctor-secret",
		VerificationToken: "verify", EncryptKey: "encrypt-key"})
	t.Cleanup(emu.Close)
	emu.AddUser(larktest.User{OpenID: managerID, Name: "主管", EnName: "Manager"})
	emu.AddUser(larktest.User{OpenID: repID(1), Name: "销售01", EnName: "Rep 01"})
	emu.AddChat(larktest.Chat{ChatID: salesChat, Name: "销售群", Members: []string{managerID, repID(1)}})
	emu.AddChat(larktest.Chat{ChatID: opsChat, Name: "运营", Members: []string{managerID}})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "baton.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(doctorConfig, salesChat, managerID, repID(1), opsChat)), 0o600); err != nil {
		t.Fatal(err)
	}
	ec := emu.Config()
	env := map[string]string{"BATON_CONFIG": cfg, "BATON_DATA_DIR": dir, "LARK_APP_ID": ec.AppID,
		"LARK_APP_SECRET": ec.AppSecret, "LARK_VERIFICATION_TOKEN": ec.VerificationToken,
		"LARK_ENCRYPT_KEY": ec.EncryptKey, "LARK_BASE_URL": emu.URL()}
	return emu, env
}

func runDoctor(t *testing.T, env map[string]string) (int, string) {
	t.Helper()
	var out, errOut strings.Builder
	code := run(context.Background(), []string{"doctor"}, func(k string) string { return env[k] }, &out, &errOut, nil)
	return code, out.String() + errOut.String()
}

// TestDoctorHealthyApp: an app set up as the README says passes every check.
func TestDoctorHealthyApp(t *testing.T) {
	_, env := doctorWorld(t)
	code, out := runDoctor(t, env)
	if code != 0 || !strings.Contains(out, "all checks passed") || strings.Contains(out, "✗") {
		t.Fatalf("healthy app: exit %d\n%s", code, out)
	}
	for _, want := range []string{"credentials", "bot ability", "im:message.group_at_msg:readonly", salesChat, opsChat, managerID} {
		if !strings.Contains(out, want) {
			t.Errorf("checklist lacks %q:\n%s", want, out)
		}
	}
}

// TestDoctorFindsEachMisconfiguration: each way a new admin gets the app wrong is reported with its console
// fix in both languages, and the run exits 1.
func TestDoctorFindsEachMisconfiguration(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(emu *larktest.Server, env map[string]string)
		want  []string // on the ✗ line and its fix
	}{
		{"wrong secret", func(_ *larktest.Server, env map[string]string) { env["LARK_APP_SECRET"] = "not-the-secret" },
			[]string{"✗ credentials", "10015", "App Secret"}},
		{"bot ability off", func(emu *larktest.Server, _ map[string]string) { emu.SetBotActivated(false) },
			[]string{"✗ bot ability", "机器人", "publish a version"}},
		{"scope missing", func(emu *larktest.Server, _ map[string]string) { emu.RevokeScope("im:message.group_at_msg:readonly") },
			[]string{"✗ scope / 权限 im:message.group_at_msg:readonly", "开通 im:message.group_at_msg:readonly"}},
		{"bot not in the pool chat", func(emu *larktest.Server, _ map[string]string) { emu.RemoveBotFromChat(salesChat) },
			[]string{"✗ chat / 群 " + salesChat + " (pool east)", "添加机器人", "Add Bot"}},
		{"bot not in the ops channel", func(emu *larktest.Server, _ map[string]string) { emu.RemoveBotFromChat(opsChat) },
			[]string{"✗ chat / 群 " + opsChat + " (ops channel)"}},
		{"manager outside the contact range", func(emu *larktest.Server, _ map[string]string) { emu.HideUser(managerID) },
			[]string{"✗ user / 用户 " + managerID, "41050", "通讯录权限范围"}},
		{"member outside the contact range", func(emu *larktest.Server, _ map[string]string) { emu.HideUser(repID(1)) },
			[]string{"✗ user / 用户 " + repID(1), "contact range"}},
		{"long connection refused", func(emu *larktest.Server, env map[string]string) {
			env["LARK_EVENT_MODE"] = "websocket"
			emu.FailNext(larktest.RouteWSEndpoint, 1, 200, 1000040350)
		}, []string{"✗ long connection", "1000040350", "使用长连接接收事件"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu, env := doctorWorld(t)
			tc.setup(emu, env)
			code, out := runDoctor(t, env)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			for _, want := range tc.want {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if !strings.Contains(out, "修复:") || !strings.Contains(out, "Fix:") {
				t.Errorf("no zh/en fix printed:\n%s", out)
			}
		})
	}
}

// TestDoctorWebsocketModeReminder: in long-connection mode the connection is opened, and the callback switch
// that no API reports is named as a manual step.
func TestDoctorWebsocketModeReminder(t *testing.T) {
	_, env := doctorWorld(t)
	env["LARK_EVENT_MODE"] = "websocket"
	code, out := runDoctor(t, env)
	if code != 0 || !strings.Contains(out, "✓ long connection") || !strings.Contains(out, "回调配置") {
		t.Fatalf("websocket mode: exit %d\n%s", code, out)
	}
}
