package larktest

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
)

// The card JSON 2.0 rules Lark enforces when a card is sent, patched or returned from a callback.
const (
	maxCardComponents = 200
	maxContainerDepth = 5
)

var (
	elementIDPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,19}$`)
	cardTopLevel     = map[string]bool{"schema": true, "config": true, "card_link": true, "header": true, "body": true}
	containerTags    = map[string]bool{"form": true, "column_set": true, "column": true, "collapsible_panel": true, "interactive_container": true}
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

// checkCard applies Lark's JSON 2.0 validation. patch additionally demands an explicit
// config.update_multi:true, which Lark requires of both the old and the new card.
func checkCard(card map[string]any, patch bool) error {
	if isCardReference(card) {
		return nil
	}
	if card["schema"] != "2.0" {
		return errors.New(`larktest emulates card JSON 2.0 only: "schema" must be "2.0"`)
	}
	for k := range card {
		if !cardTopLevel[k] {
			return fmt.Errorf("unknown card property %q (JSON 2.0 rejects unknown properties)", k)
		}
	}
	multi, hasMulti := any(nil), false
	if c, present := card["config"]; present {
		cfg, isObj := c.(map[string]any)
		if !isObj {
			return errors.New("config must be an object")
		}
		multi, hasMulti = cfg["update_multi"]
	}
	if hasMulti && multi != true {
		return errors.New("card JSON 2.0 supports only config.update_multi=true")
	}
	if patch && !hasMulti {
		return errors.New("a patched card must declare config.update_multi=true")
	}
	body, isObj := card["body"].(map[string]any)
	if !isObj {
		return errors.New("body must be an object")
	}
	elems, isArr := body["elements"].([]any)
	if !isArr {
		return errors.New("body.elements must be an array")
	}
	w := cardWalker{ids: map[string]bool{}, names: map[string]bool{}}
	return w.list(elems, "body.elements", 0, false)
}

type cardWalker struct {
	ids, names map[string]bool
	count      int
}

func (w *cardWalker) list(elems []any, path string, depth int, inForm bool) error {
	for i, e := range elems {
		if err := w.element(e, fmt.Sprintf("%s[%d]", path, i), depth, inForm); err != nil {
			return err
		}
	}
	return nil
}

func (w *cardWalker) element(e any, path string, depth int, inForm bool) error {
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
	switch {
	case tag == "form" && depth > 0:
		return fmt.Errorf("%s: a form may only sit at the card root (not in a column, panel or another container)", path)
	case inForm && (tag == "form" || tag == "table"):
		return fmt.Errorf("%s: a form cannot contain %s", path, tag)
	}
	if err := checkValues(el, path, tag); err != nil {
		return err
	}
	if !containerTags[tag] {
		return nil
	}
	if depth+1 > maxContainerDepth {
		return fmt.Errorf("%s: containers nest more than %d levels", path, maxContainerDepth)
	}
	form := inForm || tag == "form"
	for _, key := range []string{"elements", "columns"} {
		if v, present := el[key]; present {
			children, isArr := v.([]any)
			if !isArr {
				return fmt.Errorf("%s.%s must be an array", path, key)
			}
			if err := w.list(children, path+"."+key, depth+1, form); err != nil {
				return err
			}
		}
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
