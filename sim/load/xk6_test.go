package load

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The type definitions name every metric a run reports (metrics.go declares them).
func TestXk6TrafficTypesNameEveryMetric(t *testing.T) {
	b, err := os.ReadFile("../../xk6-traffic/index.d.ts")
	if err != nil {
		t.Fatal(err)
	}
	_, union, _ := strings.Cut(string(b), "export type MetricName =")
	union, _, _ = strings.Cut(union, ";")
	var names []string
	for _, m := range regexp.MustCompile(`'([a-z_0-9]+)'`).FindAllStringSubmatch(union, -1) {
		names = append(names, m[1])
	}
	slices.Sort(names)
	if want := MetricNames(); !slices.Equal(names, want) {
		t.Errorf("index.d.ts MetricName = %v\nwant %v", names, want)
	}
}

var jsImport = regexp.MustCompile(`(?m)^\s*import\s[^'"]*['"]([^'"]+)['"]`)

// The xk6-traffic scripts parse (node --check) and import only k6's public modules and their
// own folder: no k6 code is vendored or fetched.
func TestXk6TrafficScriptsParseAndImportOnlyK6Modules(t *testing.T) {
	files, _ := filepath.Glob("../../xk6-traffic/*/*.js")
	if len(files) < 3 {
		t.Fatalf("scripts: %v", files)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed (scripts/setup.sh installs Debian's nodejs)")
	}
	allowed := map[string]bool{"k6": true, "k6/http": true, "k6/metrics": true}
	for _, f := range files {
		if out, err := exec.Command(node, "--check", f).CombinedOutput(); err != nil {
			t.Errorf("node --check %s: %v\n%s", f, err, out)
		}
		b, _ := os.ReadFile(f)
		for _, m := range jsImport.FindAllStringSubmatch(string(b), -1) {
			if !allowed[m[1]] && !strings.HasPrefix(m[1], "./") && !strings.HasPrefix(m[1], "../lib/") {
				t.Errorf("%s imports %q", f, m[1])
			}
		}
	}
}
