package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

const larkIDsHelp = `Usage: baton lark ids [EMAIL|MOBILE ...]

Lists the group chats the bot is in with their oc_ ids (for chat_id and ops_channels in baton.yaml) and
resolves each email or mobile number given to its ou_ open_id (for managers and members). Needs the app's
credentials (LARK_APP_ID, LARK_APP_SECRET) and the scopes im:chat:readonly and contact:user.id:readonly.

`

// cmdLark runs `baton lark ids`, which helps an admin fill baton.yaml without guessing ids.
func cmdLark(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "ids" {
		fmt.Fprint(stderr, larkIDsHelp)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return &exitError{code: 2, err: errors.New("")}
	}
	fs := flagSet("lark ids", larkIDsHelp, stderr)
	people, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	a, err := openTool(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	if a.lark == nil {
		return &exitError{code: 1, err: errors.New("LARK_APP_ID is not set: ids come from a real Lark app (the sandbox's are in its demo baton.yaml)")}
	}
	chats, err := a.lark.Chats(ctx)
	if err != nil {
		return fmt.Errorf("list chats: %w", err)
	}
	fmt.Fprintf(stdout, "chats the bot is in (%d):\n", len(chats))
	for _, c := range chats {
		fmt.Fprintf(stdout, "  %s  %s\n", c.ID, c.Name)
	}
	if len(people) == 0 {
		return nil
	}
	var emails, mobiles []string
	for _, p := range people {
		if strings.Contains(p, "@") {
			emails = append(emails, p)
		} else {
			mobiles = append(mobiles, p)
		}
	}
	ids, err := a.lark.UserIDs(ctx, emails, mobiles)
	if err != nil {
		return fmt.Errorf("look up people: %w", err)
	}
	fmt.Fprintln(stdout, "people:")
	missing := 0
	for _, p := range people {
		if id := ids[p]; id != "" {
			fmt.Fprintf(stdout, "  %s  %s\n", p, a.person(ctx, id))
		} else {
			missing++
			fmt.Fprintf(stdout, "  %s  not found (not in the directory, or outside the app's visibility)\n", p)
		}
	}
	if missing > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d not found", missing, len(people))}
	}
	return nil
}
