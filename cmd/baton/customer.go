package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/baton-crm/baton/crm"
)

const customerHelp = `Usage:
  baton customer export PHONE|EMAIL          print everything Baton holds about the customer, as JSON
  baton customer erase PHONE|EMAIL --yes     erase the customer's personal data

Personal-data requests (PIPL, GDPR). Erasing removes the name, phone, email, tags, the leads' notes and
attributes and the reps' notes, and records the erasure on each lead's timeline; stages, sources and times
stay so digests keep adding up. The same phone or email arriving later becomes a new customer.
`

func cmdCustomer(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 1 || (args[0] != "export" && args[0] != "erase") {
		fmt.Fprint(stderr, customerHelp)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return &exitError{code: 2, err: errors.New("")}
	}
	verb := args[0]
	fs := flagSet("customer "+verb, customerHelp, stderr)
	yes := fs.Bool("yes", false, "confirm the erasure")
	var contact string
	rest := args[1:]
	if len(rest) > 0 && rest[0] != "" && rest[0][0] != '-' {
		contact, rest = rest[0], rest[1:]
	}
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if contact == "" && fs.NArg() == 1 {
		contact = fs.Arg(0)
	}
	if contact == "" {
		fs.Usage()
		return &exitError{code: 2, err: errors.New("")}
	}
	a, err := openTool(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	a.svc.Privacy = a.db
	if verb == "export" {
		exp, err := a.svc.ExportCustomer(ctx, contact)
		if err != nil {
			return userError(err)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(exportJSON(exp))
	}
	if !*yes {
		return &exitError{code: 2, err: errors.New("erasing cannot be undone: add --yes to confirm")}
	}
	n, err := a.svc.EraseCustomer(ctx, contact)
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(stdout, "erased the customer's personal data; %d lead(s) keep their anonymous history\n", n)
	return nil
}

// userError turns a coded error into its user-facing sentence.
func userError(err error) error {
	if crm.ErrorCode(err) == crm.EINTERNAL {
		return err
	}
	en, _ := crm.ErrorMessage(err)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		en = "no customer with that phone or email"
	}
	return &exitError{code: 1, err: errors.New(en)}
}

func exportJSON(e *crm.CustomerExport) map[string]any {
	c := e.Customer
	leads := make([]map[string]any, 0, len(e.Leads))
	for _, le := range e.Leads {
		l := le.Lead
		tl := make([]map[string]any, 0, len(le.Timeline))
		for _, ev := range le.Timeline {
			tl = append(tl, map[string]any{"kind": ev.Kind, "actor": ev.ActorID, "at": ev.At.UTC().Format(time.RFC3339), "data": ev.Data})
		}
		touches := make([]map[string]any, 0, len(le.Touches))
		for _, t := range le.Touches {
			touches = append(touches, map[string]any{"source": t.Source, "external_id": t.ExternalID, "campaign": t.Campaign, "utm": t.UTM,
				"note": t.Note, "author": t.AuthorID, "at": t.CreatedAt.UTC().Format(time.RFC3339)})
		}
		leads = append(leads, map[string]any{"id": l.ID, "pool": l.Pool, "stage": l.Stage, "owner": l.OwnerID,
			"source": l.Source, "campaign": l.Campaign, "note": l.Note, "attributes": l.Attributes, "fields": l.Fields, "tags": l.Tags,
			"created_at": l.CreatedAt.UTC().Format(time.RFC3339), "touches": touches, "timeline": tl})
	}
	return map[string]any{
		"customer": map[string]any{"id": c.ID, "name": c.Name, "phone": c.Phone, "email": c.Email, "company": c.Company,
			"title": c.Title, "region": c.Region, "tags": c.Tags, "created_at": c.CreatedAt.UTC().Format(time.RFC3339)},
		"leads": leads,
	}
}
