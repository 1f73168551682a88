package handlers

import (
	"time"

	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-crm/baton/crm"
)

func TestParseCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Command
	}{
		{"/help", Command{Name: "help", Raw: "help"}},
		{" /帮助 ", Command{Name: "help", Raw: "帮助"}},
		{"／线索 张三 13800138000", Command{Name: "lead", Raw: "线索", Args: "张三 13800138000"}},
		{"/LEAD  a b", Command{Name: "lead", Raw: "LEAD", Args: "a b"}},
		{"/my", Command{Name: "my", Raw: "my"}},
		{"/pool east", Command{Name: "pool", Raw: "pool", Args: "east"}},
		{"/frobnicate x", Command{Raw: "frobnicate", Args: "x"}},
		{"help", Command{Name: "help", Raw: "help"}},
		{"hello there", Command{Args: "hello there"}},
		{"/lead\t张三", Command{Name: "lead", Raw: "lead", Args: "张三"}},
		{"", Command{}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, ParseCommand(tt.in)); diff != "" {
			t.Errorf("ParseCommand(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseLeadText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want crm.LeadInput
	}{
		{"张三 13800138000 想了解企业版 价格", crm.LeadInput{Name: "张三", Phone: "13800138000", Note: "想了解企业版 价格"}},
		{"13800138000", crm.LeadInput{Phone: "13800138000"}},
		{"王五 12345", crm.LeadInput{Name: "王五", Phone: "12345"}},
		{"王五 想要报价 50000", crm.LeadInput{Name: "王五", Note: "想要报价 50000"}},
		{"Li li@example.com +86-138-0013-8000", crm.LeadInput{Name: "Li", Email: "li@example.com", Phone: "+86-138-0013-8000"}},
		{"name=张三 phone=13812345678 company=ACME 周五回电", crm.LeadInput{Name: "张三", Phone: "13812345678", Company: "ACME", Note: "周五回电"}},
		{"", crm.LeadInput{}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, ParseLeadText(tt.in)); diff != "" {
			t.Errorf("ParseLeadText(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseRouteText(t *testing.T) {
	t.Parallel()
	src, in := ParseRouteText("source=web-form campaign=双11大促 region=华东 tags=vip,cfo")
	want := crm.LeadInput{Campaign: "双11大促", Region: "华东", Tags: []string{"vip", "cfo"}}
	if src != "web-form" || !cmp.Equal(want, in) {
		t.Errorf("ParseRouteText = %q %+v", src, in)
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"/help", "/lead 张三 13800138000 备注", "／线索", "/route source=a tags=b,c", "hello", "/\x00", "/lead\t\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := ParseCommand(s)
		if c.Name != "" {
			if _, ok := aliases[c.Name]; !ok {
				t.Fatalf("canonical name %q is not a known command", c.Name)
			}
		}
		in := ParseLeadText(c.Args)
		_, _ = in.Normalize("chat", time.Unix(0, 0))
		_, _ = ParseRouteText(c.Args)
	})
}
