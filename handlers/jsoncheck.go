package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/baton-crm/baton/crm"
)

// maxJSONDepth caps how deeply objects and arrays nest in one request body (attributes are the only place
// where nesting is allowed at all).
const maxJSONDepth = 16

// checkJSON walks one JSON value and refuses what encoding/json would silently change on the way in:
// invalid UTF-8 and unpaired surrogate escapes (decoded as U+FFFD), a key given twice in one object (the
// last would win; at the top level Go matches keys case-insensitively, so "name" and "NAME" clash too),
// numbers a float64 cannot hold exactly (rounded when decoded into attributes), and nesting deeper than
// maxJSONDepth. skip names values it must not look into (a batch's items, checked one by one later).
// Syntax errors are left to the decoder, which names them better.
func checkJSON(body []byte, skip func(path string) bool) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	w := &jsonWalker{dec: dec, body: body, skip: skip}
	err := w.value("", 0)
	if _, ok := err.(*httpError); ok {
		return err
	}
	return nil
}

type jsonWalker struct {
	dec  *json.Decoder
	body []byte
	skip func(string) bool
}

// value reads one value at path; depth counts the objects and arrays around it.
func (w *jsonWalker) value(path string, depth int) error {
	if w.skip != nil && w.skip(path) {
		var raw json.RawMessage
		return w.dec.Decode(&raw)
	}
	start := w.dec.InputOffset()
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		if depth >= maxJSONDepth {
			return badField(path, fmt.Sprintf("%s nests deeper than %d levels", orBody(path), maxJSONDepth))
		}
		if v == '{' {
			return w.object(path, depth+1)
		}
		for i := 0; w.dec.More(); i++ {
			if err := w.value(fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
				return err
			}
		}
		_, err = w.dec.Token()
		return err
	case string:
		return w.checkString(path, start)
	case json.Number:
		return checkNumber(path, v)
	}
	return nil
}

func (w *jsonWalker) object(path string, depth int) error {
	seen := map[string]bool{}
	for w.dec.More() {
		start := w.dec.InputOffset()
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if err := w.checkString(path, start); err != nil {
			return err
		}
		child := key
		if path != "" {
			child = path + "." + key
		}
		// The top level maps onto Go structs, whose field matching ignores case.
		id := key
		if path == "" {
			id = foldKey(key)
		}
		if seen[id] {
			return badField(child, fmt.Sprintf("%s is given more than once", child))
		}
		seen[id] = true
		if err := w.value(child, depth); err != nil {
			return err
		}
	}
	_, err := w.dec.Token()
	return err
}

// checkString looks at the raw bytes of the string literal the decoder just read (it began at or after
// start): the decoded string no longer shows what was replaced.
func (w *jsonWalker) checkString(path string, start int64) error {
	raw := w.body[start:w.dec.InputOffset()]
	if i := bytes.IndexByte(raw, '"'); i >= 0 {
		raw = raw[i:]
	}
	if utf8.Valid(raw) && pairedSurrogates(raw) {
		return nil
	}
	return badField(path, fmt.Sprintf("%s is not valid UTF-8", orBody(path)))
}

// pairedSurrogates reports whether every \uD800–\uDFFF escape in a JSON string literal is half of a pair.
func pairedSurrogates(lit []byte) bool {
	for i := 0; i < len(lit); i++ {
		if lit[i] != '\\' {
			continue
		}
		i++
		if i >= len(lit) || lit[i] != 'u' {
			continue
		}
		r, ok := hex4(lit, i+1)
		if !ok {
			continue
		}
		i += 4
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return false
		case r >= 0xD800 && r <= 0xDBFF:
			if i+2 >= len(lit) || lit[i+1] != '\\' || lit[i+2] != 'u' {
				return false
			}
			lo, ok := hex4(lit, i+3)
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return false
			}
			i += 6
		}
	}
	return true
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[at:at+4]), 16, 32)
	return rune(n), err == nil
}

// checkNumber refuses a number that would not survive decoding into a float64 unchanged: an integer beyond
// 2^53 that has no exact float64, or anything out of range.
func checkNumber(path string, n json.Number) error {
	s := n.String()
	f, err := strconv.ParseFloat(s, 64)
	exact := err == nil
	if exact && !strings.ContainsAny(s, ".eE") {
		i, ok := new(big.Int).SetString(s, 10)
		exact = ok && new(big.Float).SetFloat64(f).Cmp(new(big.Float).SetInt(i)) == 0
	}
	if exact {
		return nil
	}
	return badField(path, fmt.Sprintf("%s is a number that cannot be stored exactly; send it as a string", orBody(path)))
}

// foldKey maps every letter to the smallest member of its case-folding orbit, as encoding/json's
// case-insensitive field matching would.
func foldKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}

func badField(field, msg string) error {
	return &httpError{http.StatusBadRequest, crm.EINVALID, msg, field}
}

func orBody(path string) string {
	if path == "" {
		return "the body"
	}
	return path
}
