package config

import (
	"strings"
	"time"

	"github.com/baton-crm/baton/crm"
	"gopkg.in/yaml.v3"
)

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

func (p *parser) businessHours(n *yaml.Node, path string, loc *time.Location) *crm.BusinessHours {
	f := p.fields(n, path, "days", "start", "end", "holidays", "workdays")
	if f == nil {
		return nil
	}
	bh := &crm.BusinessHours{Location: loc}
	v, ok := f["days"]
	if !ok || isNull(v.val) || v.val.Kind == yaml.SequenceNode && len(v.val.Content) == 0 {
		at := n
		if ok {
			at = v.key
		}
		p.errorf(at, join(path, "days"), "list at least one open day")
	}
	if ok {
		for i, item := range p.items(v.val, v.path) {
			ip := index(v.path, i)
			name, ok := p.str(item, ip)
			if !ok {
				continue
			}
			wd, known := weekdays[strings.ToLower(name)]
			switch {
			case !known:
				p.errorf(item, ip, "%q is not a day (mon, tue, wed, thu, fri, sat, sun)", item.Value)
			case bh.Days[wd]:
				p.errorf(item, ip, "%q is listed twice", item.Value)
			default:
				bh.Days[wd] = true
			}
		}
	}
	start, okStart := p.clock(f, "start", n, path)
	end, okEnd := p.clock(f, "end", n, path)
	if okStart && okEnd && start >= end {
		p.errorf(f["end"].val, f["end"].path, "%q must be after start %q", f["end"].val.Value, f["start"].val.Value)
	}
	bh.Start, bh.End = start, end
	bh.Holidays = p.dates(f, "holidays")
	bh.Workdays = p.dates(f, "workdays")
	return bh
}

// clock reads a required "HH:MM" and returns it as an offset from local midnight. "24:00" is allowed as
// an end so that a calendar can run to midnight.
func (p *parser) clock(f map[string]field, key string, parent *yaml.Node, path string) (time.Duration, bool) {
	v, ok := f[key]
	if !ok {
		p.errorf(parent, join(path, key), `required ("HH:MM")`)
		return 0, false
	}
	s, ok := p.str(v.val, v.path)
	if !ok {
		return 0, false
	}
	if s == "24:00" && key == "end" {
		return 24 * time.Hour, true
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		p.errorf(v.val, v.path, `%q is not a time of day ("HH:MM")`, v.val.Value)
		return 0, false
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, true
}

func (p *parser) dates(f map[string]field, key string) map[string]bool {
	v, ok := f[key]
	if !ok {
		return nil
	}
	var out map[string]bool
	for i, item := range p.items(v.val, v.path) {
		ip := index(v.path, i)
		s, ok := p.str(item, ip)
		if !ok {
			continue
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			p.errorf(item, ip, "%q is not a date (YYYY-MM-DD)", item.Value)
			continue
		}
		if out == nil {
			out = make(map[string]bool)
		}
		out[s] = true
	}
	return out
}
