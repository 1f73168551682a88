package config

import (
	"fmt"
	"strings"
)

// expand replaces ${VAR} with getenv(VAR) and $$ with $. A variable that is unset or empty is an error:
// a source token that silently became "" would lock the source out (or, worse, match an empty header).
// Error messages name the variable, never a value.
func expand(s string, getenv func(string) string) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(s) {
			return "", fmt.Errorf(`a lone "$" at the end; write $$ for a dollar sign or ${VAR} for a variable`)
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", fmt.Errorf(`unterminated "${"`)
			}
			name := s[i+2 : i+2+end]
			if !isEnvName(name) {
				return "", fmt.Errorf("%q is not a valid environment variable name", name)
			}
			v := getenv(name)
			if v == "" {
				return "", fmt.Errorf("environment variable %s is not set", name)
			}
			b.WriteString(v)
			i += 2 + end
		default:
			return "", fmt.Errorf(`a lone "$"; write $$ for a dollar sign or ${VAR} for a variable`)
		}
	}
	return b.String(), nil
}

func isEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
