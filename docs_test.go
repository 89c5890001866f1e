package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestEveryVariableIsDocumented checks that each variable the configuration
// reads is in .env.example and README.md, so a new user never meets an
// undocumented one.
func TestEveryVariableIsDocumented(t *testing.T) {
	read := map[string]bool{}
	getenv := func(k string) string { read[k] = true; return "" }
	if _, err := loadConfig(getenv, modeConsole); err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(".env.example")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(read) < 15 {
		t.Fatalf("only %d variables read; the test lost track of loadConfig", len(read))
	}
	for k := range read {
		if !strings.Contains(string(example), "\n"+k+"=") && !strings.Contains(string(example), "# "+k+"=") {
			t.Errorf(".env.example lacks %s", k)
		}
		if !strings.Contains(string(readme), "`"+k+"`") {
			t.Errorf("README.md lacks %s", k)
		}
	}
}

// TestDocsStandOnTheirOwn checks that a clone of the project documents
// itself: no Go, Markdown or YAML file in the tree points to notes outside
// the repository, the pages of docs/ exist, and every relative link in
// README.md and docs/*.md leads to a file, and a heading, that exists.
func TestDocsStandOnTheirOwn(t *testing.T) {
	outside := ".." + "/shared" // in two parts, so that this file does not match itself
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir // .git, and editors' folders
			}
			return nil // a worktree's .git file
		}
		switch filepath.Ext(path) {
		case ".go", ".md", ".yml", ".yaml":
		default:
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), outside) {
			t.Errorf("%s mentions %s, which a clone does not have: cite docs/ instead", path, outside)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, page := range []string{"docs/architecture.md", "docs/huawei-api.md", "docs/slack.md"} {
		if st, err := os.Stat(page); err != nil || st.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", page, err)
		}
	}

	pages, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range append([]string{"README.md"}, pages...) {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, target := range markdownLinks(string(b)) {
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			path := page
			if file != "" {
				path = filepath.Join(filepath.Dir(page), filepath.FromSlash(file))
				if _, err := os.Stat(path); err != nil {
					t.Errorf("%s: link %q: %v", page, target, err)
					continue
				}
			}
			if anchor == "" || filepath.Ext(path) != ".md" {
				continue
			}
			md, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(headingAnchors(string(md)), anchor) {
				t.Errorf("%s: link %q: %s has no heading with the anchor %q", page, target, path, anchor)
			}
		}
	}
}

var (
	linkRE      = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	codeSpanRE  = regexp.MustCompile("`[^`]*`")
	notAnchorRE = regexp.MustCompile(`[^\p{L}\p{N} _-]`)
	headingRE   = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
)

const codeFenceTag = "```"

// markdownLines returns the lines of md outside fenced code blocks.
func markdownLines(md string) []string {
	var out []string
	fenced := false
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), codeFenceTag) {
			fenced = !fenced
			continue
		}
		if !fenced {
			out = append(out, line)
		}
	}
	return out
}

// markdownLinks returns the targets of the inline links in md, leaving out
// code.
func markdownLinks(md string) []string {
	var out []string
	for _, line := range markdownLines(md) {
		for _, m := range linkRE.FindAllStringSubmatch(codeSpanRE.ReplaceAllString(line, ""), -1) {
			out = append(out, m[1])
		}
	}
	return out
}

// headingAnchors returns the anchors GitHub gives the headings of md:
// lower case, punctuation dropped, spaces as dashes, and -1, -2, … after
// a repeated one.
func headingAnchors(md string) []string {
	var out []string
	seen := map[string]int{}
	for _, line := range markdownLines(md) {
		m := headingRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		a := strings.ReplaceAll(notAnchorRE.ReplaceAllString(strings.ToLower(m[1]), ""), " ", "-")
		if n := seen[a]; n > 0 {
			out = append(out, fmt.Sprintf("%s-%d", a, n))
		} else {
			out = append(out, a)
		}
		seen[a]++
	}
	return out
}
