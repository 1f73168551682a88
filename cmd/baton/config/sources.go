package config

import (
	"strings"

	"github.com/baton-crm/baton/crm"
	"gopkg.in/yaml.v3"
)

// pushSource reads the keys of a push source (kind, fields, dedupe_window, max_skew); each needs a kind.
func (p *parser) pushSource(f map[string]field, path string, src *crm.Source) {
	if v, ok := f["kind"]; ok {
		kind, _ := p.str(v.val, v.path)
		switch kind {
		case crm.KindJiandaoyun:
			if _, hasToken := f["token"]; hasToken {
				p.errorf(f["token"].key, f["token"].path, "简道云 signs its pushes with the secret; a token is not used")
			}
			if _, hasSecret := f["secret"]; !hasSecret {
				p.errorf(v.val, join(path, "secret"), "required for kind jiandaoyun (the Secret from 简道云's data push settings)")
			}
		case crm.KindWebhook:
		default:
			p.errorf(v.val, v.path, "unknown kind %q (expected %s, %s, %s or %s)", v.val.Value, crm.KindJiandaoyun,
				crm.KindWebhook, crm.KindOceanEngine, crm.KindTencentAds)
		}
		src.Kind = kind
	}
	for _, k := range []string{"fields", "dedupe_window", "max_skew"} {
		if v, ok := f[k]; ok && src.Kind == "" {
			p.errorf(v.key, v.path, "needs a kind (jiandaoyun or webhook): only push sources map fields")
		}
	}
	if v, ok := f["max_skew"]; ok && src.Kind != crm.KindJiandaoyun && src.Kind != "" {
		p.errorf(v.key, v.path, "only kind jiandaoyun carries a signed timestamp")
	}
	if src.Kind == "" {
		return
	}
	if v, ok := f["fields"]; ok {
		for _, e := range p.pairs(v.val, v.path) {
			if !crm.ValidMappedField(e.key.Value) {
				p.errorf(e.key, e.path, "unknown lead field (expected one of: %s, utm.<key> or fields.<key>)", strings.Join(crm.MappableFields, ", "))
				continue
			}
			path, ok := p.str(e.val, e.path)
			if ok && strings.TrimSpace(path) == "" {
				p.errorf(e.val, e.path, "give the path of the value in the record, like _widget_1001 or contact.mobile")
				continue
			}
			src.Fields = append(src.Fields, crm.FieldMap{Field: e.key.Value, Path: strings.TrimSpace(path)})
		}
	}
	src.DedupeWindow = crm.DefaultDedupeWindow
	if v, ok := f["dedupe_window"]; ok {
		src.DedupeWindow, _ = p.duration(v.val, v.path)
	}
	if v, ok := f["max_skew"]; ok {
		if d, ok := p.duration(v.val, v.path); ok && d <= 0 {
			p.errorf(v.val, v.path, "must be more than zero")
		} else {
			src.MaxSkew = d
		}
	}
}

func (p *parser) sources(n *yaml.Node, path string) []crm.Source {
	var out []crm.Source
	seen := map[string]bool{}
	for i, item := range p.items(n, path) {
		ip := index(path, i)
		f := p.fields(item, ip, append([]string{"key", "token", "secret", "rate_limit", "fields", "dedupe_window", "max_skew"},
			pullSourceFields...)...)
		if f == nil {
			if isNull(item) {
				p.errorf(item, ip, "empty source; give at least key and token or secret")
			}
			continue
		}
		var src crm.Source
		src.Key = p.key(f, item, ip, seen)
		tokenOK, secretOK := true, true
		if v, ok := f["token"]; ok {
			src.Token, tokenOK = p.str(v.val, v.path)
		}
		if v, ok := f["secret"]; ok {
			src.Secret, secretOK = p.str(v.val, v.path)
		}
		jdy := false
		if isPullKind(f) {
			src.Pull = p.pullSource(f, item, ip) // sources_pull.go
		} else {
			p.notPull(f)
			if v, ok := f["kind"]; ok {
				jdy = v.val.Value == crm.KindJiandaoyun // its own message names the secret
			}
		}
		if src.Token == "" && src.Secret == "" && tokenOK && secretOK && src.Pull == nil && !jdy {
			p.errorf(item, ip, "give a token (bearer) or a secret (HMAC signature), or both")
		}
		if src.Pull == nil {
			p.pushSource(f, ip, &src)
		} else {
			for _, k := range []string{"fields", "dedupe_window", "max_skew"} {
				if v, ok := f[k]; ok {
					p.errorf(v.key, v.path, "only push sources (jiandaoyun, webhook) take %s", k)
				}
			}
		}
		if v, ok := f["rate_limit"]; ok {
			src.RateLimit, _ = p.rate(v.val, v.path)
		}
		out = append(out, src)
	}
	return out
}

// key reads the required, unique "key" field of a source or pool. Keys appear in URLs, card values and
// chat commands, so they are restricted to lower-case words.
func (p *parser) key(f map[string]field, item *yaml.Node, path string, seen map[string]bool) string {
	v, ok := f["key"]
	if !ok {
		p.errorf(item, join(path, "key"), "required")
		return ""
	}
	k, ok := p.str(v.val, v.path)
	if !ok {
		return ""
	}
	switch {
	case !keyPattern.MatchString(k):
		p.errorf(v.val, v.path, "%q must be lower-case letters, digits, - and _ (like web-form)", v.val.Value)
	case seen[k]:
		p.errorf(v.val, v.path, "%q is used twice", v.val.Value)
	default:
		seen[k] = true
	}
	return k
}

// required reads a string field that must be present and not empty.
func (p *parser) required(f map[string]field, key string, item *yaml.Node, path string) (string, *yaml.Node) {
	v, ok := f[key]
	if !ok {
		p.errorf(item, join(path, key), "required")
		return "", item
	}
	s, ok := p.str(v.val, v.path)
	if ok && s == "" {
		p.errorf(v.val, v.path, "required")
	}
	return s, v.val
}
