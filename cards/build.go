package cards

import "github.com/baton-crm/baton/crm"

// newCard assembles a card. summary is the chat-list preview: plain text, so user text is safe in it.
func newCard(sumZH, sumEN string, h *header, elems ...any) []byte {
	if elems == nil {
		elems = []any{}
	}
	return encode(&card{
		Schema: "2.0",
		Config: config{UpdateMulti: true, Summary: &summary{Content: sumZH, I18n: bi(sumZH, sumEN)}},
		Header: h,
		Body:   body{Elements: elems},
	})
}

func newHeader(titleZH, titleEN, template string) *header {
	return &header{Title: plain(titleZH, titleEN), Template: template}
}

func tag(zh, en, color string) textTag {
	return textTag{Tag: "text_tag", Text: plain(zh, en), Color: color}
}

// Header colours (Lark's template names).
const (
	colorBlue   = "blue"
	colorOrange = "orange"
	colorGreen  = "green"
	colorGrey   = "grey"
	colorRed    = "red"
	colorIndigo = "indigo"
	colorTurq   = "turquoise"
)

// Button types.
const (
	btnDefault       = "default"
	btnPrimary       = "primary"
	btnPrimaryFilled = "primary_filled"
	btnDanger        = "danger"
)

// actionButton is a standalone button that calls back with a's value.
func actionButton(id, zh, en, typ string, a Action) button {
	return button{Tag: "button", ElementID: id, Text: plain(zh, en), Type: typ, Behaviors: callback(a)}
}

// submitButton submits its form. It also carries a's value so the handler learns the lead and revision from
// the same place as for any other click, not from hidden form fields.
func submitButton(id, name, zh, en string, a Action) button {
	b := actionButton(id, zh, en, btnPrimary, a)
	b.Name, b.FormActionType = name, "submit"
	return b
}

func withConfirm(b button, titleZH, titleEN, textZH, textEN string) button {
	b.Confirm = &confirm{Title: plain(titleZH, titleEN), Text: plain(textZH, textEN)}
	return b
}

// maxInputLength is the largest max_length Lark's JSON 2.0 input accepts; a larger value gets the whole card
// refused (230099). https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-components/interactive-components/input
const maxInputLength = 1000

func textInput(id, name, zh, en string, maxLen int) input {
	return input{Tag: "input", ElementID: id, Name: name, Placeholder: plain(zh, en), MaxLength: maxLen}
}

func newForm(id, name string, elems ...any) form {
	return form{Tag: "form", ElementID: id, Name: name, Elements: elems}
}

// stageOptions lists every stage with its display names.
// stageOptions are the stages the work form's Save accepts from the lead's stage: where it is now and the
// open stages it may move to. Won and lost go through the close form, so they are not offered here.
func stageOptions(from crm.Stage) []option {
	opts := make([]option, 0, len(crm.Stages))
	for _, s := range crm.Stages {
		if s.Closed() || (s != from && !crm.CanMove(from, s)) {
			continue
		}
		zh, en := stageName(s)
		opts = append(opts, option{Text: plain(zh, en), Value: string(s)})
	}
	return opts
}

func qualityOptions() []option {
	opts := make([]option, 0, len(crm.Qualities))
	for _, q := range crm.Qualities {
		opts = append(opts, option{Text: plain(QualityName(q, "zh"), QualityName(q, "en")), Value: string(q)})
	}
	return opts
}

func lostReasonOptions() []option {
	opts := make([]option, 0, len(crm.LostReasons))
	for _, r := range crm.LostReasons {
		opts = append(opts, option{Text: plain(LostReasonName(r, "zh"), LostReasonName(r, "en")), Value: r})
	}
	return opts
}

// row lays out a text block with a button on its right.
func row(left any, right button) columnSet {
	return columnSet{Tag: "column_set", FlexMode: "none", Columns: []column{
		{Tag: "column", Width: "weighted", Weight: 4, VerticalAlign: "center", Elements: []any{left}},
		{Tag: "column", Width: "auto", VerticalAlign: "center", Elements: []any{right}},
	}}
}
