package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"time"
	_ "time/tzdata" // time zones must resolve on minimal images with no /usr/share/zoneinfo

	"github.com/baton-crm/baton/crm"
	"gopkg.in/yaml.v3"
)

// Defaults for baton.yaml, in one place.
const (
	defaultTimezone            = "Asia/Shanghai"
	defaultCooldown            = 24 * time.Hour
	defaultProtection          = 7 * day
	defaultProtectionExtend    = 3 * day
	defaultProtectionMax       = 30 * day
	defaultProtectionWarn      = 1 * day
	defaultDigestCron          = "0 9 * * MON"
	defaultFeedbackSummaryCron = "0 18 * * MON-FRI"
)

func defaultSettings() crm.Settings {
	loc, err := time.LoadLocation(defaultTimezone)
	if err != nil {
		panic(fmt.Sprintf("load default time zone: %v", err)) // unreachable: time/tzdata is embedded
	}
	return crm.Settings{
		Location:        loc,
		Digest:          crm.Schedule{Cron: defaultDigestCron, To: []string{toManagers}},
		FeedbackSummary: crm.Schedule{Cron: defaultFeedbackSummaryCron, To: []string{toOpsChannels}},
	}
}

func defaultPool() crm.Pool {
	return crm.Pool{
		Mode:        crm.ModeClaim,
		Cooldown:    defaultCooldown,
		SelfSourced: crm.SelfSourcedOwner,
		Protection: crm.Protection{
			Default:          defaultProtection,
			ExtendOnActivity: defaultProtectionExtend,
			Max:              defaultProtectionMax,
			WarnBefore:       defaultProtectionWarn,
		},
	}
}

var (
	keyPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	openIDPattern = regexp.MustCompile(`^ou_[A-Za-z0-9_-]+$`)
	chatIDPattern = regexp.MustCompile(`^oc_[A-Za-z0-9_-]+$`)
	yamlErrLine   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

// ParseSettings parses and validates a baton.yaml document. filename only labels the problems
// ("baton.yaml:12: pools[1].sla.unclaimed[0].after: \"5x\" is not a duration"); getenv resolves ${VAR}.
// Empty input yields the defaults. The error, when not nil, is an Errors listing every problem found.
func ParseSettings(data []byte, filename string, getenv func(string) string) (crm.Settings, error) {
	p := &parser{file: filename, getenv: getenv}
	root, err := decodeOne(data)
	if err != nil {
		return crm.Settings{}, Errors{p.syntaxError(err)}
	}
	s := p.settings(root)
	if len(p.errs) > 0 {
		return crm.Settings{}, p.sorted()
	}
	return s, nil
}

// decodeOne returns the root node of the only document in data, or nil for an empty file.
func decodeOne(data []byte) (root *yaml.Node, err error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("only one YAML document is allowed (found a second ---)")
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// syntaxError turns yaml.v3's "yaml: line 3: msg" into the same file:line shape as the other problems.
func (p *parser) syntaxError(err error) error {
	if m := yamlErrLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &FieldError{File: p.file, Line: line, Msg: m[2]}
	}
	return &FieldError{File: p.file, Msg: err.Error()}
}

func (p *parser) settings(root *yaml.Node) crm.Settings {
	s := defaultSettings()
	f := p.fields(root, "", "timezone", "business_hours", "sources", "pools", "routing", "ops_channels",
		"digest", "feedback_summary", "language", "tasks", "base", "fields", "grading", "assist")
	if v, ok := f["language"]; ok {
		if lang, ok := p.str(v.val, v.path); ok {
			if lang != "zh" && lang != "en" {
				p.errorf(v.val, v.path, "%q is not a language (zh or en)", lang)
			}
			s.Language = lang
		}
	}
	if v, ok := f["timezone"]; ok {
		if loc, ok := p.location(v.val, v.path); ok {
			s.Location = loc
		}
	}
	if v, ok := f["business_hours"]; ok {
		s.BusinessHours = p.businessHours(v.val, v.path, s.Location)
	}
	if v, ok := f["sources"]; ok {
		s.Sources = p.sources(v.val, v.path)
	}
	if v, ok := f["grading"]; ok {
		s.Grading = p.grading(v.val, v.path) // before pools and routing, which may name grades
	}
	if v, ok := f["pools"]; ok {
		s.Pools = p.pools(v.val, v.path, s.Grading != nil)
	}
	if v, ok := f["ops_channels"]; ok {
		for i, item := range p.items(v.val, v.path) {
			path := index(v.path, i)
			if id, ok := p.str(item, path); ok {
				if !chatIDPattern.MatchString(id) {
					p.errorf(item, path, "%q is not a chat id (oc_…)", item.Value)
				} else if contains(s.OpsChannels, id) {
					p.errorf(item, path, "%q is listed twice", item.Value)
				} else {
					s.OpsChannels = append(s.OpsChannels, id)
				}
			}
		}
	}
	if v, ok := f["fields"]; ok {
		s.Fields = p.customFields(v.val, v.path)
	}
	p.checkMappedFields(root, &s)
	p.checkGradedFields(&s)
	routing, hasRouting := f["routing"]
	if hasRouting {
		s.Routing = p.routing(routing.val, routing.path, &s)
	}
	if !hasRouting && len(s.Pools) > 0 {
		p.errorf(root, "routing", "required when pools are configured; end it with a default rule ({pool: KEY})")
	}
	if v, ok := f["digest"]; ok {
		p.schedule(v.val, v.path, &s.Digest)
	}
	if v, ok := f["feedback_summary"]; ok {
		p.schedule(v.val, v.path, &s.FeedbackSummary)
	}
	if v, ok := f["tasks"]; ok {
		s.Tasks = p.tasks(v.val, v.path) // tasks.go
	}
	if v, ok := f["base"]; ok {
		s.Base = p.base(v.val, v.path)
	}
	if v, ok := f["assist"]; ok {
		s.Assist = p.assist(v.val, v.path) // assist.go
	}
	return s
}

func (p *parser) location(n *yaml.Node, path string) (*time.Location, bool) {
	name, ok := p.str(n, path)
	if !ok {
		return nil, false
	}
	// "" and "Local" are valid to time.LoadLocation but mean UTC and the host's zone: neither is what a
	// person means in a shared config file.
	if name == "" || name == "Local" {
		p.errorf(n, path, "%q is not an IANA time zone (like Asia/Shanghai)", n.Value)
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		p.errorf(n, path, "%q is not an IANA time zone (like Asia/Shanghai)", n.Value)
		return nil, false
	}
	return loc, true
}
