package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/baton-crm/baton/bot/larktest"
)

// Persona is a demo person a console user can act as.
type Persona struct {
	OpenID string `json:"open_id"`
	Name   string `json:"name"`
	EnName string `json:"en_name"`
	Role   string `json:"role"` // rep, ops, manager
}

// The demo tenant. Ids are fixed so a restart with the same data directory finds the same people.
var (
	Reps = []Persona{
		{"ou_rep_wang", "王小明", "Xiaoming Wang", "rep"},
		{"ou_rep_li", "李娜", "Na Li", "rep"},
		{"ou_rep_zhang", "张伟", "Wei Zhang", "rep"},
	}
	Ops     = Persona{"ou_ops_chen", "陈静", "Jing Chen", "ops"}
	Manager = Persona{"ou_mgr_liu", "刘强", "Qiang Liu", "manager"}
)

// Demo chat ids.
const (
	SalesChat = "oc_demo_sales"
	OpsChat   = "oc_demo_ops"
)

// World is a running sandbox: the emulator and the demo tenant in it.
type World struct {
	Emulator    *larktest.Server
	ConfigPath  string // the demo baton.yaml
	SourceToken string // bearer token of the demo "web-form" source
	// TimeZone is the team's zone (baton.yaml timezone) in IANA form; the console shows times in it, as
	// the cards do, whatever zone the browser is in.
	TimeZone string
}

// Personas lists everyone a console user can act as.
func Personas() []Persona { return append(append([]Persona{}, Reps...), Ops, Manager) }

// Start runs the emulator on a loopback port with fresh credentials and the demo tenant, and makes sure
// dataDir holds a demo baton.yaml (written on first start, then the user's to edit).
func Start(dataDir string) (*World, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	cfg := larktest.Config{
		AppID:             "cli_sandbox_" + randomHex(4),
		AppSecret:         randomHex(16),
		VerificationToken: randomHex(16),
		EncryptKey:        randomHex(16),
		BotName:           "Baton 接力",
	}
	emu := larktest.NewUnstarted(cfg)
	if err := emu.Start("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start lark emulator: %w", err)
	}
	for _, p := range Personas() {
		emu.AddUser(larktest.User{OpenID: p.OpenID, Name: p.Name, EnName: p.EnName,
			UnionID: "on_" + p.OpenID[3:], UserID: p.OpenID[3:]})
	}
	emu.AddChat(larktest.Chat{ChatID: SalesChat, Name: "华东销售群 East sales", Members: []string{Reps[0].OpenID, Reps[1].OpenID, Reps[2].OpenID, Manager.OpenID}})
	emu.AddChat(larktest.Chat{ChatID: OpsChat, Name: "运营频道 Ops", Members: []string{Ops.OpenID, Manager.OpenID}})
	for _, p := range Personas() {
		emu.P2PChatID(p.OpenID)
	}
	w := &World{Emulator: emu, ConfigPath: filepath.Join(dataDir, "baton.yaml")}
	token, err := w.ensureConfig()
	if err != nil {
		emu.Close()
		return nil, err
	}
	w.SourceToken = token
	return w, nil
}

// ensureConfig writes the demo baton.yaml unless one is there, and returns the demo source token.
func (w *World) ensureConfig() (string, error) {
	tokenPath := filepath.Join(filepath.Dir(w.ConfigPath), "sandbox-token")
	tok, err := os.ReadFile(tokenPath)
	if errors.Is(err, fs.ErrNotExist) {
		tok = []byte("demo-" + randomHex(12))
		if err := os.WriteFile(tokenPath, tok, 0o600); err != nil {
			return "", fmt.Errorf("write sandbox token: %w", err)
		}
	} else if err != nil {
		return "", fmt.Errorf("read sandbox token: %w", err)
	}
	if _, err := os.Stat(w.ConfigPath); errors.Is(err, fs.ErrNotExist) {
		if err := os.WriteFile(w.ConfigPath, []byte(DemoConfig(string(tok))), 0o600); err != nil {
			return "", fmt.Errorf("write demo config: %w", err)
		}
	}
	return string(tok), nil
}

// Close stops the emulator.
func (w *World) Close() { w.Emulator.Close() }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
