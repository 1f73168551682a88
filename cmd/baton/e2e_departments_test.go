package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/bot/larktest"
	"github.com/baton-crm/baton/jobs"
)

// Department ids the department pool tests configure; the emulator's org chart is built after Baton starts.
const (
	deptSales = "od-e2esales"
	deptEast  = "od-e2eeast" // under deptSales
	deptOther = "od-e2eother"
)

func deptPool(settings ...string) string {
	return eastPool(append([]string{"members_from: {departments: [" + deptSales + "]}"}, settings...)...)
}

// orgChart builds sales ⊃ east and a department outside the pool, and places people in sales.
func (b *baton) orgChart(inSales ...string) {
	b.t.Helper()
	b.emu.AddDepartment(larktest.Department{ID: deptSales, Name: "销售部"})
	b.emu.AddDepartment(larktest.Department{ID: deptEast, Name: "华东", ParentID: deptSales})
	b.emu.AddDepartment(larktest.Department{ID: deptOther, Name: "客服部"})
	for _, id := range inSales {
		b.emu.PlaceUser(id, deptSales)
	}
}

// refreshRosters runs a roster refresh through the real queue, as the hourly schedule does, and waits for it.
func (b *baton) refreshRosters() {
	b.t.Helper()
	b.settle() // the refresh queued at start-up, against an org chart not built yet
	b.enqueueRaw(jobs.TypeRosterRefresh, jobs.QueueLow, nil)
	b.settle()
}

// rosterRefreshes counts the refreshes that stored a roster.
func (b *baton) rosterRefreshes() int {
	return strings.Count(b.logs.String(), `"msg":"pool roster refreshed"`)
}

// afterContactEvent runs send (an org chart change the emulator pushes as a contact event) and waits for the
// roster refresh the event asks for.
func (b *baton) afterContactEvent(send func(ctx context.Context) (larktest.Delivery, error)) {
	b.t.Helper()
	before := b.rosterRefreshes()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if d, err := send(ctx); err != nil || d.Status != 200 {
		b.t.Fatalf("contact event: %v (HTTP %d %s)", err, d.Status, d.Body)
	}
	b.wait("the roster refresh a contact event asks for", func() bool { return b.rosterRefreshes() > before })
	b.settle()
}

func (b *baton) claimCard(id int64) string {
	b.t.Helper()
	for _, m := range b.cardsIn(salesChat) {
		if strings.Contains(m.Content, fmt.Sprintf(`\"lead\":\"%d\"`, id)) || strings.Contains(m.Content, fmt.Sprintf(`"lead":"%d"`, id)) {
			return m.ID
		}
	}
	b.t.Fatalf("no pool card for lead %d", id)
	return ""
}

// TestDepartmentPoolPicksUpNewMember: a pool whose members come from a department with more people than one
// page of Lark's listing lets someone on the second page claim; someone outside it is refused, and becomes a
// member once moved into a sub-department (contact.user.updated_v3 → roster refresh).
func TestDepartmentPoolPicksUpNewMember(t *testing.T) {
	b := startBaton(t, e2eOptions{config: deptPool()})
	var fill []string
	for i := range 52 {
		id := fmt.Sprintf("ou_e2e_fill%02d", i)
		b.emu.AddUser(larktest.User{OpenID: id, Name: id})
		fill = append(fill, id)
	}
	b.orgChart(append(fill, repID(1))...)
	b.refreshRosters()

	first := b.postLead(map[string]any{"name": "甲", "phone": "13800138201"})
	second := b.postLead(map[string]any{"name": "乙", "phone": "13800138202"})
	b.waitCards(salesChat, 2)
	if r := b.click(b.claimCard(first), "claim", repID(2)); r.Toast == nil || r.Toast.Type == "success" {
		t.Fatalf("a rep outside the departments claimed: %s", toastText(r))
	}
	// repID(1) was placed after 52 others: the second page of find_by_department (page_size 50).
	if r := b.click(b.claimCard(first), "claim", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("a member on the listing's second page could not claim: %s", toastText(r))
	}

	b.afterContactEvent(func(ctx context.Context) (larktest.Delivery, error) { return b.emu.MoveUser(ctx, repID(2), deptEast) })
	if r := b.click(b.claimCard(second), "claim", repID(2)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("a rep moved into a sub-department could not claim: %s", toastText(r))
	}
	if got := b.owner(second); got != repID(2) {
		t.Fatalf("lead %d owner %q, want %s", second, got, repID(2))
	}
}

// TestDepartmentLeaverLeadsReachManagers: a member deleted in Feishu is out of the pool at once, and the
// manager gets one card listing their open leads; one tap on its picker hands a lead to another member.
func TestDepartmentLeaverLeadsReachManagers(t *testing.T) {
	b := startBaton(t, e2eOptions{config: deptPool()})
	b.orgChart(repID(1))
	b.emu.PlaceUser(repID(2), deptEast)
	b.refreshRosters()

	var held []int64
	for i := range 2 {
		id := b.postLead(map[string]any{"name": fmt.Sprintf("客户%d", i), "phone": fmt.Sprintf("1380013830%d", i)})
		b.waitCards(salesChat, i+1)
		if r := b.click(b.claimCard(id), "claim", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
			t.Fatalf("claim lead %d: %s", id, toastText(r))
		}
		held = append(held, id)
	}
	later := b.postLead(map[string]any{"name": "丙", "phone": "13800138309"})
	b.waitCards(salesChat, 3)
	b.settle()
	dmsBefore := len(b.dmCards(managerID))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if d, err := b.emu.DeleteUser(ctx, repID(1)); err != nil || d.Status != 200 {
		t.Fatalf("contact.user.deleted_v3: %v (HTTP %d)", err, d.Status)
	}
	// Out of rotation at once: the event was handled before the emulator's delivery returned.
	if r := b.click(b.claimCard(later), "claim", repID(1)); r.Toast == nil || r.Toast.Type == "success" {
		t.Fatalf("a leaver could still claim: %s", toastText(r))
	}
	cards := b.waitDMs(managerID, dmsBefore+1)
	b.settle()
	var leaverCards []larktest.Message
	for _, m := range b.dmCards(managerID) {
		if strings.Contains(m.Content, "成员离职") {
			leaverCards = append(leaverCards, m)
		}
	}
	if len(leaverCards) != 1 {
		t.Fatalf("%d leaver cards to the manager, want 1 (of %d DMs)", len(leaverCards), len(cards))
	}
	card := leaverCards[0]
	for _, id := range held {
		if !strings.Contains(card.Content, fmt.Sprintf("#%d ", id)) {
			t.Errorf("the leaver card does not list lead %d:\n%s", id, card.Content)
		}
		if got := b.owner(id); got != repID(1) {
			t.Errorf("lead %d owner %q before the manager acts, want it kept with %s for reassignment", id, got, repID(1))
		}
	}
	r := b.click(card.ID, "reassign_0", managerID, larktest.Option(repID(2)))
	if r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("one-tap reassign refused: %s", toastText(r))
	}
	if got := b.owner(held[0]); got != repID(2) {
		t.Fatalf("lead %d owner %q after the reassign, want %s", held[0], got, repID(2))
	}
	// The card now lists only the lead still to hand on; handing it on too closes the card.
	if c := b.message(card.ID).Content; strings.Contains(c, fmt.Sprintf("#%d ", held[0])) || !strings.Contains(c, fmt.Sprintf("#%d ", held[1])) {
		t.Fatalf("after one reassign the card should list lead %d only:\n%s", held[1], c)
	}
	if r := b.click(card.ID, "reassign_0", managerID, larktest.Option(repID(2))); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("second one-tap reassign refused: %s", toastText(r))
	}
	if c := b.message(card.ID).Content; !strings.Contains(c, "全部改派") || b.owner(held[1]) != repID(2) {
		t.Fatalf("after both reassigns: owner %q, card:\n%s", b.owner(held[1]), c)
	}
	b.settle()
	b.waitDMs(repID(2), 2) // the new owner's cards
	// A repeat of the event (Lark retries) sends no second card.
	if _, err := b.emu.DeleteUser(ctx, repID(1)); err != nil {
		t.Fatal(err)
	}
	b.settle()
	n := 0
	for _, m := range b.dmCards(managerID) {
		if strings.Contains(m.Content, "成员离职") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d leaver cards after a repeated event, want 1", n)
	}
}

// TestDepartmentLeaverLeadsBackToPool: with on_leave: pool, a member frozen in Feishu
// (contact.user.updated_v3, status.is_frozen) loses their open leads to the pool, under a fresh card another
// member can claim.
func TestDepartmentLeaverLeadsBackToPool(t *testing.T) {
	b := startBaton(t, e2eOptions{config: deptPool("on_leave: pool")})
	b.orgChart(repID(1), repID(2))
	b.refreshRosters()
	id := b.postLead(map[string]any{"name": "甲", "phone": "13800138401"})
	b.waitCards(salesChat, 1)
	if r := b.click(b.claimCard(id), "claim", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("claim: %s", toastText(r))
	}
	b.settle()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if d, err := b.emu.FreezeUser(ctx, repID(1)); err != nil || d.Status != 200 {
		t.Fatalf("contact.user.updated_v3: %v (HTTP %d)", err, d.Status)
	}
	if got := b.owner(id); got != "" {
		t.Fatalf("lead %d owner %q after its owner left, want back in the pool", id, got)
	}
	if b.events(id, "released") != 1 {
		t.Errorf("lead %d has %d released events, want 1", id, b.events(id, "released"))
	}
	cards := b.waitCards(salesChat, 2) // a fresh pool card
	if r := b.click(cards[len(cards)-1].ID, "claim", repID(2)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("claim from the fresh pool card: %s", toastText(r))
	}
}

// TestDepartmentMoverKeepsLeads: in an assign pool, a member moved to a department outside the pool keeps
// the lead they hold and gets none of the pool's new leads.
func TestDepartmentMoverKeepsLeads(t *testing.T) {
	b := startBaton(t, e2eOptions{config: deptPool("mode: assign")})
	b.orgChart(repID(1), repID(2))
	b.refreshRosters()
	first := b.postLead(map[string]any{"name": "甲", "phone": "13800138501"})
	b.settle()
	mover := b.owner(first)
	if mover == "" {
		t.Fatal("the first lead was not assigned")
	}
	stay := repID(1)
	if mover == stay {
		stay = repID(2)
	}
	b.afterContactEvent(func(ctx context.Context) (larktest.Delivery, error) { return b.emu.MoveUser(ctx, mover, deptOther) })
	for i := range 3 {
		id := b.postLead(map[string]any{"name": fmt.Sprintf("新客户%d", i), "phone": fmt.Sprintf("1380013860%d", i)})
		b.settle()
		if got := b.owner(id); got != stay {
			t.Errorf("new lead %d went to %q, want %s (the mover gets no new leads)", id, got, stay)
		}
	}
	if got := b.owner(first); got != mover {
		t.Errorf("the mover's lead %d is now %q, want kept by %s", first, got, mover)
	}
}

// TestDoctorDepartmentOutsideContactRange: baton doctor names a pool's sub-department that is outside the
// app's contact range (its people would be missing from the pool), and passes once it is inside.
func TestDoctorDepartmentOutsideContactRange(t *testing.T) {
	emu, env := doctorWorld(t)
	cfg := fmt.Sprintf("pools:\n  - key: east\n    name: 华东线索池\n    chat_id: %s\n    managers: [%s]\n"+
		"    members_from: {departments: [%s]}\nrouting:\n  - {pool: east}\nops_channels: [%s]\n", salesChat, managerID, deptSales, opsChat)
	if err := os.WriteFile(env["BATON_CONFIG"], []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	emu.AddDepartment(larktest.Department{ID: deptSales, Name: "销售部"})
	emu.AddDepartment(larktest.Department{ID: deptEast, Name: "华东", ParentID: deptSales, OutOfContactRange: true})
	emu.PlaceUser(repID(1), deptSales)
	code, out := runDoctor(t, env)
	if code != 1 || !strings.Contains(out, "✗ department / 部门 "+deptEast) || !strings.Contains(out, "40004") {
		t.Fatalf("exit %d, want 1 naming %s as outside the contact range:\n%s", code, deptEast, out)
	}
	emu.SetDepartmentInRange(deptEast, true)
	code, out = runDoctor(t, env)
	if code != 0 || !strings.Contains(out, "✓ pool departments / 线索池部门 east: 1 members") {
		t.Fatalf("exit %d, want 0 once the department is in range:\n%s", code, out)
	}
}
