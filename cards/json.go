package cards

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// The types below mirror the subset of card JSON 2.0 Baton uses. Lark rejects unknown properties in 2.0
// cards, so every field is one the component accepts and empty optional fields are omitted.

type card struct {
	Schema string  `json:"schema"`
	Config config  `json:"config"`
	Header *header `json:"header,omitempty"`
	Body   body    `json:"body"`
}

type config struct {
	UpdateMulti   bool     `json:"update_multi"`             // 2.0 accepts only true: every card is shared
	EnableForward *bool    `json:"enable_forward,omitempty"` // false on cards that reveal contact details
	Summary       *summary `json:"summary,omitempty"`
}

// summary is the chat-list preview; it has no tag.
type summary struct {
	Content string `json:"content"`
	I18n    i18n   `json:"i18n_content"`
}

type header struct {
	Title    text      `json:"title"`
	Subtitle *text     `json:"subtitle,omitempty"`
	Template string    `json:"template"`
	Tags     []textTag `json:"text_tag_list,omitempty"`
}

type textTag struct {
	Tag   string `json:"tag"`
	Text  text   `json:"text"`
	Color string `json:"color"`
}

type body struct {
	Elements []any `json:"elements"`
}

type i18n struct {
	ZH string `json:"zh_cn"`
	EN string `json:"en_us"`
}

// text is a plain_text or lark_md text object; Content repeats the Chinese for clients that ignore i18n.
type text struct {
	Tag     string `json:"tag"`
	Content string `json:"content"`
	I18n    i18n   `json:"i18n_content"`
}

type markdown struct {
	Tag       string `json:"tag"`
	ElementID string `json:"element_id,omitempty"`
	Content   string `json:"content"`
	I18n      i18n   `json:"i18n_content"`
	TextSize  string `json:"text_size,omitempty"`
}

type div struct {
	Tag  string    `json:"tag"`
	Text styledTxt `json:"text"`
}

type styledTxt struct {
	Tag       string `json:"tag"`
	Content   string `json:"content"`
	I18n      i18n   `json:"i18n_content"`
	TextSize  string `json:"text_size,omitempty"`
	TextColor string `json:"text_color,omitempty"`
}

type hr struct {
	Tag string `json:"tag"`
}

type behavior struct {
	Type  string         `json:"type"`
	Value map[string]any `json:"value"`
}

type confirm struct {
	Title text `json:"title"`
	Text  text `json:"text"`
}

type button struct {
	Tag            string     `json:"tag"`
	ElementID      string     `json:"element_id"`
	Name           string     `json:"name,omitempty"`
	Text           text       `json:"text"`
	Type           string     `json:"type"`
	FormActionType string     `json:"form_action_type,omitempty"`
	Behaviors      []behavior `json:"behaviors,omitempty"`
	Confirm        *confirm   `json:"confirm,omitempty"`
}

type option struct {
	Text  text   `json:"text"`
	Value string `json:"value"`
}

type selectStatic struct {
	Tag           string     `json:"tag"`
	ElementID     string     `json:"element_id"`
	Name          string     `json:"name"`
	Placeholder   text       `json:"placeholder"`
	Options       []option   `json:"options"`
	InitialOption string     `json:"initial_option,omitempty"`
	Required      bool       `json:"required,omitempty"`
	Behaviors     []behavior `json:"behaviors,omitempty"`
}

type personOption struct {
	Value string `json:"value"`
}

type selectPerson struct {
	Tag         string         `json:"tag"`
	ElementID   string         `json:"element_id"`
	Name        string         `json:"name"`
	Placeholder text           `json:"placeholder"`
	Options     []personOption `json:"options,omitempty"`
	Initial     string         `json:"initial_option,omitempty"`
	Behaviors   []behavior     `json:"behaviors,omitempty"`
}

// fieldMultiSelect is multi_select_static with selected_values, the options picked at first.
type fieldMultiSelect struct {
	Tag         string   `json:"tag"`
	ElementID   string   `json:"element_id"`
	Name        string   `json:"name"`
	Placeholder text     `json:"placeholder"`
	Options     []option `json:"options"`
	Selected    []string `json:"selected_values,omitempty"`
}

type datePicker struct {
	Tag         string     `json:"tag"`
	ElementID   string     `json:"element_id"`
	Name        string     `json:"name"`
	Placeholder text       `json:"placeholder"`
	InitialDate string     `json:"initial_date,omitempty"`
	Behaviors   []behavior `json:"behaviors,omitempty"`
}

// dateTimePicker is Lark's picker_datetime: initial_datetime is "yyyy-MM-dd HH:mm" and the value comes
// back as "yyyy-MM-dd HH:mm +0800" with the client's time zone beside it
// (https://open.feishu.cn/document/feishu-cards/card-components/interactive-components/date-time-picker).
type dateTimePicker struct {
	Tag             string `json:"tag"` // picker_datetime
	ElementID       string `json:"element_id"`
	Name            string `json:"name"`
	Placeholder     text   `json:"placeholder"`
	InitialDatetime string `json:"initial_datetime,omitempty"`
}

type input struct {
	Tag         string `json:"tag"`
	ElementID   string `json:"element_id"`
	Name        string `json:"name"`
	Placeholder text   `json:"placeholder"`
	InputType   string `json:"input_type,omitempty"`
	MaxLength   int    `json:"max_length,omitempty"`
	Required    bool   `json:"required,omitempty"`
	// DefaultValue prefills the input (the assistant's proposals).
	DefaultValue string `json:"default_value,omitempty"`
}

type form struct {
	Tag       string `json:"tag"`
	ElementID string `json:"element_id"`
	Name      string `json:"name"`
	Elements  []any  `json:"elements"`
}

type columnSet struct {
	Tag      string   `json:"tag"`
	FlexMode string   `json:"flex_mode"`
	Columns  []column `json:"columns"`
}

type column struct {
	Tag           string `json:"tag"`
	Width         string `json:"width"`
	Weight        int    `json:"weight,omitempty"`
	VerticalAlign string `json:"vertical_align"`
	Elements      []any  `json:"elements"`
}

// encode marshals a card without HTML escaping: Lark reads "<at id=…>" either way, but the unescaped form
// keeps cards smaller (the 30 KB limit) and the golden files readable.
func encode(c *card) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		// Only strings, numbers, bools and these structs go in, so Encode cannot fail; a failure is a bug here.
		panic(fmt.Sprintf("cards: encode card: %v", err))
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
