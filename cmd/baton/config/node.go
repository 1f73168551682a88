package config

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// parser walks the YAML node tree by hand instead of decoding into structs: only the node API keeps the
// line of every value, and walking lets one pass collect every problem rather than stopping at the first.
type parser struct {
	file   string
	getenv func(string) string
	errs   []located
	// gradeWhen are the grading rules' when: nodes, in the order of Grading.Rules, for checks that need
	// the fields: section, which is read later.
	gradeWhen []gradeWhen
}

// gradeWhen is a grading rule's when: node and path.
type gradeWhen struct {
	node *yaml.Node
	path string
}

// located keeps the column of a problem, used only to order problems on the same line.
type located struct {
	err *FieldError
	col int
}

func (p *parser) errorf(n *yaml.Node, path, format string, args ...any) {
	var line, col int
	if n != nil {
		line, col = n.Line, n.Column
	}
	p.errs = append(p.errs, located{&FieldError{File: p.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)}, col})
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a single value"
	case yaml.AliasNode:
		return "an alias"
	}
	return "something else"
}

// usable reports whether n has the wanted kind; aliases are refused rather than followed, because a
// chain of aliases can make a tiny file expand exponentially.
func (p *parser) usable(n *yaml.Node, path string, kind yaml.Kind, want string) bool {
	if n.Kind == yaml.AliasNode {
		p.errorf(n, path, "aliases (*name) are not supported")
		return false
	}
	if n.Kind != kind {
		p.errorf(n, path, "expected %s, got %s", want, kindName(n))
		return false
	}
	return true
}

// field is one value of a mapping, with its key node for locating "unknown key" and "duplicate key".
type field struct {
	key  *yaml.Node
	val  *yaml.Node
	path string
}

// fields returns the values of mapping n by key, reporting unknown and duplicate keys. A null n (the key
// was written with no value) yields no fields and no error, like an absent section.
func (p *parser) fields(n *yaml.Node, path string, known ...string) map[string]field {
	if isNull(n) || !p.usable(n, path, yaml.MappingNode, "a mapping") {
		return nil
	}
	out := make(map[string]field, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, path, "keys must be plain words, got %s", kindName(k))
			continue
		}
		kp := join(path, k.Value)
		if !contains(known, k.Value) {
			p.errorf(k, kp, "unknown key (expected one of: %s)", strings.Join(known, ", "))
			continue
		}
		if _, dup := out[k.Value]; dup {
			p.errorf(k, kp, "duplicate key")
			continue
		}
		out[k.Value] = field{key: k, val: v, path: kp}
	}
	return out
}

// pairs returns the entries of a mapping with free-form keys (weights), in file order.
func (p *parser) pairs(n *yaml.Node, path string) []field {
	if isNull(n) || !p.usable(n, path, yaml.MappingNode, "a mapping") {
		return nil
	}
	var out []field
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, path, "keys must be plain words, got %s", kindName(k))
			continue
		}
		kp := join(path, k.Value)
		if seen[k.Value] {
			p.errorf(k, kp, "duplicate key")
			continue
		}
		seen[k.Value] = true
		out = append(out, field{key: k, val: v, path: kp})
	}
	return out
}

// items returns the elements of list n; null is an empty list.
func (p *parser) items(n *yaml.Node, path string) []*yaml.Node {
	if isNull(n) || !p.usable(n, path, yaml.SequenceNode, "a list") {
		return nil
	}
	return n.Content
}

// str returns the scalar's text with ${VAR} expanded; ok is false when an error was recorded.
func (p *parser) str(n *yaml.Node, path string) (string, bool) {
	if isNull(n) {
		return "", true
	}
	if !p.usable(n, path, yaml.ScalarNode, "a single value") {
		return "", false
	}
	v, err := expand(n.Value, p.getenv)
	if err != nil {
		p.errorf(n, path, "%v", err)
		return "", false
	}
	return v, true
}

// Error messages quote the text as written (n.Value), not the expanded value, so a secret that arrived
// through ${VAR} is never echoed.

func (p *parser) duration(n *yaml.Node, path string) (time.Duration, bool) {
	s, ok := p.str(n, path)
	if !ok {
		return 0, false
	}
	d, err := ParseDuration(s)
	if err != nil {
		p.errorf(n, path, "%q is not a duration", n.Value)
		return 0, false
	}
	return d, true
}

func (p *parser) count(n *yaml.Node, path string) (int, bool) {
	s, ok := p.str(n, path)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		p.errorf(n, path, "%q is not a whole number", n.Value)
		return 0, false
	}
	if v < 0 {
		p.errorf(n, path, "must not be negative")
		return 0, false
	}
	return v, true
}

func (p *parser) rate(n *yaml.Node, path string) (float64, bool) {
	s, ok := p.str(n, path)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		p.errorf(n, path, "%q is not a number", n.Value)
		return 0, false
	}
	if v < 0 {
		p.errorf(n, path, "must not be negative")
		return 0, false
	}
	return v, true
}

// sorted orders problems by position so the report reads top to bottom, whatever order the checks ran in.
func (p *parser) sorted() Errors {
	sort.SliceStable(p.errs, func(i, j int) bool {
		a, b := p.errs[i], p.errs[j]
		if a.err.Line != b.err.Line {
			return a.err.Line < b.err.Line
		}
		return a.col < b.col
	})
	out := make(Errors, len(p.errs))
	for i, e := range p.errs {
		out[i] = e.err
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
