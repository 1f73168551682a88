package config

import (
	"regexp"

	"github.com/baton-crm/baton/crm"
	"gopkg.in/yaml.v3"
)

// Base tokens as Feishu shows them in a Base's URL (https://xxx.feishu.cn/base/<app_token>?table=<table_id>).
var (
	baseTokenPattern = regexp.MustCompile(`^[A-Za-z0-9]{8,64}$`)
	tableIDPattern   = regexp.MustCompile(`^tbl[A-Za-z0-9]{4,40}$`)
)

// defaultBaseLink opens the pool chat that holds the lead's card, by Feishu's AppLink
// (https://open.feishu.cn/document/applink-protocol/supported-protocol/open-a-chat). Lark tenants set
// base.link to the applink.larksuite.com form, or to any page that shows lead {id}.
const defaultBaseLink = "https://applink.feishu.cn/client/chat/open?openChatId={chat_id}"

// base parses base: {app_token, table_id, full_contact, link}, the Feishu Base mirror.
func (p *parser) base(n *yaml.Node, path string) *crm.BaseConfig {
	f := p.fields(n, path, "app_token", "table_id", "full_contact", "link")
	b := &crm.BaseConfig{}
	if v, ok := f["app_token"]; ok {
		if s, ok := p.str(v.val, v.path); ok {
			if !baseTokenPattern.MatchString(s) {
				p.errorf(v.val, v.path, "%q is not a Base app_token (the part after /base/ in the Base's URL)", s)
			}
			b.AppToken = s
		}
	} else {
		p.errorf(n, join(path, "app_token"), "required: the Base's app_token (the part after /base/ in its URL)")
	}
	if v, ok := f["table_id"]; ok {
		if s, ok := p.str(v.val, v.path); ok && s != "" {
			if !tableIDPattern.MatchString(s) {
				p.errorf(v.val, v.path, "%q is not a table id (tbl…, the table= part of the Base's URL)", s)
			}
			b.TableID = s
		}
	}
	if v, ok := f["full_contact"]; ok {
		s, _ := p.str(v.val, v.path)
		switch s {
		case "true", "yes", "on":
			b.FullContact = true
		case "false", "no", "off", "":
		default:
			p.errorf(v.val, v.path, "want true or false")
		}
	}
	b.Link = defaultBaseLink
	if v, ok := f["link"]; ok {
		if s, ok := p.str(v.val, v.path); ok && s != "" {
			b.Link = s
		}
	}
	return b
}
