package crm

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Contact spans: phone-number and email candidates in free text. The phone pattern is deliberately wide
// (seven digits or more written with what phone numbers use): the assistant replaces every such span
// before text leaves Baton, whether or not it is a valid number, and the extractor keeps only the spans
// the phone library accepts.
var (
	phoneSpan = regexp.MustCompile(`[+＋(（]?[0-9０-９][0-9０-９ \t\-－–().（）]{5,}[0-9０-９]`)
	emailSpan = regexp.MustCompile(`[A-Za-z0-9._%+\-]+(?:@|＠)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
)

// ContactSpan is where a phone number or an email address sits in a text, as byte offsets.
type ContactSpan struct {
	Start, End int
	Kind       string // "phone" or "email"
}

// FindContacts returns the phone-number and email spans of text, in order and not overlapping. Emails are
// found first, so the digits inside an address are not read as a phone number.
func FindContacts(text string) []ContactSpan {
	var spans []ContactSpan
	for _, m := range emailSpan.FindAllStringIndex(text, -1) {
		spans = append(spans, ContactSpan{Start: m[0], End: m[1], Kind: "email"})
	}
	for _, m := range phoneSpan.FindAllStringIndex(text, -1) {
		start, end := m[0], m[1]
		if countDigits(text[start:end]) < 7 || overlaps(spans, start, end) {
			continue
		}
		spans = append(spans, ContactSpan{Start: start, End: end, Kind: "phone"})
	}
	sortSpans(spans)
	return spans
}

func overlaps(spans []ContactSpan, start, end int) bool {
	for _, s := range spans {
		if start < s.End && s.Start < end {
			return true
		}
	}
	return false
}

func sortSpans(spans []ContactSpan) {
	for i := 1; i < len(spans); i++ {
		for j := i; j > 0 && spans[j].Start < spans[j-1].Start; j-- {
			spans[j], spans[j-1] = spans[j-1], spans[j]
		}
	}
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

// ExtractLead reads a pasted text (a WeChat conversation, an email signature, a business card's OCR text)
// into lead fields without any model: the first valid phone number (by the phone library) and email
// address, and a name, company and title found by labels (姓名：, Company:) or by their shape (a line of
// two to four Chinese characters starting with a common surname, a company suffix such as 有限公司 or
// Ltd.). What it cannot place it leaves empty for the person to fill in; the text itself becomes the note.
func ExtractLead(text string) LeadInput {
	var in LeadInput
	for _, s := range FindContacts(text) {
		raw := text[s.Start:s.End]
		switch s.Kind {
		case "email":
			if in.Email == "" {
				if e, err := NormalizeEmail(strings.ReplaceAll(raw, "＠", "@")); err == nil {
					in.Email = e
				}
			}
		case "phone":
			if in.Phone == "" && !looksLikeDate.MatchString(raw) {
				if p, err := NormalizePhone(raw); err == nil {
					in.Phone = p
				}
			}
		}
	}
	lines := extractLines(text)
	for _, l := range lines {
		label, value := splitLabel(l)
		switch label {
		case "name":
			setIf(&in.Name, value)
		case "company":
			setIf(&in.Company, value)
		case "title":
			setIf(&in.Title, value)
		}
	}
	for _, l := range lines {
		if label, _ := splitLabel(l); label != "" && label != "none" {
			continue
		}
		if c := companyIn(l); c != "" {
			setIf(&in.Company, c)
			if rest := strings.Trim(strings.ReplaceAll(l, c, ""), " |·,，"); in.Title == "" && hasTitleWord(rest) && !strings.ContainsAny(rest, "，,。") {
				in.Title = rest
			}
			l = strings.ReplaceAll(l, c, "")
		}
		if in.Name == "" {
			if n, title := nameIn(l); n != "" {
				in.Name = n
				setIf(&in.Title, title)
				continue
			}
		}
		if in.Title == "" && hasTitleWord(l) && companyIn(l) == "" && utf8.RuneCountInString(l) <= 30 {
			in.Title = strings.Trim(l, " |·,，")
		}
	}
	if in.Company != "" && in.Title != "" {
		in.Title = strings.Trim(strings.ReplaceAll(in.Title, in.Company, ""), " |·,，@")
	}
	in.Note = truncateRunes(strings.TrimSpace(text), maxNote)
	return in
}

// ExtractFields reads the custom fields a pasted text states with a label, one per line ("行业：制造",
// "Budget: 20万", "预算 : ¥200,000"): the label is a field's key or its zh/en label, and the value must be
// one the field accepts (Normalize), else it is left for the person to fill in. Member fields are never
// read from text: an open_id is not something people paste.
func (s *Settings) ExtractFields(text string) map[string]any {
	var out map[string]any
	for _, raw := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
		l := strings.TrimSpace(chatTime.ReplaceAllString(strings.TrimSpace(raw), ""))
		k, v, ok := strings.Cut(strings.ReplaceAll(l, "：", ":"), ":")
		if !ok {
			continue
		}
		d, ok := s.FieldByLabel(k)
		if !ok || d.Type == FieldMember {
			continue
		}
		if _, seen := out[d.Key]; seen {
			continue
		}
		val := any(strings.TrimSpace(v))
		if d.Type == FieldMultiselect {
			val = strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(",，、/;；", r) })
		}
		nv, err := d.Normalize(val)
		if err != nil || nv == nil {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[d.Key] = nv
	}
	return out
}

func setIf(dst *string, v string) {
	if *dst == "" {
		*dst = strings.TrimSpace(v)
	}
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// chatPrefix is the speaker and time WeChat and Feishu put before a copied message: "王磊 10:32",
// "[10:32] 王磊:", "2026-12-01 10:32 王磊：".
var (
	chatTime    = regexp.MustCompile(`^\[?(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s*)?\d{1,2}:\d{2}(?::\d{2})?\]?\s*`)
	trailTime   = regexp.MustCompile(`\s+\d{1,2}:\d{2}(?::\d{2})?$`)
	speakerPart = regexp.MustCompile(`^([^\s:：]{1,20})\s*[:：]\s*(.+)$`)
	// looksLikeDate is a date a phone span ran into ("2026-11-30 16"): never a phone number.
	looksLikeDate = regexp.MustCompile(`\d{4}[-/.]\d{1,2}[-/.]\d{1,2}`)
)

// extractLines splits text into trimmed lines, with chat times removed and "speaker: message" lines split
// into the speaker and the message (both are looked at: the customer may be either).
func extractLines(text string) []string {
	var out []string
	for _, raw := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
		l := strings.TrimSpace(chatTime.ReplaceAllString(strings.TrimSpace(raw), ""))
		l = strings.TrimSpace(trailTime.ReplaceAllString(l, ""))
		if l == "" {
			continue
		}
		if m := speakerPart.FindStringSubmatch(l); m != nil {
			if _, label := labels[strings.ToLower(m[1])]; !label {
				out = append(out, m[1], m[2])
				continue
			}
		}
		out = append(out, l)
	}
	return out
}

// labels maps the labels people and card scanners put before a value to the field they name.
var labels = map[string]string{
	"姓名": "name", "名字": "name", "联系人": "name", "name": "name", "contact": "name",
	"公司": "company", "单位": "company", "公司名称": "company", "company": "company", "organization": "company", "org": "company",
	"职位": "title", "职务": "title", "title": "title", "position": "title",
	"手机": "none", "电话": "none", "mobile": "none", "tel": "none", "phone": "none", "邮箱": "none", "email": "none",
	"e-mail": "none", "地址": "none", "address": "none", "微信": "none", "wechat": "none", "网址": "none", "web": "none",
	"m": "none", "t": "none", "e": "none", "w": "none",
}

// splitLabel reads "公司：华东机械" → ("company", "华东机械"); "none" for a known label of another field,
// "" when the line has no label.
func splitLabel(l string) (label, value string) {
	k, v, ok := strings.Cut(strings.ReplaceAll(l, "：", ":"), ":")
	if !ok {
		return "", l
	}
	f, known := labels[strings.ToLower(strings.TrimSpace(k))]
	if !known {
		return "", l
	}
	return f, strings.TrimSpace(v)
}

// companySuffixes end a company's name, Chinese and English.
var companySuffixes = []string{"有限责任公司", "股份有限公司", "有限公司", "集团", "公司", "工作室", "研究院", "事务所", "工厂", "厂"}

var enCompany = regexp.MustCompile(`\b[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,5}\s+(?:Co\.,?\s*Ltd\.?|Ltd\.?|Limited|Inc\.?|LLC|Corp\.?|Corporation|GmbH|Technologies|Group|Company)`)

// companyIn returns the company a line names, or "".
func companyIn(l string) string {
	if m := enCompany.FindString(l); m != "" && hasUpperStart(m) {
		return strings.TrimSpace(m)
	}
	for _, suf := range companySuffixes {
		// Every occurrence, last first: "我们工厂在东莞，东莞市宏达塑胶制品厂" names its company at the end.
		for end := len(l); end > 0; {
			i := strings.LastIndex(l[:end], suf)
			if i < 0 {
				break
			}
			end = i
			// The company starts after the last separator or lead-in before its suffix:
			// "我是华东机械有限公司的" → "华东机械有限公司".
			head := l[:i]
			for _, sep := range []string{"，", ",", "。", " ", "|", "·", "：", ":", "我是", "我们是", "来自", "这边是", "这里是", "我们", "在"} {
				if j := strings.LastIndex(head, sep); j >= 0 {
					head = head[j+len(sep):]
				}
			}
			if n := utf8.RuneCountInString(head); n >= 2 && n <= 30 && hanOrWord(head) {
				return head + suf
			}
		}
	}
	return ""
}

func hasUpperStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}

func hanOrWord(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) && !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '(' && r != ')' && r != '（' && r != '）' {
			return false
		}
	}
	return true
}

// surnames are the common Chinese surnames (over 85% of people) a name heuristic may start with.
const surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤欧阳司马诸葛"

var (
	hanName  = regexp.MustCompile(`^\p{Han}{2,4}$`)
	enName   = regexp.MustCompile(`^[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?(?:\s+[A-Z]\.?)?(?:\s+[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?){1,2}$`)
	iAmHan   = regexp.MustCompile(`(?:我是|我叫|本人|免贵姓)(?:[^，,。\s]*的)?(\p{Han}{2,3})`)
	iAmEn    = regexp.MustCompile(`(?:I'm|I am|[Tt]his is|[Mm]y name is)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)`)
	greeting = regexp.MustCompile(`(?i)^(best|kind|warm)?\s*(regards|wishes|thanks|cheers|sincerely)`)
)

// nameIn returns a person's name a line holds, and a title written after it on the same line.
func nameIn(l string) (name, title string) {
	if greeting.MatchString(l) {
		return "", ""
	}
	if m := iAmHan.FindStringSubmatch(l); m != nil && startsWithSurname(m[1]) {
		return trimHanName(m[1]), ""
	}
	if m := iAmEn.FindStringSubmatch(l); m != nil && !hasTitleWord(m[1]) {
		return m[1], ""
	}
	parts := strings.FieldsFunc(l, func(r rune) bool {
		return unicode.IsSpace(r) || r == '|' || r == '·' || r == '/' || r == ',' || r == '，'
	})
	if len(parts) == 0 {
		return "", ""
	}
	first := parts[0]
	if hanName.MatchString(first) && startsWithSurname(first) && !hasTitleWord(first) && !strings.Contains(notNames, first) {
		return first, strings.Join(parts[1:], " ")
	}
	// English: the whole line, or the part before a separator ("John Smith | Sales Director").
	head := strings.TrimSpace(strings.FieldsFunc(l, func(r rune) bool { return r == '|' || r == ',' || r == '·' })[0])
	if enName.MatchString(head) && !hasTitleWord(head) && companyIn(head) == "" {
		rest := strings.TrimSpace(strings.TrimPrefix(l, head))
		return head, strings.Trim(rest, " |·,")
	}
	return "", ""
}

// trimHanName drops what a chat runs into a name: "王磊想" → "王磊" is not decidable, so only the
// particles that never end a name are dropped.
func trimHanName(s string) string {
	for _, p := range []string{"想", "要", "在", "的", "啊", "呀", "哈"} {
		s = strings.TrimSuffix(s, p)
	}
	return s
}

// notNames are words of chat that start with a surname's character.
const notNames = "谢谢 好的 方便 高兴 马上 万一 于是 周末 金额 江湖 石头 向您 欧阳 任何 程序 余额 白天 孔雀 叶子 黄金 李子 钱款 毛利 龙头"

func startsWithSurname(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return strings.ContainsRune(surnames, r)
}

var titleWords = []string{"经理", "总监", "总裁", "主管", "主任", "总经理", "董事", "工程师", "采购", "销售", "负责人", "老板", "助理", "专员", "顾问", "创始人",
	"Manager", "Director", "CEO", "CTO", "CFO", "COO", "VP", "President", "Head", "Engineer", "Founder", "Officer", "Lead", "Buyer", "Procurement", "Sales"}

func hasTitleWord(s string) bool {
	for _, w := range titleWords {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
