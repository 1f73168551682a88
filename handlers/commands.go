package handlers

import (
	"strings"
	"unicode"

	"github.com/baton-crm/baton/crm"
)

// Command is a parsed chat command: "/lead 张三 138…" → {Name: "lead", Args: "张三 138…"}.
type Command struct {
	Name string // canonical English name; "" when the text is not a command
	Args string
	Raw  string // the command word as typed
}

// aliases maps every accepted command word (English and Chinese) to its canonical name.
var aliases = map[string]string{
	"help": "help", "帮助": "help", "?": "help", "？": "help",
	"lead": "lead", "线索": "lead", "录入": "lead", "新线索": "lead",
	"my": "my", "我的": "my", "我的线索": "my",
	"pool": "pool", "公海": "pool", "线索池": "pool",
	"route": "route", "路由": "route",
	"away": "away", "请假": "away", "离开": "away",
	"back": "back", "回来": "back", "销假": "back",
	"insight": "insight", "洞察": "insight", "客户洞察": "insight",
	"insights": "insights", "查看洞察": "insights",
	"digest": "digest", "周报": "digest", "简报": "digest",
	"team": "team", "团队": "team", "团队概况": "team",
}

// ParseCommand reads a chat message. Commands start with "/" (or the full-width "／"); a known word without
// the slash also works in a DM-style message such as "help". Unknown commands keep Raw and an empty Name.
func ParseCommand(text string) Command {
	t := strings.TrimSpace(text)
	t = strings.TrimPrefix(t, "／")
	slash := strings.HasPrefix(t, "/")
	t = strings.TrimPrefix(t, "/")
	word, args, _ := strings.Cut(t, " ")
	if i := strings.IndexFunc(word, unicode.IsSpace); i >= 0 {
		word, args = word[:i], word[i:]+" "+args
	}
	args = strings.TrimSpace(args)
	name, ok := aliases[strings.ToLower(word)]
	if !ok {
		if slash {
			return Command{Raw: word, Args: args}
		}
		return Command{Args: strings.TrimSpace(text)}
	}
	return Command{Name: name, Args: args, Raw: word}
}

// ParseLeadText reads the text form of /lead: a name, a phone number and/or an email address in any order,
// and the rest as the note. "/lead 张三 13800138000 想了解企业版" → name 张三, phone, note 想了解企业版.
// key=value words (name=, phone=, email=, company=, title=, region=, campaign=, note=) set fields directly,
// and so do custom fields by key or label (budget=20万, 行业=制造).
func ParseLeadText(args string, fields ...crm.FieldDef) crm.LeadInput {
	var in crm.LeadInput
	var note []string
	for _, f := range strings.Fields(args) {
		if k, v, ok := strings.Cut(f, "="); ok && v != "" {
			if dst := leadField(&in, strings.ToLower(k)); dst != nil {
				*dst = v
				continue
			}
			if leadTextField(&in, fields, k, v) {
				continue
			}
		}
		switch {
		case in.Email == "" && strings.Contains(f, "@") && strings.Contains(f, "."):
			in.Email = f
		case in.Phone == "" && (looksLikePhone(f) || (len(note) == 0 && in.Email == "" && phoneDigits(f) >= 3)):
			// A short number right after the name is a mistyped phone, not the start of the note: validation
			// then says it is not a valid number instead of asking for one.
			in.Phone = f
		case in.Name == "" && len(note) == 0 && in.Phone == "" && in.Email == "":
			in.Name = f
		default:
			note = append(note, f)
		}
	}
	if len(note) > 0 {
		in.Note = strings.TrimSpace(in.Note + " " + strings.Join(note, " "))
	}
	return in
}

func leadField(in *crm.LeadInput, key string) *string {
	switch key {
	case "name", "姓名":
		return &in.Name
	case "phone", "手机", "电话":
		return &in.Phone
	case "email", "邮箱":
		return &in.Email
	case "company", "公司":
		return &in.Company
	case "title", "职位":
		return &in.Title
	case "region", "地区":
		return &in.Region
	case "campaign", "活动":
		return &in.Campaign
	case "note", "备注":
		return &in.Note
	}
	return nil
}

// ParseRouteText reads /route's key=value pairs (source, campaign, region, tags=a,b, pool) into a lead
// input; a bare word is taken as the campaign.
func ParseRouteText(args string) (source string, in crm.LeadInput) {
	for _, f := range strings.Fields(args) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			in.Campaign = f
			continue
		}
		switch strings.ToLower(k) {
		case "source":
			source = v
		case "campaign":
			in.Campaign = v
		case "region":
			in.Region = v
		case "pool":
			in.Pool = v
		case "tags", "tag":
			in.Tags = append(in.Tags, strings.Split(v, ",")...)
		}
	}
	return source, in
}

func looksLikePhone(s string) bool { return phoneDigits(s) >= 7 }

// phoneDigits counts the digits of s when it is written only with what phone numbers use, and is -1 otherwise.
func phoneDigits(s string) int {
	digits := 0
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			digits++
		case r == '+' || r == '-' || r == '(' || r == ')' || r == '＋':
		default:
			return -1
		}
	}
	return digits
}
