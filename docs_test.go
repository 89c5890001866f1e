package main

import (
	"os"
	"strings"
	"testing"
)

// TestEveryVariableIsDocumented checks that each variable the configuration
// reads is in .env.example and README.md, so a new user never meets an
// undocumented one.
func TestEveryVariableIsDocumented(t *testing.T) {
	read := map[string]bool{}
	getenv := func(k string) string { read[k] = true; return "" }
	if _, err := loadConfig(getenv, false, "text", 0); err != nil {
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
