package larktest

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
)

// The card JSON 2.0 rules Lark enforces when a card is sent, patched or returned from a callback.
// Structure: https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-structure
const (
	// At most 200 components in a card (the structure page).
	maxCardComponents = 200
	// Containers nest at most five levels ("容器类组件最多支持嵌套五层组件", the form and column_set pages).
	maxContainerDepth = 5
)

var (
	// element_id: starts with a letter, letters, digits and underscores, at most 20 characters, unique in the
	// card (every 2.0 component page, e.g. the button page).
	elementIDPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,19}$`)
	// Top level, config, header and body properties of the structure page.
	cardTopLevel = map[string]prop{"schema": {kind: kString}, "config": anyObj, "card_link": anyObj,
		"header": anyObj, "body": anyObj}
	configProps = map[string]prop{
		"update_multi": boolProp, "enable_forward": boolProp, "enable_forward_interaction": boolProp,
		"width_mode": str("default", "compact", "fill"), "streaming_mode": boolProp, "streaming_config": anyObj,
		"summary": anyObj, "locales": anyArr, "style": anyObj, "use_custom_translation": boolProp,
	}
	summaryProps = map[string]prop{"content": {kind: kString}, "i18n_content": {kind: kObject, check: checkI18n}}
	bodyProps    = map[string]prop{
		"elements": children, "direction": str("vertical", "horizontal"), "padding": paddingProp,
		"horizontal_spacing": spacingProp, "vertical_spacing": spacingProp,
		"horizontal_align": str(hAligns...), "vertical_align": str(vAligns...),
	}
	// Header (title component), https://open.feishu.cn/document/feishu-cards/card-json-v2-components/content-components/title
	headerProps = map[string]prop{
		"title": textProp, "subtitle": textProp, "template": str(headerTemplates...), "text_tag_list": anyArr,
		"i18n_text_tag_list": anyObj, "icon": anyObj, "padding": paddingProp,
	}
	textTagProps = map[string]prop{"tag": str("text_tag"), "text": textProp, "color": str(textTagColors...),
		"element_id": {kind: kString}}
)

// isCardReference reports content that points at a template or CardKit entity instead of carrying card JSON;
// the emulator stores those without rendering them.
func isCardReference(card map[string]any) bool {
	t, _ := card["type"].(string)
	return t == "template" || t == "card"
}

// parseObject decodes a JSON object.
func parseObject(s string) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("content is not a JSON object: %w", err)
	}
	if m == nil {
		return nil, errors.New("content is not a JSON object")
	}
	return m, nil
}

// cardInvalid is Lark's 230099 message. The outer text is Lark's; the ext part follows the shape Lark
// returns ("Failed to create card content, ext=ErrCode: 11310; ErrMsg: card table number over limit;
// ErrorValue: table;", reported in github.com/larksuite/openclaw-lark/issues/53). Lark's inner codes per rule
// are not documented, so the emulator uses 11310 for every rule and names the rule in ErrMsg.
func cardInvalid(err error) string {
	return fmt.Sprintf("Failed to create card content, ext=ErrCode: 11310; ErrMsg: %s;", err.Error())
}

// checkCard applies Lark's JSON 2.0 validation. patch additionally demands an explicit
// config.update_multi:true, which Lark requires of both the old and the new card
// (https://open.feishu.cn/document/server-docs/im-v1/message-card/patch).
func checkCard(card map[string]any, patch bool) error {
	if isCardReference(card) {
		return nil
	}
	if card["schema"] != "2.0" {
		return errors.New(`larktest emulates card JSON 2.0 only: "schema" must be "2.0"`)
	}
	for k := range card {
		if _, known := cardTopLevel[k]; !known {
			return fmt.Errorf("unknown card property %q (JSON 2.0 rejects unknown properties)", k)
		}
	}
	if err := checkConfig(card, patch); err != nil {
		return err
	}
	if h, present := card["header"]; present {
		if err := checkHeader(h); err != nil {
			return err
		}
	}
	body, isObj := card["body"].(map[string]any)
	if !isObj {
		return errors.New("body must be an object")
	}
	if err := checkProps(body, bodyProps, "body"); err != nil {
		return err
	}
	elems, isArr := body["elements"].([]any)
	if !isArr {
		return errors.New("body.elements must be an array")
	}
	w := cardWalker{ids: map[string]bool{}, names: map[string]bool{}}
	return w.list(elems, "body.elements", 0, false, "elements")
}

func checkConfig(card map[string]any, patch bool) error {
	c, present := card["config"]
	if !present {
		if patch {
			return errors.New("a patched card must declare config.update_multi=true")
		}
		return nil
	}
	cfg, isObj := c.(map[string]any)
	if !isObj {
		return errors.New("config must be an object")
	}
	if err := checkProps(cfg, configProps, "config"); err != nil {
		return err
	}
	// JSON 2.0 supports shared cards only: update_multi may only be true (the 2.0 release notes).
	multi, hasMulti := cfg["update_multi"]
	if hasMulti && multi != true {
		return errors.New("card JSON 2.0 supports only config.update_multi=true")
	}
	if patch && !hasMulti {
		return errors.New("a patched card must declare config.update_multi=true")
	}
	if s, has := cfg["summary"].(map[string]any); has {
		return checkProps(s, summaryProps, "config.summary")
	}
	return nil
}

func checkHeader(h any) error {
	hdr, isObj := h.(map[string]any)
	if !isObj {
		return errors.New("header must be an object")
	}
	if err := checkProps(hdr, headerProps, "header"); err != nil {
		return err
	}
	if _, has := hdr["title"]; !has {
		return errors.New("header.title is required")
	}
	// More than three suffix tags are not shown, but not refused (the title page), so only their shape is checked.
	tags, _ := hdr["text_tag_list"].([]any)
	for i, t := range tags {
		path := fmt.Sprintf("header.text_tag_list[%d]", i)
		tag, isObj := t.(map[string]any)
		if !isObj {
			return fmt.Errorf("%s must be an object", path)
		}
		if err := checkProps(tag, textTagProps, path); err != nil {
			return err
		}
	}
	return nil
}

type cardWalker struct {
	ids, names map[string]bool
	count      int
}

// list walks the components in one slot: "elements", or a column_set's "columns".
func (w *cardWalker) list(elems []any, path string, depth int, inForm bool, slot string) error {
	for i, e := range elems {
		if err := w.element(e, fmt.Sprintf("%s[%d]", path, i), depth, inForm, slot); err != nil {
			return err
		}
	}
	return nil
}

func (w *cardWalker) element(e any, path string, depth int, inForm bool, slot string) error {
	el, isObj := e.(map[string]any)
	if !isObj {
		return fmt.Errorf("%s must be an object", path)
	}
	tag, _ := el["tag"].(string)
	if tag == "" {
		return fmt.Errorf("%s.tag is required", path)
	}
	if w.count++; w.count > maxCardComponents {
		return fmt.Errorf("card has more than %d components", maxCardComponents)
	}
	if err := w.identity(el, path, tag); err != nil {
		return err
	}
	switch {
	// The column_set page: a column_set holds only columns, and a column lives only in a column_set.
	case slot == "columns" && tag != "column":
		return fmt.Errorf("%s: a column_set holds only columns, not %s", path, tag)
	case slot != "columns" && tag == "column":
		return fmt.Errorf("%s: a column may only sit in a column_set's columns", path)
	case tag == "form" && depth > 0:
		// The form page: a form sits only at the card root and holds neither a form nor a table.
		return fmt.Errorf("%s: a form may only sit at the card root (not in a column, panel or another container)", path)
	case inForm && (tag == "form" || tag == "table"):
		return fmt.Errorf("%s: a form cannot contain %s", path, tag)
	}
	if err := checkComponent(el, path, tag, inForm); err != nil {
		return err
	}
	if err := checkValues(el, path, tag); err != nil {
		return err
	}
	if !hasChildren(el) {
		return nil
	}
	if depth+1 > maxContainerDepth {
		return fmt.Errorf("%s: containers nest more than %d levels", path, maxContainerDepth)
	}
	form := inForm || tag == "form"
	for _, key := range containerKeys {
		if v, present := el[key]; present {
			children, isArr := v.([]any)
			if !isArr {
				return fmt.Errorf("%s.%s must be an array", path, key)
			}
			if err := w.list(children, path+"."+key, depth+1, form, key); err != nil {
				return err
			}
		}
	}
	return nil
}

// identity checks element_id (format, unique in the card) and name (unique in the card: the form page says
// every named component's name is unique across the card).
func (w *cardWalker) identity(el map[string]any, path, tag string) error {
	if v, present := el["element_id"]; present {
		id, _ := v.(string)
		if !elementIDPattern.MatchString(id) {
			return fmt.Errorf("%s.element_id %q must start with a letter and be at most 20 letters, digits or _", path, id)
		}
		if w.ids[id] {
			return fmt.Errorf("%s.element_id %q is not unique", path, id)
		}
		w.ids[id] = true
	}
	if v, present := el["name"]; present && tag != "column" {
		name, _ := v.(string)
		if name == "" {
			return fmt.Errorf("%s.name must be a non-empty string", path)
		}
		if w.names[name] {
			return fmt.Errorf("%s.name %q is not unique in the card", path, name)
		}
		w.names[name] = true
	}
	return nil
}

func hasChildren(el map[string]any) bool {
	for _, k := range containerKeys {
		if _, has := el[k]; has {
			return true
		}
	}
	return false
}

// checkComponent applies the tag's schema: known tag, allowed properties, types, enums and ranges, required
// properties, and names required of form fields.
func checkComponent(el map[string]any, path, tag string, inForm bool) error {
	if unmodelledTags[tag] {
		return nil
	}
	schema, known := components[tag]
	if !known {
		return fmt.Errorf("%s: unknown component tag %q", path, tag)
	}
	props := map[string]prop{"tag": {kind: kString}, "element_id": {kind: kString}, "margin": marginProp}
	for k, p := range schema.props {
		props[k] = p
	}
	if err := checkProps(el, props, path); err != nil {
		return err
	}
	for _, k := range schema.required {
		if _, has := el[k]; !has {
			return fmt.Errorf("%s.%s is required for %s", path, k, tag)
		}
	}
	if inForm {
		for _, k := range schema.inForm {
			if _, has := el[k]; !has {
				return fmt.Errorf("%s.%s is required for a %s inside a form", path, k, tag)
			}
		}
	}
	if tag == "select_static" || tag == "multi_select_static" {
		return checkStaticOptions(el, path)
	}
	return nil
}

// checkStaticOptions: each option has a plain-text text and a value, and values are unique within the
// component (the select page: "选项回调值...同组件内不可重复" in Lark's reference; larksuite/cli restates it).
func checkStaticOptions(el map[string]any, path string) error {
	opts, _ := el["options"].([]any)
	seen := map[string]bool{}
	for i, o := range opts {
		p := fmt.Sprintf("%s.options[%d]", path, i)
		opt, isObj := o.(map[string]any)
		if !isObj {
			return fmt.Errorf("%s must be an object", p)
		}
		if err := checkProps(opt, map[string]prop{"text": textProp, "value": {kind: kString}, "icon": anyObj}, p); err != nil {
			return err
		}
		v, _ := opt["value"].(string)
		if v == "" {
			return fmt.Errorf("%s.value is required", p)
		}
		if seen[v] {
			return fmt.Errorf("%s.value %q is not unique in the component", p, v)
		}
		seen[v] = true
	}
	return nil
}

// checkValues rejects callback values that are not objects: Lark's SDKs only decode object values, so a
// string value makes the bot's callback handler fail on every click.
func checkValues(el map[string]any, path, tag string) error {
	if v, present := el["value"]; present && tag == "button" {
		if _, isObj := v.(map[string]any); !isObj {
			return fmt.Errorf("%s.value must be an object", path)
		}
	}
	bs, present := el["behaviors"]
	if !present {
		return nil
	}
	list, isArr := bs.([]any)
	if !isArr {
		return fmt.Errorf("%s.behaviors must be an array", path)
	}
	for i, b := range list {
		bo, isObj := b.(map[string]any)
		if !isObj {
			return fmt.Errorf("%s.behaviors[%d] must be an object", path, i)
		}
		if bo["type"] != "callback" {
			continue
		}
		if _, isObj := bo["value"].(map[string]any); !isObj {
			return fmt.Errorf("%s.behaviors[%d].value must be an object", path, i)
		}
	}
	return nil
}
