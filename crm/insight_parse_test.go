package crm

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseInsight(t *testing.T) {
	t.Parallel()
	cases := []struct {
		text string
		want InsightRequest
	}{
		{"13800138000 #价格敏感 #决策人是CFO 关注交付周期", InsightRequest{Customer: CustomerQuery{Phone: "+8613800138000"},
			Tags: []string{"价格敏感", "决策人是cfo"}, Note: "关注交付周期"}},
		{"campaign:双11 #预算充足 大部分来自华东制造业", InsightRequest{Campaign: "双11", Tags: []string{"预算充足"}, Note: "大部分来自华东制造业"}},
		{"活动：双11 ＃预算充足", InsightRequest{Campaign: "双11", Tags: []string{"预算充足"}}},
		{"campaign: 双11 #a", InsightRequest{Campaign: "双11", Tags: []string{"a"}}},
		{"source:web-form 表单线索质量高", InsightRequest{Source: "web-form", Note: "表单线索质量高"}},
		{"来源=ads #低质", InsightRequest{Source: "ads", Tags: []string{"低质"}}},
		{"#123 #VIP", InsightRequest{Customer: CustomerQuery{LeadID: 123}, Tags: []string{"vip"}}},
		{"＃45 跟进过", InsightRequest{Customer: CustomerQuery{LeadID: 45}, Note: "跟进过"}},
		{"lead:77 #a", InsightRequest{Customer: CustomerQuery{LeadID: 77}, Tags: []string{"a"}}},
		{"Zhang@Example.com #a", InsightRequest{Customer: CustomerQuery{Email: "zhang@example.com"}, Tags: []string{"a"}}},
		{"ACME #大客户 年底采购", InsightRequest{Customer: CustomerQuery{Company: "ACME"}, Tags: []string{"大客户"}, Note: "年底采购"}},
		{`"ACME Corp" #a`, InsightRequest{Customer: CustomerQuery{Company: "ACME Corp"}, Tags: []string{"a"}}},
		{"「华为 技术」 备注", InsightRequest{Customer: CustomerQuery{Company: "华为 技术"}, Note: "备注"}},
		{"客户:13800138000 #a", InsightRequest{Customer: CustomerQuery{Phone: "+8613800138000"}, Tags: []string{"a"}}},
		{"公司:ACME #a", InsightRequest{Customer: CustomerQuery{Company: "ACME"}, Tags: []string{"a"}}},
		// Tags are normalised: case, full-width ＃, spaces, duplicates, several glued together.
		{"138-0013-8000 #VIP ＃vip #Ｖｉｐ #a#b 说明 #", InsightRequest{Customer: CustomerQuery{Phone: "+8613800138000"},
			Tags: []string{"vip", "a", "b"}, Note: "说明"}},
	}
	for _, tc := range cases {
		got, err := ParseInsight(tc.text)
		if err != nil {
			t.Errorf("ParseInsight(%q): %v", tc.text, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseInsight(%q) (-want +got):\n%s", tc.text, diff)
		}
	}
}

func TestParseInsightRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		text, why string
	}{
		{"", "no target"},
		{"#价格敏感 关注交付", "tags before any target"},
		{"13800138000", "nothing to say"},
		{"13800138000 #", "an empty tag only"},
		{"12345678 #a", "not a valid phone number"},
		{"bad@ #a", "not an email"},
		{"campaign: #a", "campaign without a name"},
		{"lead:abc #a", "lead id not a number"},
		{"A #a", "one-letter company"},
		{"13800138000 #这个标签实在是太长了这个标签实在是太长了这个标签实在是太长了这个标签", "tag over 32 characters"},
	}
	for _, tc := range cases {
		_, err := ParseInsight(tc.text)
		if ErrorCode(err) != EINVALID {
			t.Errorf("ParseInsight(%q) (%s) = %v, want EINVALID", tc.text, tc.why, err)
		}
	}
}

func TestInsightFromForm(t *testing.T) {
	t.Parallel()
	got, err := InsightFromForm(" 13800138000 ", "价格敏感，#决策人是CFO 、VIP,vip", "关注交付周期\n下周再约")
	if err != nil {
		t.Fatal(err)
	}
	want := InsightRequest{Customer: CustomerQuery{Phone: "+8613800138000"}, Tags: []string{"价格敏感", "决策人是cfo", "vip"},
		Note: "关注交付周期\n下周再约"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("form (-want +got):\n%s", diff)
	}
	if _, err := InsightFromForm("13800138000 13900139000", "a", ""); ErrorCode(err) != EINVALID {
		t.Errorf("two targets: %v, want EINVALID", err)
	}
	if _, err := InsightFromForm("campaign:双11", "", ""); ErrorCode(err) != EINVALID {
		t.Errorf("no tags and no note: %v, want EINVALID", err)
	}
}
