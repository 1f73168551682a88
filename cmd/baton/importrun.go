package main

import (
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cards"
	"github.com/baton-crm/baton/crm"
)

// importChunk is how many rows go to intake at once: rows of a chunk are written concurrently (and grouped
// by the store), chunks one after another, so progress moves steadily and a failure stops the import soon.
const importChunk = 500

// importer runs one `baton import`: rows to leads, owners resolved through the Lark directory, progress,
// rejects, and the summaries that replace a card per lead.
type importer struct {
	svc      *crm.Service
	lark     *bot.Client // nil: no Lark app configured (owners must be open_ids; no summaries)
	loc      *time.Location
	source   string
	quiet    bool
	columns  map[string]string // --map: header as written → field
	progress io.Writer

	mu       sync.Mutex
	sum      importSum
	rejected []rejectedRow
	owned    map[string]int                   // owner → leads this run gave them
	pools    map[string]*cards.ImportPoolLine // pool key → what this run put there
}

// importSum counts what the rows became.
type importSum struct {
	created, owned, touches, exists, rejected, finished int
}

// rejectedRow is a row that was refused: its index among the data rows and why, in Chinese and English.
type rejectedRow struct {
	row    int
	reason string
}

// run imports rows, drawing progress and writing refused rows, in file order, to rejectsPath. A database
// failure stops the import; rows already imported stay imported, and running the same file again skips
// them (their external ids are known) or adds them as touches.
func (im *importer) run(ctx context.Context, header []string, rows [][]string, rejectsPath string) (importSum, error) {
	im.owned, im.pools = map[string]int{}, map[string]*cards.ImportPoolLine{}
	cols := importColumns(header, im.columns, im.svc.Settings.Fields...)
	items := make([]*crm.ImportLead, len(rows))
	owners := make([]string, len(rows))
	for i, r := range rows {
		it, owner, err := cols.lead(r, im.loc)
		if err != nil {
			im.record(i, nil, err, len(rows))
			continue
		}
		it.Quiet = im.quiet
		items[i], owners[i] = it, owner
	}
	ids, err := im.resolveOwners(ctx, owners)
	if err != nil {
		return im.sum, err
	}
	for i, raw := range owners {
		if items[i] == nil || raw == "" {
			continue
		}
		if id := ids[raw]; id != "" {
			items[i].OwnerID = id
			continue
		}
		why := "飞书通讯录里找不到该负责人（或应用无权查看） / the owner is not in the Lark directory (or the app may not see them)"
		if im.lark == nil {
			why = "未配置飞书应用，无法按邮箱或手机号查找负责人，请填写 open_id / no Lark app is configured to look the owner up by email or mobile: give an open_id"
		}
		im.reject(i, "负责人「"+raw+"」："+why, len(rows))
		items[i] = nil
	}

	var internal error
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for lo := 0; lo < len(rows) && internal == nil; lo += importChunk {
		if err := ctx.Err(); err != nil {
			return im.sum, err
		}
		hi := min(lo+importChunk, len(rows))
		var batch []crm.ImportLead
		var at []int // batch[k] is rows[at[k]]
		for i := lo; i < hi; i++ {
			if items[i] != nil {
				batch, at = append(batch, *items[i]), append(at, i)
			}
		}
		im.svc.Import(ctx, im.source, batch, func(k int, res *crm.IntakeResult, err error) {
			if crm.ErrorCode(err) == crm.EINTERNAL && !errors.Is(err, context.Canceled) {
				im.mu.Lock()
				if internal == nil {
					internal = fmt.Errorf("row %d: %w", at[k]+2, err)
				}
				im.mu.Unlock()
				cancel() // the database is failing: stop starting rows
			}
			im.record(at[k], res, err, len(rows))
		})
	}
	if len(rows) > 0 {
		fmt.Fprintln(im.progress)
	}
	if err := writeRejects(rejectsPath, header, rows, im.rejected); err != nil {
		return im.sum, err
	}
	if internal != nil {
		return im.sum, internal
	}
	return im.sum, ctx.Err()
}

// resolveOwners maps each distinct owner value to an open_id: ou_ ids as they are, emails and mobiles
// through Lark's batch_get_id. Values Lark does not know are absent.
func (im *importer) resolveOwners(ctx context.Context, owners []string) (map[string]string, error) {
	ids := map[string]string{}
	var emails, mobiles []string
	seen := map[string]bool{}
	for _, o := range owners {
		if o == "" || seen[o] {
			continue
		}
		seen[o] = true
		switch {
		case strings.HasPrefix(o, "ou_"):
			ids[o] = o
		case strings.Contains(o, "@"):
			emails = append(emails, o)
		default:
			mobiles = append(mobiles, o)
		}
	}
	if im.lark == nil || len(emails)+len(mobiles) == 0 {
		return ids, nil
	}
	found, err := im.lark.UserIDs(ctx, emails, mobiles)
	if err != nil {
		return nil, fmt.Errorf("look up owners in the Lark directory: %w", err)
	}
	for k, v := range found {
		ids[k] = v
	}
	return ids, nil
}

// record counts one finished row and redraws the progress line.
func (im *importer) record(row int, res *crm.IntakeResult, err error, total int) {
	im.mu.Lock()
	defer im.mu.Unlock()
	switch {
	case err == nil:
		im.count(res)
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || crm.ErrorCode(err) == crm.EINTERNAL:
		return // not imported: the import is stopping
	default:
		im.rejected = append(im.rejected, rejectedRow{row, rejectReason(err)})
		im.sum.rejected++
	}
	im.finishedLocked(total)
}

func (im *importer) reject(row int, reason string, total int) {
	im.mu.Lock()
	defer im.mu.Unlock()
	im.rejected = append(im.rejected, rejectedRow{row, reason})
	im.sum.rejected++
	im.finishedLocked(total)
}

func (im *importer) finishedLocked(total int) {
	im.sum.finished++
	if n := im.sum.finished; n%50 == 0 || n == total {
		fmt.Fprintf(im.progress, "\rimporting %d/%d (%d%%): %d created, %d touches, %d existing, %d rejected",
			n, total, n*100/total, im.sum.created, im.sum.touches, im.sum.exists, im.sum.rejected)
	}
}

func (im *importer) count(res *crm.IntakeResult) {
	switch res.Status {
	case crm.IntakeTouch:
		im.sum.touches++
		return
	case crm.IntakeExists:
		im.sum.exists++
		return
	}
	im.sum.created++
	l := res.Lead
	line := im.pools[l.Pool]
	if line == nil {
		line = &cards.ImportPoolLine{Key: l.Pool, Name: l.Pool, Announced: !im.quiet}
		if p, ok := im.svc.Settings.Pool(l.Pool); ok {
			line.Name = p.Name
		}
		im.pools[l.Pool] = line
	}
	if l.Owned() {
		im.sum.owned++
		im.owned[l.OwnerID]++
		line.Owned++
	} else {
		line.Waiting++
	}
}

// announce sends the import's summaries instead of a card per lead: one DM to each owner, one card to each
// manager of the pools the import filled. Needs a Lark app; a failed send is reported, not fatal: the
// leads are stored either way.
func (im *importer) announce(ctx context.Context, stdout io.Writer) {
	if len(im.owned) == 0 && len(im.pools) == 0 {
		return
	}
	if im.lark == nil {
		fmt.Fprintln(stdout, "no Lark app configured: owners and managers were not notified")
		return
	}
	run := randomRun()
	owners := slices.Sorted(mapKeys(im.owned))
	for _, o := range owners {
		holding, err := im.svc.Leads.CountLeads(ctx, crm.LeadFilter{OwnerID: o, OpenOnly: true})
		if err != nil {
			holding = im.owned[o]
		}
		card := cards.ImportOwnerSummary(im.owned[o], holding)
		if _, err := im.lark.Send(ctx, crm.Recipient{OpenID: o}, crm.Outgoing{Card: card}, "import-"+run+"-"+o); err != nil {
			fmt.Fprintf(stdout, "could not notify owner %s: %v\n", o, err)
		}
	}
	byManager := map[string][]cards.ImportPoolLine{}
	for _, key := range slices.Sorted(mapKeys(im.pools)) {
		p, ok := im.svc.Settings.Pool(key)
		if !ok {
			continue
		}
		for _, m := range p.Managers {
			byManager[m] = append(byManager[m], *im.pools[key])
		}
	}
	for _, m := range slices.Sorted(mapKeys(byManager)) {
		card := cards.ImportManagerSummary(byManager[m])
		if _, err := im.lark.Send(ctx, crm.Recipient{OpenID: m}, crm.Outgoing{Card: card}, "import-"+run+"-m-"+m); err != nil {
			fmt.Fprintf(stdout, "could not notify manager %s: %v\n", m, err)
		}
	}
	fmt.Fprintf(stdout, "notified %d owners and %d managers\n", len(owners), len(byManager))
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// randomRun names one import run, so its summaries are sent once even when a send is retried.
func randomRun() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// rejectReason words a refusal in Chinese and English for the rejects file.
func rejectReason(err error) string {
	en, zh := crm.ErrorMessage(err)
	if zh == en {
		zh = "该行无法导入"
		if f := crm.ErrorField(err); f != "" {
			zh = "「" + fieldZH(f) + "」无效"
		}
	}
	return zh + " / " + en
}

// writeRejects writes the refused rows in file order, with their line numbers and reasons, to path, as
// UTF-8 with a byte-order mark: Excel on Windows reads a CSV without one in the local code page and shows
// Chinese as mojibake. It writes nothing when no row was refused.
func writeRejects(path string, header []string, rows [][]string, rejected []rejectedRow) error {
	if len(rejected) == 0 {
		return nil
	}
	slices.SortFunc(rejected, func(a, b rejectedRow) int { return a.row - b.row })
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, _ = f.WriteString("\ufeff")
	cw := csv.NewWriter(f)
	_ = cw.Write(append([]string{"行号 line", "原因 reason"}, header...))
	for _, r := range rejected {
		_ = cw.Write(append([]string{strconv.Itoa(r.row + 2), r.reason}, rows[r.row]...))
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
