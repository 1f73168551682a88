package cards

import "github.com/baton-crm/baton/crm"

// testFields are custom fields of every kind; the pii phone holds the customer's full number, so the group
// card checks catch it if it is ever shown unmasked.
func testFields() []crm.FieldDef {
	return []crm.FieldDef{
		{Key: "budget", Zh: "预算", En: "Budget", Type: crm.FieldMoney, Card: true, Routable: true},
		{Key: "industry", Zh: "行业", En: "Industry", Type: crm.FieldSelect, Card: true, Required: true,
			Options: []crm.FieldOption{{Value: "manufacturing", Zh: "制造", En: "Manufacturing"}, {Value: "retail", Zh: "零售", En: "Retail"}}},
		{Key: "backup_phone", Zh: "备用电话", En: "Backup phone", Type: crm.FieldPhone, PII: true, Card: true},
		{Key: "wechat", Zh: "微信", En: "WeChat", Type: crm.FieldText, PII: true, Card: true},
		{Key: "products", Zh: "产品", En: "Products", Type: crm.FieldMultiselect, Card: true,
			Options: []crm.FieldOption{{Value: "crm", Zh: "客户管理", En: "CRM"}, {Value: "erp", Zh: "企业资源", En: "ERP"}}},
		{Key: "sign_date", Zh: "签约日期", En: "Sign date", Type: crm.FieldDate},
		{Key: "head_count", Zh: "人数", En: "Head count", Type: crm.FieldNumber},
		{Key: "trial", Zh: "试用", En: "Trial", Type: crm.FieldBool, Card: true},
		{Key: "contact", Zh: "对接人", En: "Contact", Type: crm.FieldMember},
		{Key: "remarks", Zh: "补充说明", En: "Remarks", Type: crm.FieldTextarea},
	}
}

// withFields gives v the test fields and values for most of them.
func withFields(v crm.LeadView) crm.LeadView {
	v.Fields = testFields()
	v.Lead.Fields = map[string]any{"budget": 200000.0, "industry": "manufacturing", "backup_phone": fullPhone,
		"wechat": "zhangsan_wx", "products": []string{"crm", "erp"}, "sign_date": "2026-12-01", "head_count": 120.0,
		"trial": true, "contact": ownerID}
	return v
}
