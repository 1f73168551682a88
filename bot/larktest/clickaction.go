package larktest

import (
	"errors"
	"fmt"
	"slices"
	"sort"
)

// buildAction produces event.action for a click on l, as Lark does for each component kind.
func buildAction(l located, c *click) (map[string]any, error) {
	el := l.el
	tag, _ := el["tag"].(string)
	if el["disabled"] == true {
		return nil, errors.New("the element is disabled")
	}
	action := map[string]any{"tag": tag}
	if v := callbackValue(el); v != nil {
		action["value"] = v
	}
	if name, has := el["name"].(string); has {
		action["name"] = name
	}
	if l.form != nil {
		if tag != "button" {
			return nil, fmt.Errorf("%s is a field of form %v: fill it with FormValue and click the form's submit button", describe(el), l.form["name"])
		}
		switch el["form_action_type"] {
		case "submit":
			fv, err := formValues(l.form, c.formValue)
			if err != nil {
				return nil, err
			}
			action["form_value"] = fv
			action["timezone"] = c.timezone
			return action, nil
		case "reset":
			return nil, errors.New("a reset button clears the form locally and does not call the bot")
		}
	}
	if c.formValue != nil {
		return nil, errors.New("FormValue applies only to a form's submit button")
	}
	switch tag {
	case "button":
		if _, hasCallback := action["value"]; !hasCallback && el["behaviors"] != nil {
			return nil, errors.New("the button has no callback behavior (it only opens a URL)")
		}
	case "select_static", "select_person", "overflow", "select_img":
		if c.option == nil {
			return nil, fmt.Errorf("%s needs Option(...)", tag)
		}
		if err := checkOptions(el, *c.option); err != nil {
			return nil, err
		}
		action["option"] = *c.option
	case "multi_select_static", "multi_select_person":
		if c.options == nil {
			return nil, fmt.Errorf("%s needs Options(...)", tag)
		}
		if err := checkOptions(el, c.options...); err != nil {
			return nil, err
		}
		action["options"] = c.options
	case "date_picker", "picker_time", "picker_datetime":
		if c.option == nil {
			return nil, fmt.Errorf("%s needs Option(...), e.g. \"2024-05-01 +0800\"", tag)
		}
		action["option"] = *c.option
		action["timezone"] = c.timezone
	case "input":
		if c.inputValue == nil {
			return nil, errors.New("input needs InputValue(...)")
		}
		action["input_value"] = *c.inputValue
	case "checker":
		action["checked"] = el["checked"] != true
	}
	return action, nil
}

// checkOptions rejects a pick that the element does not offer, when it lists its options (person pickers
// with no options offer every chat member).
func checkOptions(el map[string]any, picked ...string) error {
	opts, _ := el["options"].([]any)
	if len(opts) == 0 {
		return nil
	}
	var offered []string
	for _, o := range opts {
		if om, isObj := o.(map[string]any); isObj {
			if v, isStr := om["value"].(string); isStr {
				offered = append(offered, v)
			}
		}
	}
	for _, p := range picked {
		if !slices.Contains(offered, p) {
			return fmt.Errorf("option %q is not offered (offered: %v)", p, offered)
		}
	}
	return nil
}

// defaultKeys are where components keep their pre-filled value.
var defaultKeys = []string{"default_value", "initial_option", "initial_options", "selected_values", "initial_date", "initial_time", "initial_datetime"}

// formValues collects form_value the way the client submits a form: every named field with a value, the
// user's input over the field's default. Empty required fields block the submit in the client.
func formValues(form map[string]any, given map[string]any) (map[string]any, error) {
	fields := map[string]map[string]any{}
	children, _ := form["elements"].([]any)
	walkInteractive(children, form, func(l located) {
		if name, has := l.el["name"].(string); has && l.el["tag"] != "button" {
			fields[name] = l.el
		}
	})
	var unknown []string
	for k := range given {
		if fields[k] == nil {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("form %v has no fields %v", form["name"], unknown)
	}
	out := map[string]any{}
	for name, el := range fields {
		v, has := given[name]
		if !has {
			for _, k := range defaultKeys {
				if dv, ok := el[k]; ok {
					v, has = dv, true
					break
				}
			}
			if el["tag"] == "checker" {
				v, has = el["checked"] == true, true
			}
		}
		if has && v != "" && v != nil {
			out[name] = v
		} else if el["required"] == true {
			return nil, fmt.Errorf("required field %q is empty: the client blocks the submit", name)
		}
	}
	return out, nil
}
