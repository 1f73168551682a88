package config

import (
	"fmt"
	"strings"
)

// Errors is every problem found in one pass over the environment and the config file, so that a person
// fixes them all at once instead of one per restart. Its Error text has one problem per line.
type Errors []error

// Error joins the problems, one per line.
func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, err := range e {
		lines[i] = err.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find a *FieldError among the problems.
func (e Errors) Unwrap() []error { return e }

// FieldError is one problem in the config file, located by line and by key path
// (like pools[1].sla.unclaimed[0].after).
type FieldError struct {
	File string
	Line int    // 1-based; 0 when unknown
	Path string // empty for problems with the document as a whole
	Msg  string
}

// Error formats the problem as "file:line: path: message".
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}
