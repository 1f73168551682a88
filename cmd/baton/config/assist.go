package config

import (
	"net/url"
	"regexp"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/baton-crm/baton/crm"
)

var envNamePattern = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)

// assist reads assist: {base_url, model, api_key_env, allow, daily_budget, timeout}. Without the section
// the assistant is off; allow left out means every feature.
func (p *parser) assist(n *yaml.Node, path string) crm.AssistSettings {
	a := crm.AssistSettings{DailyBudget: crm.DefaultAssistDailyBudget, Timeout: crm.DefaultAssistTimeout}
	f := p.fields(n, path, "base_url", "model", "api_key_env", "allow", "daily_budget", "timeout")
	if v, ok := f["base_url"]; ok {
		if s, ok := p.str(v.val, v.path); ok {
			if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				p.errorf(v.val, v.path, "%q is not an http(s) URL (like http://llm.internal/v1)", s)
			} else {
				a.BaseURL = s
			}
		}
	} else {
		p.errorf(n, path, "base_url is required (an OpenAI-compatible endpoint such as http://llm.internal/v1)")
	}
	if v, ok := f["model"]; ok {
		if s, ok := p.str(v.val, v.path); ok && s != "" {
			a.Model = s
		}
	}
	if a.Model == "" {
		p.errorf(n, join(path, "model"), "required (the model name the endpoint serves)")
	}
	if v, ok := f["api_key_env"]; ok {
		if s, ok := p.str(v.val, v.path); ok {
			if !envNamePattern.MatchString(s) {
				p.errorf(v.val, v.path, "%q is not an environment variable name (like BATON_ASSIST_KEY)", s)
			} else {
				a.APIKeyEnv = s
			}
		}
	}
	if v, ok := f["allow"]; ok {
		for i, item := range p.items(v.val, v.path) {
			if s, ok := p.str(item, index(v.path, i)); ok {
				if !slices.Contains(crm.AssistFeatures, s) {
					p.errorf(item, index(v.path, i), "%q is not an assistant feature (summary, extract, brief)", s)
				} else if !slices.Contains(a.Allow, s) {
					a.Allow = append(a.Allow, s)
				}
			}
		}
	} else {
		a.Allow = slices.Clone(crm.AssistFeatures)
	}
	if v, ok := f["daily_budget"]; ok {
		if c, ok := p.count(v.val, v.path); ok {
			a.DailyBudget = c
		}
	}
	if v, ok := f["timeout"]; ok {
		if d, ok := p.duration(v.val, v.path); ok && d > 0 {
			a.Timeout = d
		}
	}
	return a
}
