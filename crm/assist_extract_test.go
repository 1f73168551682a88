package crm

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExtractLeadPastedTexts reads texts as people paste them into /lead: WeChat and Feishu conversations,
// email signatures and business-card OCR output, in Chinese and English.
func TestExtractLeadPastedTexts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text                       string
		wantName, wantCompany, wantPhone string
		wantEmail, wantTitle             string
	}{
		{name: "wechat chat zh",
			text:     "王磊 10:32\n你好，我是华东精密机械有限公司的王磊，想了解一下你们的企业版\n王磊 10:33\n我电话 139 1234 5678，下午都在",
			wantName: "王磊", wantCompany: "华东精密机械有限公司", wantPhone: "+8613912345678"},
		{name: "wechat chat with speaker colons",
			text:     "[09:12] 刘芳：您好，我们是杭州云帆科技有限公司\n[09:13] 刘芳：我的手机是13800138000，邮箱 liufang@yunfan-tech.cn\n[09:15] 销售小陈：好的，稍后联系您",
			wantName: "刘芳", wantCompany: "杭州云帆科技有限公司", wantPhone: "+8613800138000", wantEmail: "liufang@yunfan-tech.cn"},
		{name: "email signature en",
			text:     "Thanks, let's talk next week.\n\nBest regards,\nJohn Smith\nSales Director | Acme Industrial Ltd.\nMobile: +86 138 0013 8000\njohn.smith@acme-ind.com",
			wantName: "John Smith", wantCompany: "Acme Industrial Ltd.", wantPhone: "+8613800138000", wantEmail: "john.smith@acme-ind.com", wantTitle: "Sales Director"},
		{name: "email signature zh",
			text:     "此致\n敬礼\n\n张伟 | 采购经理\n深圳市前海启明星电子有限公司\n电话：0755-8888 6666\n邮箱：zhangwei@qmx-elec.com",
			wantName: "张伟", wantCompany: "深圳市前海启明星电子有限公司", wantPhone: "+8675588886666", wantEmail: "zhangwei@qmx-elec.com", wantTitle: "采购经理"},
		{name: "business card OCR zh",
			text:     "华东精密机械有限公司\n王建国  采购总监\n手机：139-1234-5678\n邮箱：wangjg@hdjm.com.cn\n地址：上海市嘉定区安亭镇墨玉路 185 号",
			wantName: "王建国", wantCompany: "华东精密机械有限公司", wantPhone: "+8613912345678", wantEmail: "wangjg@hdjm.com.cn", wantTitle: "采购总监"},
		{name: "business card OCR en",
			text:     "NORTHWIND TRADING\nEmily Chen\nHead of Procurement\nNorthwind Trading Co., Ltd.\nT: +852 2123 4567\nM: +86 186 1234 5678\nE: emily.chen@northwind.hk",
			wantName: "Emily Chen", wantCompany: "Northwind Trading Co., Ltd.", wantPhone: "+85221234567", wantEmail: "emily.chen@northwind.hk", wantTitle: "Head of Procurement"},
		{name: "labelled form paste",
			text:     "姓名：李娜\n公司：成都天府软件园管理有限公司\n职位：行政主管\n手机：18628001234",
			wantName: "李娜", wantCompany: "成都天府软件园管理有限公司", wantPhone: "+8618628001234", wantTitle: "行政主管"},
		{name: "english labelled",
			text:     "Name: Michael Brown\nCompany: Brightline Logistics Inc.\nPhone: +1 (212) 736-5000\nEmail: mbrown@brightline.io",
			wantName: "Michael Brown", wantCompany: "Brightline Logistics Inc.", wantPhone: "+12127365000", wantEmail: "mbrown@brightline.io"},
		{name: "one line chat with full-width digits",
			text:     "您好我是赵敏，苏州星河纺织集团，手机１３７０１２３４５６７，想要报价\n谢谢",
			wantName: "赵敏", wantCompany: "苏州星河纺织集团", wantPhone: "+8613701234567"},
		{name: "english chat intro",
			text:     "Hi, this is David Lee from Orion Robotics Inc. We're evaluating CRM tools for 40 reps.\nYou can reach me at david.lee@orion-robotics.com or +1 650 253 0000.",
			wantName: "David Lee", wantCompany: "Orion Robotics Inc.", wantPhone: "+16502530000", wantEmail: "david.lee@orion-robotics.com"},
		{name: "forwarded feishu message",
			text:     "陈静 2026-11-30 16:02\n我们工厂在东莞，做注塑件的，东莞市宏达塑胶制品厂\n联系我 13922223333 或者 chenjing@hongda-plastic.com",
			wantName: "陈静", wantCompany: "东莞市宏达塑胶制品厂", wantPhone: "+8613922223333", wantEmail: "chenjing@hongda-plastic.com"},
		{name: "signature with landline and extension noise",
			text:     "--\n孙悦\n市场部 · 品牌经理\n北京明德教育科技有限公司\nTel: 010-6552 8899\nWeChat: sunyue_md",
			wantName: "孙悦", wantCompany: "北京明德教育科技有限公司", wantPhone: "+861065528899"},
		{name: "dates and order numbers are not phones",
			text:     "订单号 2026112100318，日期 2026-12-01\n联系人：周杰\n电话 15011112222",
			wantName: "周杰", wantPhone: "+8615011112222"},
		{name: "nothing to find",
			text: "明天下午开会讨论一下\n好的收到",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ExtractLead(tt.text)
			check := func(field, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			check("name", got.Name, tt.wantName)
			check("company", got.Company, tt.wantCompany)
			check("phone", got.Phone, tt.wantPhone)
			check("email", got.Email, tt.wantEmail)
			if tt.wantTitle != "" {
				check("title", got.Title, tt.wantTitle)
			}
			if got.Note != strings.TrimSpace(tt.text) {
				t.Errorf("note = %q, want the pasted text", got.Note)
			}
		})
	}
}

// TestFindContactsCoversEveryNumber: every run of seven digits or more and every address is a span, valid
// or not, so the assistant's placeholders miss nothing that looks like a contact.
func TestFindContactsCoversEveryNumber(t *testing.T) {
	t.Parallel()
	text := "call 138 0013 8000 or 12345678901234, mail a.b@c-d.com.cn, id 123456"
	var got []string
	for _, s := range FindContacts(text) {
		got = append(got, s.Kind+":"+text[s.Start:s.End])
	}
	want := []string{"phone:138 0013 8000", "phone:12345678901234", "email:a.b@c-d.com.cn"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("spans = %q, want %q", got, want)
	}
}

// TestExtractFields: labelled custom field values are read from pasted text by key or label, in either
// colon, and normalised; a value the field refuses, a member field and an unlabelled mention are left.
func TestExtractFields(t *testing.T) {
	t.Parallel()
	s := &Settings{Fields: []FieldDef{
		{Key: "budget", Zh: "预算", En: "Budget", Type: FieldMoney},
		{Key: "industry", Zh: "行业", En: "Industry", Type: FieldSelect, Options: []FieldOption{{Value: "manufacturing", Zh: "制造", En: "Manufacturing"}}},
		{Key: "products", Zh: "产品", Type: FieldMultiselect, Options: []FieldOption{{Value: "crm", Zh: "客户管理", En: "CRM"}, {Value: "erp", Zh: "企业资源", En: "ERP"}}},
		{Key: "head_count", Zh: "人数", Type: FieldNumber},
		{Key: "contact", Zh: "对接人", Type: FieldMember},
		{Key: "wechat", Zh: "微信号", Type: FieldText, PII: true},
	}}
	text := "王磊 10:32\n预算：¥20万\nIndustry: 制造\n产品：CRM、企业资源\n人数: 很多\n对接人：ou_abc\nwechat: hdjm_wl88\n我们行业是制造"
	want := map[string]any{"budget": 200000.0, "industry": "manufacturing", "products": []string{"crm", "erp"}, "wechat": "hdjm_wl88"}
	if diff := cmp.Diff(want, s.ExtractFields(text)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if got := s.ExtractFields("no labels here"); got != nil {
		t.Errorf("fields of a text without labels: %v", got)
	}
	private := s.PrivateValues(map[string]any{"wechat": "hdjm_wl88", "budget": 200000.0})
	if !slices.Contains(private, "hdjm_wl88") || slices.ContainsFunc(private, func(v string) bool { return strings.Contains(v, "200") }) {
		t.Errorf("private values = %q, want the pii wechat only", private)
	}
}
