package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/crm"
)

// previewRows is how many mapped rows --dry-run shows.
const previewRows = 10

// dryRun maps and validates every row as the import would, looks owners up in the Lark directory when an
// app is configured, and prints the first rows mapped, every problem and the totals; it exits 1 when a row has a problem. It opens no database
// and stores nothing, so it cannot tell which rows are known customers or already imported.
func dryRun(ctx context.Context, settings *crm.Settings, lark *bot.Client, source string, columns map[string]string, header []string, rows [][]string, now time.Time, out io.Writer) error {
	im := &importer{lark: lark}
	cols := importColumns(header, columns, settings.Fields...)
	type mapped struct {
		row                                     int
		name, contact, company, campaign, owner string
	}
	var ok []mapped
	var problems []rejectedRow
	owners := make([]string, len(rows))
	if _, known := settings.Source(source); !known {
		problems = append(problems, rejectedRow{-1, fmt.Sprintf("来源「%s」未在 baton.yaml 中配置 / source %q is not in baton.yaml", source, source)})
	}
	for i, r := range rows {
		it, owner, err := cols.lead(r, settings.Location)
		if err == nil {
			var nl *crm.NewLead
			if nl, err = it.Input.Normalize(source, now); err == nil {
				nl.Fields, err = crm.NormalizeFields(settings.Fields, nl.Fields)
			}
			if err == nil {
				contact := crm.MaskPhone(nl.Phone)
				if contact == "" {
					contact = crm.MaskEmail(nl.Email)
				}
				ok = append(ok, mapped{i, nl.Name, contact, nl.Company, nl.Campaign, owner})
				owners[i] = owner
				continue
			}
		}
		problems = append(problems, rejectedRow{i, rejectReason(err)})
	}
	ids, err := im.resolveOwners(ctx, owners)
	if err != nil {
		return err
	}
	withOwner := 0
	for k := 0; k < len(ok); k++ {
		m := ok[k]
		if m.owner == "" {
			continue
		}
		if ids[m.owner] != "" {
			withOwner++
			continue
		}
		why := "飞书通讯录里找不到该负责人（或应用无权查看） / the owner is not in the Lark directory (or the app may not see them)"
		if lark == nil {
			why = "未配置飞书应用，无法按邮箱或手机号查找负责人，请填写 open_id / no Lark app is configured to look the owner up by email or mobile: give an open_id"
		}
		problems = append(problems, rejectedRow{m.row, "负责人「" + m.owner + "」：" + why})
		ok = append(ok[:k], ok[k+1:]...)
		k--
	}

	fmt.Fprintf(out, "dry run: nothing is stored. The first %d rows as they would be imported:\n", min(previewRows, len(ok)))
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "row\tname 姓名\tphone 手机\tcompany 公司\tcampaign 活动\towner 负责人")
	for _, m := range ok[:min(previewRows, len(ok))] {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", m.row+2, m.name, m.contact, m.company, m.campaign, m.owner)
	}
	tw.Flush()
	if len(problems) > 0 {
		fmt.Fprintf(out, "problems (%d):\n", len(problems))
		slices.SortStableFunc(problems, func(a, b rejectedRow) int { return a.row - b.row })
		for _, p := range problems {
			if p.row < 0 {
				fmt.Fprintf(out, "  %s\n", p.reason)
			} else {
				fmt.Fprintf(out, "  row %d: %s\n", p.row+2, p.reason)
			}
		}
	}
	fmt.Fprintf(out, "dry run: %d rows, %d would be imported (%d with their owner), %d with problems; known customers and rows already imported are found only by the real import\n",
		len(rows), len(ok), withOwner, len(rows)-len(ok))
	if len(problems) > 0 {
		return &exitError{code: 1, err: errors.New("")} // as the real import exits when it refuses rows
	}
	return nil
}
