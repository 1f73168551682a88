package config

import (
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/baton-crm/baton/crm"
)

// tasks reads `tasks: {enabled: true, link: "https://…/leads/{id}", check_every: 5m}`.
func (p *parser) tasks(n *yaml.Node, path string) crm.TaskSettings {
	var t crm.TaskSettings
	f := p.fields(n, path, "enabled", "link", "check_every")
	if v, ok := f["enabled"]; ok {
		s, _ := p.str(v.val, v.path)
		switch s {
		case "true", "yes", "on":
			t.Enabled = true
		case "false", "no", "off", "":
		default:
			p.errorf(v.val, v.path, "want true or false")
		}
	}
	if v, ok := f["link"]; ok {
		if s, ok := p.str(v.val, v.path); ok {
			if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "applink://") {
				// Lark refuses an origin link that does not start with http, https or applink.
				p.errorf(v.val, v.path, "%q is not an http(s) or applink link", v.val.Value)
			} else {
				t.Link = s
			}
		}
	}
	if v, ok := f["check_every"]; ok {
		if d, ok := p.duration(v.val, v.path); ok {
			if d < time.Minute {
				p.errorf(v.val, v.path, "must be at least 1m (each check reads every open task from Lark)")
			} else {
				t.CheckEvery = d
			}
		}
	}
	return t
}
