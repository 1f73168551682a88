package crm

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// BaseFieldType is a Feishu Base (多维表格) field type, by Lark's number. Source:
// https://open.feishu.cn/document/server-docs/docs/bitable-v1/app-table-field/guide (字段编辑指南).
type BaseFieldType int

// The Base field types the mirror uses.
const (
	BaseText        BaseFieldType = 1
	BaseNumber      BaseFieldType = 2
	BaseSelect      BaseFieldType = 3
	BaseMultiSelect BaseFieldType = 4
	BaseDate        BaseFieldType = 5
	BaseUser        BaseFieldType = 11
	BaseURL         BaseFieldType = 15
)

// BaseField is one column of the mirror table.
type BaseField struct {
	Name    string
	Type    BaseFieldType
	Options []string // select and multi-select options, created with the field
	// Ops marks a column people edit in Base: Baton never writes it, and an edit comes back as an insight.
	Ops bool
}

// Mirror table column names. Ops read them in Chinese; they are also the keys of a MirrorRecord.
const (
	ColNumber       = "线索编号"
	ColName         = "姓名"
	ColCompany      = "公司"
	ColPhone        = "电话"
	ColSource       = "来源"
	ColCampaign     = "活动"
	ColPool         = "线索池"
	ColOwner        = "负责人"
	ColStage        = "阶段"
	ColGrade        = "等级"
	ColTags         = "标签"
	ColQuality      = "质量反馈"
	ColCreated      = "创建时间"
	ColClaimed      = "认领时间"
	ColFirstContact = "首次联系时间"
	ColAmount       = "金额"
	ColLink         = "线索卡片"
	ColOpsNote      = "运营备注"
)

// DefaultBaseTableName is the table Baton creates when base.table_id is not configured.
const DefaultBaseTableName = "Baton 线索"

// MaxBaseBatch is the most records one Base batch call takes: "单次最多 500 条" on
// https://open.feishu.cn/document/server-docs/docs/bitable-v1/app-table-record/batch_create and …/batch_update
// (more is refused with 1254104).
const MaxBaseBatch = 500

// MirrorOptions are the base: settings the record mapping depends on.
type MirrorOptions struct {
	FullContact bool   // base.full_contact: the whole phone number instead of the masked one
	Lang        string // "zh" or "en", for stage and verdict names
	// Link is the URL that opens the lead's card; "{id}" is replaced by the lead number and "{chat_id}" by
	// the pool chat.
	Link string
	// Fields are the configured custom fields, one column each after Baton's own (FieldColumn); Location
	// is where a date field's day starts.
	Fields   []FieldDef
	Location *time.Location
}

// BaseFields is the mirror table's schema, primary column first, then one column per custom field
// (fieldColumn).
func BaseFields(lang string, custom []FieldDef) []BaseField {
	stages := make([]string, 0, len(Stages))
	for _, s := range Stages {
		stages = append(stages, StageName(s, lang))
	}
	qualities := make([]string, 0, len(Qualities))
	for _, q := range Qualities {
		qualities = append(qualities, string(q))
	}
	out := []BaseField{
		{Name: ColNumber, Type: BaseNumber},
		{Name: ColName, Type: BaseText},
		{Name: ColCompany, Type: BaseText},
		{Name: ColPhone, Type: BaseText},
		{Name: ColSource, Type: BaseSelect},
		{Name: ColCampaign, Type: BaseSelect},
		{Name: ColPool, Type: BaseSelect},
		{Name: ColOwner, Type: BaseUser},
		{Name: ColStage, Type: BaseSelect, Options: stages},
		{Name: ColGrade, Type: BaseSelect, Options: []string{"A", "B", "C", "D"}},
		{Name: ColTags, Type: BaseMultiSelect},
		{Name: ColQuality, Type: BaseSelect, Options: qualities},
		{Name: ColCreated, Type: BaseDate},
		{Name: ColClaimed, Type: BaseDate},
		{Name: ColFirstContact, Type: BaseDate},
		{Name: ColAmount, Type: BaseNumber},
		{Name: ColLink, Type: BaseURL},
		{Name: ColOpsNote, Type: BaseText, Ops: true},
	}
	for i := range custom {
		out = append(out, fieldColumn(&custom[i], lang))
	}
	return out
}

// fieldColumn is a custom field's column: named by its label (with its key when the label is one of
// Baton's own columns), typed by its field type. A pii field is a text column holding the masked value
// (the whole value with base.full_contact), like the phone column. Base has a checkbox type, but a yes/no
// field is a 是/否 select here, so an empty cell still means "not set" rather than "no".
func fieldColumn(d *FieldDef, lang string) BaseField {
	f := BaseField{Name: fieldColumnName(d, lang), Type: BaseText}
	if d.PII {
		return f
	}
	switch d.Type {
	case FieldNumber, FieldMoney:
		f.Type = BaseNumber
	case FieldDate:
		f.Type = BaseDate
	case FieldSelect, FieldMultiselect:
		f.Type = BaseSelect
		if d.Type == FieldMultiselect {
			f.Type = BaseMultiSelect
		}
		for _, o := range d.Options {
			f.Options = append(f.Options, d.optionLabel(o.Value, lang))
		}
	case FieldBool:
		f.Type, f.Options = BaseSelect, []string{yesNo(true, lang), yesNo(false, lang)}
	case FieldMember:
		f.Type = BaseUser
	}
	return f
}

// fieldColumnName is a custom field's column name: its label, with its key when the label is one of
// Baton's own columns.
func fieldColumnName(d *FieldDef, lang string) string {
	name := d.Label(lang)
	if slices.Contains(builtinColumns, name) {
		name += "（" + d.Key + "）"
	}
	return name
}

var builtinColumns = []string{ColNumber, ColName, ColCompany, ColPhone, ColSource, ColCampaign, ColPool, ColOwner,
	ColStage, ColGrade, ColTags, ColQuality, ColCreated, ColClaimed, ColFirstContact, ColAmount, ColLink, ColOpsNote}

func yesNo(b bool, lang string) string {
	switch {
	case lang == "en" && b:
		return "Yes"
	case lang == "en":
		return "No"
	case b:
		return "是"
	}
	return "否"
}

// fieldCell is a custom field's value in its column's write format; nil (an empty cell) when unset, so a
// cleared value leaves Base too.
func fieldCell(d *FieldDef, v any, o MirrorOptions) any {
	if v == nil {
		switch {
		case d.PII:
			return nil
		case d.Type == FieldMultiselect:
			return []string{}
		case d.Type == FieldMember:
			return []map[string]string{}
		}
		return nil
	}
	if d.PII {
		if o.FullContact {
			return d.Format(v, o.Lang)
		}
		return d.MaskField(v)
	}
	switch d.Type {
	case FieldNumber, FieldMoney:
		f, _ := v.(float64)
		return f
	case FieldDate:
		loc := o.Location
		if loc == nil {
			loc = time.UTC
		}
		s, _ := v.(string)
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			return nil
		}
		return float64(t.UnixMilli())
	case FieldSelect:
		s, _ := v.(string)
		return d.optionLabel(s, o.Lang)
	case FieldMultiselect:
		out := []string{}
		for _, s := range fieldStrings(v) {
			out = append(out, d.optionLabel(s, o.Lang))
		}
		return out
	case FieldBool:
		b, _ := v.(bool)
		return yesNo(b, o.Lang)
	case FieldMember:
		s, _ := v.(string)
		return []map[string]string{{"id": s}}
	}
	return d.Format(v, o.Lang)
}

// MirrorRecord is one lead as a Base record: column name → value in Base's write format (text and
// select: string; multi-select: []string; number: float64; date: Unix milliseconds; user: [{"id": open_id}];
// URL: {"text","link"}). Baton-owned columns that have no value are written empty, so a value Baton took
// back (an owner who released the lead) also leaves Base.
type MirrorRecord map[string]any

// MirrorRecordOf maps a lead to its record. It is the one place that decides what Base shows: a custom
// field or a grade becomes one more column here. Tags are the lead's and its customer's (ops tags and
// insights), which is what an edit of the tags column in Base is compared with.
func MirrorRecordOf(v LeadView, o MirrorOptions) MirrorRecord {
	l, c := v.Lead, v.Customer
	r := MirrorRecord{
		ColNumber: float64(l.ID),
		ColSource: l.Source, ColCampaign: l.Campaign, ColPool: l.Pool,
		ColStage: StageName(l.Stage, o.Lang),
		ColTags:  MirrorTags(v),
		ColName:  "", ColCompany: "", ColPhone: "", ColQuality: nil, ColGrade: nil,
		ColOwner: []map[string]string{}, ColAmount: nil,
		ColCreated: ms(l.CreatedAt), ColClaimed: ms(l.ClaimedAt), ColFirstContact: ms(l.FirstContactAt),
	}
	if c != nil && c.ErasedAt.IsZero() {
		r[ColName], r[ColCompany] = c.Name, c.Company
		if o.FullContact {
			r[ColPhone] = c.Phone
		} else {
			r[ColPhone] = MaskPhone(c.Phone)
		}
	}
	if l.OwnerID != "" {
		r[ColOwner] = []map[string]string{{"id": l.OwnerID}}
	}
	if q, ok := LatestQuality(v.History); ok {
		r[ColQuality] = q.Data["quality"]
	}
	if l.Value > 0 {
		r[ColAmount] = float64(l.Value) / 100
	}
	if l.Grade.Letter != "" {
		r[ColGrade] = l.Grade.Letter
	}
	for i := range o.Fields {
		d := &o.Fields[i]
		r[fieldColumnName(d, o.Lang)] = fieldCell(d, l.Fields[d.Key], o)
	}
	if o.Link != "" {
		chat := ""
		if v.Pool != nil {
			chat = v.Pool.ChatID
		}
		link := strings.NewReplacer("{id}", itoa(l.ID), "{chat_id}", chat).Replace(o.Link)
		r[ColLink] = map[string]string{"text": "#" + itoa(l.ID), "link": link}
	}
	return r
}

// MirrorTags are the tags the tags column shows: the lead's and its customer's, sorted, no repeats.
func MirrorTags(v LeadView) []string {
	tags := slices.Clone(v.Lead.Tags)
	if v.Customer != nil {
		tags = append(tags, v.Customer.Tags...)
	}
	slices.Sort(tags)
	tags = slices.Compact(tags)
	if tags == nil {
		tags = []string{}
	}
	return tags
}

// ms is a Base date: Unix milliseconds, or nil (an empty cell) for a zero time.
func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return float64(t.UnixMilli())
}

// BaseRecord is one record to update: its Base id and its values.
type BaseRecord struct {
	ID     string
	Fields MirrorRecord
}

// BaseTable is the Feishu Base the mirror writes to; bot.Client implements it. Every method is safe to
// repeat. Errors that say whether retrying helps carry Temporary() bool.
type BaseTable interface {
	// EnsureTable returns the table: tableID when given, else the table called name, created when
	// missing. It then adds the fields the table lacks.
	EnsureTable(ctx context.Context, appToken, tableID, name string, fields []BaseField) (BaseSchema, error)
	// CreateRecords creates records in order and returns their ids. A repeat with the same clientToken
	// creates nothing and returns the first call's ids.
	CreateRecords(ctx context.Context, appToken, tableID, clientToken string, recs []MirrorRecord) ([]string, error)
	// UpdateRecords overwrites the given columns of existing records. When some records no longer exist
	// it returns a *MissingRecordsError naming them and updates nothing.
	UpdateRecords(ctx context.Context, appToken, tableID string, recs []BaseRecord) error
	// ReadRecords returns the records' current values by column name; records that no longer exist are
	// left out.
	ReadRecords(ctx context.Context, appToken, tableID string, ids []string) (map[string]map[string]any, error)
	// SubscribeBase asks Lark for the Base file's record-changed events.
	SubscribeBase(ctx context.Context, appToken string) error
}

// BaseSchema is the mirror table as Base knows it.
type BaseSchema struct {
	TableID  string
	FieldIDs map[string]string // column name → field id
}

// MissingRecordsError names records deleted in Base (by hand, most likely).
type MissingRecordsError struct{ IDs []string }

func (e *MissingRecordsError) Error() string {
	return fmt.Sprintf("%d base records no longer exist", len(e.IDs))
}
