package larktest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Card JSON 2.0 component schemas. JSON 2.0 refuses properties a component does not support, where 1.0
// ignored them ("传入不支持的属性将报错"):
// https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-breaking-changes-release-notes
//
// Each schema lists the properties its component page documents. Where a page documents a property without
// saying what Lark does with an out-of-range value, the emulator accepts the value (lenient) and says so in
// a comment; where it documents a range or an enum, the emulator refuses values outside it. Tags Lark has but
// Baton does not emit are listed in unmodelledTags: their properties are not checked.

// propKind is the JSON type a property must have.
type propKind int

const (
	kAny propKind = iota
	kString
	kBool
	kInt
	kObject
	kArray
	kText     // a text object: plain_text or lark_md (see checkText)
	kChildren // an array of components
)

// prop is one allowed property: its JSON type and, optionally, an enum, an integer range or a value check.
type prop struct {
	kind     propKind
	enum     []string
	min, max int // integer range, checked when max > 0
	check    func(v any) error
}

// component is the schema of one tag.
type component struct {
	props    map[string]prop
	required []string
	// inForm lists properties that become required when the component sits in a form.
	inForm []string
}

// Documented enumerations.
var (
	// Header colours, https://open.feishu.cn/document/feishu-cards/card-json-v2-components/content-components/title
	headerTemplates = []string{"blue", "wathet", "turquoise", "green", "yellow", "orange", "red", "carmine",
		"violet", "purple", "indigo", "grey", "default"}
	// Header suffix tag colours, same page.
	textTagColors = []string{"neutral", "blue", "turquoise", "lime", "orange", "violet", "indigo", "wathet",
		"green", "yellow", "red", "purple", "carmine"}
	// Button types and sizes,
	// https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-components/interactive-components/button
	buttonTypes = []string{"default", "primary", "danger", "text", "primary_text", "danger_text",
		"primary_filled", "danger_filled", "laser"}
	buttonSizes = []string{"tiny", "small", "medium", "large"}
	// column_set.flex_mode,
	// https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-components/containers/column-set
	flexModes = []string{"none", "stretch", "flow", "bisect", "trisect"}
	// The 16 locales of component-level i18n,
	// https://open.larkoffice.com/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/configure-multi-language-content
	locales = []string{"zh_cn", "en_us", "ja_jp", "zh_hk", "zh_tw", "id_id", "vi_vn", "th_th", "pt_br", "es_es",
		"ko_kr", "de_de", "fr_fr", "it_it", "ru_ru", "ms_my"}
	hAligns = []string{"left", "center", "right"}
	vAligns = []string{"top", "center", "bottom"}
)

var (
	pxPattern   = regexp.MustCompile(`^(-?\d+)px$`)
	datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	timePattern = regexp.MustCompile(`^\d{2}:\d{2}$`)
)

// pxIn accepts "<n>px" with lo ≤ n ≤ hi, plus the given keywords.
func pxIn(lo, hi int, keywords ...string) func(any) error {
	return func(v any) error {
		s, _ := v.(string)
		for _, k := range keywords {
			if s == k {
				return nil
			}
		}
		m := pxPattern.FindStringSubmatch(s)
		if m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil && n >= lo && n <= hi {
				return nil
			}
		}
		want := fmt.Sprintf("[%d,%d]px", lo, hi)
		if len(keywords) > 0 {
			want = strings.Join(keywords, ", ") + " or " + want
		}
		return fmt.Errorf("%q is not one of %s", s, want)
	}
}

// widthProp is the width of buttons, inputs and pickers: default, fill or [100,∞)px (the button page).
var widthProp = prop{kind: kString, check: pxIn(100, 1<<30, "default", "fill")}

// marginProp is every 2.0 component's outer margin: one to four values, each in [-99,99]px
// (the input page: "支持范围 [-99,99]px").
var marginProp = prop{kind: kString, check: func(v any) error {
	parts := strings.Fields(v.(string))
	if len(parts) == 0 || len(parts) > 4 {
		return fmt.Errorf("%q must be 1 to 4 values", v)
	}
	for _, p := range parts {
		if p == "0" {
			continue
		}
		if err := pxIn(-99, 99)(p); err != nil {
			return err
		}
	}
	return nil
}}

// spacingProp is the spacing of containers: small, medium, large, extra_large or [0,99]px (the form page).
var spacingProp = prop{kind: kString, check: pxIn(0, 99, "small", "medium", "large", "extra_large")}

// paddingProp is lenient: the pages give [0,99]px per side but also accept several values; the emulator
// only checks the type.
var paddingProp = prop{kind: kString}

func str(enum ...string) prop { return prop{kind: kString, enum: enum} }

var (
	anyObj   = prop{kind: kObject}
	anyArr   = prop{kind: kArray}
	boolProp = prop{kind: kBool}
	textProp = prop{kind: kText}
	children = prop{kind: kChildren}
)

// interactiveCommon are the properties every interactive component of a form shares: name (required in a
// form, unique in the card), required (only valid in a form), disabled, behaviors and confirm. Pages:
// .../card-json-v2-components/interactive-components/{input,select_static,select_person,date-picker}.
func interactiveCommon(extra map[string]prop) map[string]prop {
	m := map[string]prop{
		"name": {kind: kString}, "required": boolProp, "disabled": boolProp, "disabled_tips": textProp,
		"behaviors": anyArr, "confirm": anyObj, "placeholder": textProp, "width": widthProp,
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// components is the schema table for every tag Baton emits, and a few close relatives.
var components = map[string]component{
	// https://open.feishu.cn/document/feishu-cards/card-json-v2-components/content-components/rich-text
	"markdown": {props: map[string]prop{
		"content": {kind: kString}, "i18n_content": {kind: kObject, check: checkI18n},
		"text_align": str(hAligns...), "text_size": {kind: kString}, "icon": anyObj,
	}, required: []string{"content"}},
	// https://open.feishu.cn/document/feishu-cards/card-json-v2-components/content-components/plain-text
	"div": {props: map[string]prop{"text": textProp, "icon": anyObj, "fields": anyArr,
		"width": {kind: kString, check: pxIn(16, 999, "fill", "auto")}}},
	// https://open.feishu.cn/document/feishu-cards/card-json-v2-components/content-components/divider
	"hr": {props: map[string]prop{}},
	// https://open.feishu.cn/document/feishu-cards/card-json-v2-components/content-components/chart
	"chart": {props: map[string]prop{
		"chart_spec":   anyObj,
		"aspect_ratio": str("1:1", "2:1", "4:3", "16:9"),
		"color_theme":  str("brand", "rainbow", "complementary", "converse", "primary"),
		"preview":      boolProp,
		"height":       {kind: kString, check: pxIn(1, 999, "auto")},
	}, required: []string{"chart_spec"}},
	// https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-components/containers/column-set
	"column_set": {props: map[string]prop{
		"columns": children, "flex_mode": str(flexModes...), "horizontal_spacing": spacingProp,
		"horizontal_align": str(hAligns...), "background_style": {kind: kString}, "action": anyObj,
	}},
	// Same page: a column's width is auto, weighted or [16,600]px; weight is an integer 1–5.
	"column": {props: map[string]prop{
		"elements": children, "width": {kind: kString, check: pxIn(16, 600, "auto", "weighted")},
		"weight": {kind: kInt, min: 1, max: 5}, "vertical_align": str(vAligns...),
		"background_style": {kind: kString}, "padding": paddingProp, "direction": str("vertical", "horizontal"),
		"horizontal_spacing": spacingProp, "vertical_spacing": spacingProp, "horizontal_align": str(hAligns...),
		"action": anyObj,
	}},
	// https://open.feishu.cn/document/feishu-cards/card-json-v2-components/containers/form-container
	"form": {props: map[string]prop{
		"name": {kind: kString}, "elements": children, "direction": str("vertical", "horizontal"),
		"horizontal_spacing": spacingProp, "vertical_spacing": spacingProp, "horizontal_align": str(hAligns...),
		"vertical_align": str("top", "center", "bottom"), "padding": paddingProp,
	}, required: []string{"name"}},
	// https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-components/containers/collapsible-panel
	"collapsible_panel": {props: map[string]prop{
		"expanded": boolProp, "header": anyObj, "border": anyObj, "background_color": {kind: kString},
		"elements": children, "direction": str("vertical", "horizontal"), "vertical_spacing": spacingProp,
		"horizontal_spacing": spacingProp, "vertical_align": str(vAligns...), "horizontal_align": str(hAligns...),
		"padding": paddingProp,
	}},
	// https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-components/interactive-components/button
	// "value" is the JSON 1.0 callback field; the emulator still accepts it on buttons (the 2.0 page is silent
	// on whether it is refused) and requires it to be an object, as the SDKs decode only objects.
	"button": {props: map[string]prop{
		"type": str(buttonTypes...), "size": str(buttonSizes...), "width": widthProp, "text": textProp,
		"icon": anyObj, "hover_tips": textProp, "disabled": boolProp, "disabled_tips": textProp,
		"confirm": anyObj, "behaviors": anyArr, "name": {kind: kString},
		"form_action_type": str("submit", "reset"), "value": anyObj,
	}},
	// https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-components/interactive-components/input
	// max_length is an integer in [1,1000]; input_type is text, multiline_text or password.
	"input": {props: interactiveCommon(map[string]prop{
		"default_value": {kind: kString}, "i18n_default_value": {kind: kObject, check: checkI18n},
		"max_length": {kind: kInt, min: 1, max: 1000},
		"input_type": str("text", "multiline_text", "password"), "show_icon": boolProp,
		"rows": {kind: kInt, min: 1, max: 1 << 30}, "auto_resize": boolProp, "max_rows": {kind: kInt, min: 1, max: 1 << 30},
		"label": textProp, "label_position": str("top", "left"), "value": anyObj,
	}), inForm: []string{"name"}},
	// .../interactive-components/single-select-dropdown-menu (2.0): type is default or text.
	"select_static": {props: interactiveCommon(map[string]prop{
		"type": str("default", "text"), "options": anyArr, "initial_option": {kind: kString},
		"initial_index": {kind: kInt, min: 0, max: 1 << 30}, "value": anyObj,
	}), inForm: []string{"name"}},
	"multi_select_static": {props: interactiveCommon(map[string]prop{
		"type": str("default", "text"), "options": anyArr, "selected_values": anyArr, "value": anyObj,
	}), inForm: []string{"name"}},
	// .../interactive-components/select-person: options hold open_ids.
	"select_person": {props: interactiveCommon(map[string]prop{
		"type": str("default", "text"), "options": anyArr, "initial_option": {kind: kString}, "value": anyObj,
	}), inForm: []string{"name"}},
	"multi_select_person": {props: interactiveCommon(map[string]prop{
		"type": str("default", "text"), "options": anyArr, "selected_values": anyArr, "value": anyObj,
	}), inForm: []string{"name"}},
	// https://open.feishu.cn/document/feishu-cards/card-json-v2-components/interactive-components/date-picker
	// initial_date is yyyy-MM-dd; the time and date-time pickers take HH:mm and yyyy-MM-dd HH:mm.
	"date_picker": {props: interactiveCommon(map[string]prop{
		"initial_date": {kind: kString, check: matches(datePattern, "yyyy-MM-dd")}, "value": anyObj,
	}), inForm: []string{"name"}},
	"picker_time": {props: interactiveCommon(map[string]prop{
		"initial_time": {kind: kString, check: matches(timePattern, "HH:mm")}, "value": anyObj,
	}), inForm: []string{"name"}},
	"picker_datetime": {props: interactiveCommon(map[string]prop{
		"initial_datetime": {kind: kString, check: matches(regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$`), "yyyy-MM-dd HH:mm")},
		"value":            anyObj,
	}), inForm: []string{"name"}},
}

// unmodelledTags are 2.0 components Baton does not emit; the emulator knows them (so a card using one is
// not refused as an unknown tag) but does not check their properties. Component list:
// https://open.larksuite.com/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-components/component-json-v2-overview
var unmodelledTags = map[string]bool{
	"interactive_container": true, "img": true, "img_combination": true, "table": true, "person": true,
	"person_list": true, "overflow": true, "checker": true, "select_img": true, "audio": true, "video": true,
}

// containerKeys are the properties that hold child components.
var containerKeys = []string{"elements", "columns"}

func matches(re *regexp.Regexp, format string) func(any) error {
	return func(v any) error {
		if s, _ := v.(string); !re.MatchString(s) {
			return fmt.Errorf("%q is not in the %s format", s, format)
		}
		return nil
	}
}

// checkI18n accepts an object whose keys are documented locales and whose values are strings.
func checkI18n(v any) error {
	for k, s := range v.(map[string]any) {
		if !contains(locales, k) {
			return fmt.Errorf("unknown locale %q", k)
		}
		if _, isStr := s.(string); !isStr {
			return fmt.Errorf("locale %q must be a string", k)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// textKeys are the properties of a text object (plain_text or lark_md). text_size is not enum-checked:
// the plain-text page says another value is displayed as "normal" rather than refused; text_color is
// not checked either, as custom colours may be declared in config.style.
// https://open.feishu.cn/document/feishu-cards/card-json-v2-components/content-components/plain-text
var textKeys = map[string]prop{
	"tag": str("plain_text", "lark_md"), "content": {kind: kString},
	"i18n_content": {kind: kObject, check: checkI18n}, "text_size": {kind: kString},
	"text_color": {kind: kString}, "text_align": str(hAligns...), "lines": {kind: kInt, min: 1, max: 1 << 30},
}

// checkText validates a text object.
func checkText(v any, path string) error {
	t, isObj := v.(map[string]any)
	if !isObj {
		return fmt.Errorf("%s must be a text object", path)
	}
	if err := checkProps(t, textKeys, path); err != nil {
		return err
	}
	if _, has := t["tag"]; !has {
		return fmt.Errorf("%s.tag is required (plain_text or lark_md)", path)
	}
	_, hasContent := t["content"]
	_, hasI18n := t["i18n_content"]
	if !hasContent && !hasI18n {
		return fmt.Errorf("%s needs content or i18n_content", path)
	}
	return nil
}

// checkProps refuses properties outside allowed and values of the wrong type, enum or range. Properties of
// kind kChildren are only type-checked here; the walker descends into them.
func checkProps(obj map[string]any, allowed map[string]prop, path string) error {
	for k, v := range obj {
		p, known := allowed[k]
		if !known {
			return fmt.Errorf("%s: unknown property %q (JSON 2.0 refuses unsupported properties)", path, k)
		}
		if err := checkValue(v, p, path+"."+k); err != nil {
			return err
		}
	}
	return nil
}

func checkValue(v any, p prop, path string) error {
	switch p.kind {
	case kString:
		s, isStr := v.(string)
		if !isStr {
			return fmt.Errorf("%s must be a string", path)
		}
		if p.enum != nil && !contains(p.enum, s) {
			return fmt.Errorf("%s %q is not one of %s", path, s, strings.Join(p.enum, ", "))
		}
	case kBool:
		if _, isBool := v.(bool); !isBool {
			return fmt.Errorf("%s must be a boolean", path)
		}
	case kInt:
		f, isNum := v.(float64) // decoded JSON
		if n, isInt := v.(int); isInt {
			f, isNum = float64(n), true // a card built in Go
		}
		if !isNum || f != float64(int(f)) {
			return fmt.Errorf("%s must be an integer", path)
		}
		if p.max > 0 && (int(f) < p.min || int(f) > p.max) {
			return fmt.Errorf("%s %d is out of range [%d,%d]", path, int(f), p.min, p.max)
		}
	case kObject:
		if _, isObj := v.(map[string]any); !isObj {
			return fmt.Errorf("%s must be an object", path)
		}
	case kArray, kChildren:
		if _, isArr := v.([]any); !isArr {
			return fmt.Errorf("%s must be an array", path)
		}
	case kText:
		return checkText(v, path)
	}
	if p.check != nil {
		if err := p.check(v); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return nil
}
