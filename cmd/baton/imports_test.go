package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// modulePath is the import path prefix of Baton's own packages.
const modulePath = "github.com/baton-crm/baton"

// importRule limits what the project packages under Pkg may import. Pkg is relative to the module root and
// covers the package and its sub-packages; when several rules cover a package the longest Pkg wins, so
// "bot/larktest" can be stricter than "bot". A package may always import its own rule's tree and
// internal/testenv.
type importRule struct {
	Pkg string
	// Only, when non-nil, lists the only other project trees the package may import.
	Only []string
	// Not lists project trees the package must not import.
	Not []string
	// NotExternal lists import path prefixes outside the module the package must not depend on; for
	// non-test code the check covers indirect dependencies too.
	NotExternal []string
}

// importRules is the import direction of DESIGN.md ("Architecture"). Every project package must be
// covered by a rule, so a new top-level package makes this test fail until someone decides where it sits.
var importRules = []importRule{
	// Wiring: the one place that knows everything.
	{Pkg: "cmd/baton"},
	// The domain stays free of every outside thing, so its rules test in milliseconds.
	{Pkg: "crm", Only: []string{}, NotExternal: []string{
		"github.com/uptrace/bun",
		"github.com/hibiken/asynq",
		"github.com/larksuite/oapi-sdk-go",
		"github.com/redis/go-redis",
		"github.com/jackc/pgx",
		"modernc.org/sqlite",
		"github.com/alicebob/miniredis",
	}},
	{Pkg: "cards", Only: []string{"crm"}},
	{Pkg: "storage", Not: []string{"bot", "jobs", "handlers", "sandbox", "cmd"}},
	{Pkg: "bot", Not: []string{"storage", "jobs", "handlers", "sandbox", "cmd"}},
	// The emulator implements Lark's signing and encryption itself, so a bug in bot cannot be mirrored.
	{Pkg: "bot/larktest", Only: []string{}},
	{Pkg: "jobs", Not: []string{"storage", "bot", "handlers", "sandbox", "cmd"}},
	{Pkg: "handlers", Only: []string{"crm", "cards", "bot"}},
	{Pkg: "sandbox", Only: []string{"bot/larktest", "crm"}},
	// Ad-platform clients (pull sources); their fakes in platforms/platformstest import nothing of Baton's.
	{Pkg: "platforms", Only: []string{"crm"}},
	{Pkg: "platforms/platformstest", Only: []string{}},
	{Pkg: "internal/testenv", Only: []string{}},
	// The optional language-model assistant: an outbound client like platforms, over crm's types only.
	{Pkg: "assist", Only: []string{"crm"}, NotExternal: []string{
		"github.com/uptrace/bun", "github.com/hibiken/asynq", "github.com/larksuite/oapi-sdk-go",
	}},
}

// anyoneMayImport lists project packages every package (and every test) may import.
var anyoneMayImport = []string{"internal/testenv"}

// forbiddenEverywhere lists exact import paths no package may import. The Lark SDK root package compiles
// every Lark service (over a minute); Baton uses larkcore and the service packages it needs.
var forbiddenEverywhere = []string{"github.com/larksuite/oapi-sdk-go/v3"}

// listedPackage is the part of `go list -json` output the checker reads.
type listedPackage struct {
	ImportPath   string
	Imports      []string
	Deps         []string
	TestImports  []string
	XTestImports []string
}

// importViolation is one forbidden edge.
type importViolation struct {
	Pkg, Import string
	Test        bool
	Reason      string
}

func (v importViolation) String() string {
	if v.Import == "" {
		return v.Pkg + ": " + v.Reason
	}
	kind := ""
	if v.Test {
		kind = " (test)"
	}
	return fmt.Sprintf("%s imports %s%s: %s", v.Pkg, v.Import, kind, v.Reason)
}

func TestImportDirection(t *testing.T) {
	pkgs := listPackages(t)
	for _, v := range checkImports(pkgs, importRules) {
		t.Error(v)
	}
}

// listPackages runs `go list` over the whole module. -e keeps packages that do not compile in the list:
// their import lines still parse, and reporting build errors is the compiler's job.
func listPackages(t *testing.T) []listedPackage {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("find module root: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Imports,Deps,TestImports,XTestImports", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs, err := decodePackages(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

// decodePackages reads the stream of JSON objects `go list -json` prints.
func decodePackages(r io.Reader) ([]listedPackage, error) {
	var pkgs []listedPackage
	dec := json.NewDecoder(r)
	for {
		var p listedPackage
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			return pkgs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("decode go list output: %w", err)
		}
		pkgs = append(pkgs, p)
	}
}

// checkImports returns every import in pkgs that rules forbid, in a stable order.
func checkImports(pkgs []listedPackage, rules []importRule) []importViolation {
	var out []importViolation
	for _, p := range pkgs {
		rel, ok := projectRel(p.ImportPath)
		if !ok {
			continue
		}
		rule, ok := ruleFor(rel, rules)
		if !ok {
			out = append(out, importViolation{Pkg: rel, Reason: "no import rule covers this package; add one to importRules"})
			continue
		}
		for _, imp := range p.Imports {
			if reason := forbidden(rule, imp, false); reason != "" {
				out = append(out, importViolation{Pkg: rel, Import: imp, Reason: reason})
			}
		}
		for _, dep := range p.Deps {
			if slices.Contains(p.Imports, dep) {
				continue // reported above as a direct import
			}
			if prefix := matchExternal(rule.NotExternal, dep); prefix != "" {
				out = append(out, importViolation{Pkg: rel, Import: dep, Reason: "indirect dependency on " + prefix})
			}
		}
		for _, imp := range slices.Concat(p.TestImports, p.XTestImports) {
			if reason := forbidden(rule, imp, true); reason != "" {
				out = append(out, importViolation{Pkg: rel, Import: imp, Test: true, Reason: reason})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b importViolation) int {
		return strings.Compare(a.String(), b.String())
	})
	return slices.CompactFunc(out, func(a, b importViolation) bool { return a == b })
}

// forbidden says why rule forbids importing imp, or returns "" when it is allowed. Tests may also use
// test support packages (a last path element ending in "test", like storage/storagetest): a use case test
// may run against the real stores.
func forbidden(rule importRule, imp string, test bool) string {
	if slices.Contains(forbiddenEverywhere, imp) {
		return "forbidden in every package"
	}
	rel, ok := projectRel(imp)
	if !ok {
		if prefix := matchExternal(rule.NotExternal, imp); prefix != "" {
			return rule.Pkg + " must not depend on " + prefix
		}
		return ""
	}
	if within(rel, rule.Pkg) || slices.ContainsFunc(anyoneMayImport, func(a string) bool { return within(rel, a) }) {
		return ""
	}
	if test && strings.HasSuffix(rel[strings.LastIndex(rel, "/")+1:], "test") {
		return ""
	}
	if rule.Only != nil && !slices.ContainsFunc(rule.Only, func(a string) bool { return within(rel, a) }) {
		if len(rule.Only) == 0 {
			return rule.Pkg + " imports no other project package"
		}
		return rule.Pkg + " may import only " + strings.Join(rule.Only, ", ")
	}
	for _, n := range rule.Not {
		if within(rel, n) {
			return rule.Pkg + " must not import " + n
		}
	}
	return ""
}

// ruleFor returns the rule with the longest Pkg covering rel.
func ruleFor(rel string, rules []importRule) (importRule, bool) {
	var best importRule
	found := false
	for _, r := range rules {
		if within(rel, r.Pkg) && (!found || len(r.Pkg) > len(best.Pkg)) {
			best, found = r, true
		}
	}
	return best, found
}

// projectRel returns path relative to the module root, and whether it is a project package at all.
func projectRel(path string) (string, bool) {
	if path == modulePath {
		return "", true
	}
	rel, ok := strings.CutPrefix(path, modulePath+"/")
	return rel, ok
}

// within reports whether path is tree or one of its sub-packages.
func within(path, tree string) bool {
	return path == tree || strings.HasPrefix(path, tree+"/")
}

func matchExternal(prefixes []string, path string) string {
	for _, p := range prefixes {
		if within(path, p) {
			return p
		}
	}
	return ""
}

// TestCheckImportsCatchesViolations feeds the checker a made-up module with allowed and forbidden edges,
// so a checker that silently passes everything cannot keep TestImportDirection green.
func TestCheckImportsCatchesViolations(t *testing.T) {
	t.Parallel()
	m := func(rel string) string { return modulePath + "/" + rel }
	pkgs := []listedPackage{
		{
			ImportPath:   m("crm"),
			Imports:      []string{"context", m("storage"), "github.com/uptrace/bun"},
			Deps:         []string{"context", "github.com/uptrace/bun", "github.com/hibiken/asynq/internal/base"},
			XTestImports: []string{m("crm"), m("storage/storagetest"), m("internal/testenv"), m("cards")},
		},
		{ImportPath: m("crm/crmtest"), Imports: []string{m("crm"), m("internal/testenv")}},
		{ImportPath: m("cards"), Imports: []string{m("crm"), m("bot")}},
		{ImportPath: m("storage"), Imports: []string{m("crm"), m("bot"), "github.com/uptrace/bun"}},
		{ImportPath: m("storage/storagetest"), Imports: []string{m("storage"), m("internal/testenv")}},
		{
			ImportPath:  m("bot"),
			Imports:     []string{m("crm"), m("jobs"), "github.com/larksuite/oapi-sdk-go/v3"},
			TestImports: []string{m("bot/larktest"), m("storage")},
		},
		{ImportPath: m("bot/larktest"), Imports: []string{m("bot"), "github.com/larksuite/oapi-sdk-go/v3/core"}},
		{ImportPath: m("jobs"), Imports: []string{m("crm"), m("cards"), "github.com/hibiken/asynq"}},
		{ImportPath: m("handlers"), Imports: []string{m("crm"), m("cards"), m("bot"), m("storage")}},
		{ImportPath: m("sandbox"), Imports: []string{m("bot/larktest"), m("crm"), m("bot")}},
		{ImportPath: m("cmd/baton"), Imports: []string{m("crm"), m("storage"), m("bot"), m("jobs"), m("handlers"), m("sandbox")}},
		{ImportPath: m("tools/gen"), Imports: []string{m("crm")}},
		{ImportPath: "example.com/elsewhere", Imports: []string{m("storage")}},
	}
	want := []string{
		"bot imports github.com/baton-crm/baton/jobs: bot must not import jobs",
		"bot imports github.com/baton-crm/baton/storage (test): bot must not import storage",
		"bot imports github.com/larksuite/oapi-sdk-go/v3: forbidden in every package",
		"bot/larktest imports github.com/baton-crm/baton/bot: bot/larktest imports no other project package",
		"cards imports github.com/baton-crm/baton/bot: cards may import only crm",
		"crm imports github.com/baton-crm/baton/cards (test): crm imports no other project package",
		"crm imports github.com/baton-crm/baton/storage: crm imports no other project package",
		"crm imports github.com/hibiken/asynq/internal/base: indirect dependency on github.com/hibiken/asynq",
		"crm imports github.com/uptrace/bun: crm must not depend on github.com/uptrace/bun",
		"handlers imports github.com/baton-crm/baton/storage: handlers may import only crm, cards, bot",
		"sandbox imports github.com/baton-crm/baton/bot: sandbox may import only bot/larktest, crm",
		"storage imports github.com/baton-crm/baton/bot: storage must not import bot",
		"tools/gen: no import rule covers this package; add one to importRules",
	}
	var got []string
	for _, v := range checkImports(pkgs, importRules) {
		got = append(got, v.String())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("violations (-want +got):\n%s", diff)
	}
}

func TestDecodePackages(t *testing.T) {
	t.Parallel()
	stream := `{"ImportPath": "a", "Imports": ["b"]}
{"ImportPath": "c", "TestImports": ["d"], "XTestImports": ["e"], "Deps": ["b"]}
`
	got, err := decodePackages(strings.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	want := []listedPackage{
		{ImportPath: "a", Imports: []string{"b"}},
		{ImportPath: "c", TestImports: []string{"d"}, XTestImports: []string{"e"}, Deps: []string{"b"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if _, err := decodePackages(strings.NewReader(`{"ImportPath": `)); err == nil {
		t.Error("truncated output decoded without error")
	}
}
