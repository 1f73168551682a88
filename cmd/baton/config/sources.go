package config

import (
	"github.com/baton-crm/baton/crm"
	"gopkg.in/yaml.v3"
)

func (p *parser) sources(n *yaml.Node, path string) []crm.Source {
	var out []crm.Source
	seen := map[string]bool{}
	for i, item := range p.items(n, path) {
		ip := index(path, i)
		f := p.fields(item, ip, append([]string{"key", "token", "secret", "rate_limit"}, pullSourceFields...)...)
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
		if isPullKind(f) {
			src.Pull = p.pullSource(f, item, ip) // sources_pull.go
		} else {
			p.notPull(f)
		}
		if src.Token == "" && src.Secret == "" && tokenOK && secretOK && src.Pull == nil {
			p.errorf(item, ip, "give a token (bearer) or a secret (HMAC signature), or both")
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
