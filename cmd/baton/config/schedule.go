package config

import (
	"strings"

	"github.com/baton-crm/baton/crm"
	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"
)

// Recipients a schedule may name besides chat ids.
const (
	toManagers    = "managers"
	toOpsChannels = "ops_channels"
)

// cronParser accepts exactly the five classic fields. Descriptors (@daily) are left out so every
// schedule reads the same way, and TZ= prefixes are refused before parsing because the time zone is the
// settings' own (and cron v3.0.1 panics on "TZ=" with no space after it).
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// schedule overrides the fields of s that n sets; absent fields keep their defaults.
func (p *parser) schedule(n *yaml.Node, path string, s *crm.Schedule) {
	f := p.fields(n, path, "cron", "to")
	if v, ok := f["cron"]; ok {
		if line, ok := p.str(v.val, v.path); ok {
			if msg := checkCron(line); msg != "" {
				p.errorf(v.val, v.path, "%q is not a 5-field cron line: %s", v.val.Value, msg)
			} else {
				s.Cron = strings.TrimSpace(line)
			}
		}
	}
	if v, ok := f["to"]; ok {
		if isNull(v.val) || v.val.Kind == yaml.SequenceNode && len(v.val.Content) == 0 {
			p.errorf(v.val, v.path, "list at least one recipient (managers, ops_channels or a chat id oc_…)")
		}
		var to []string
		for i, item := range p.items(v.val, v.path) {
			ip := index(v.path, i)
			r, ok := p.str(item, ip)
			if !ok {
				continue
			}
			switch {
			case r != toManagers && r != toOpsChannels && !chatIDPattern.MatchString(r):
				p.errorf(item, ip, "%q is not managers, ops_channels or a chat id (oc_…)", item.Value)
			case contains(to, r):
				p.errorf(item, ip, "%q is listed twice", item.Value)
			default:
				to = append(to, r)
			}
		}
		if len(to) > 0 {
			s.To = to
		}
	}
}

func checkCron(line string) string {
	trimmed := strings.TrimSpace(line)
	switch {
	case trimmed == "":
		return "empty"
	case strings.HasPrefix(trimmed, "TZ=") || strings.HasPrefix(trimmed, "CRON_TZ="):
		return "the time zone comes from timezone, not from the cron line"
	case strings.HasPrefix(trimmed, "@"):
		return "write the five fields instead of a descriptor"
	}
	if _, err := cronParser.Parse(trimmed); err != nil {
		return err.Error()
	}
	return ""
}
