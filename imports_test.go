package trafficsim

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/trafficsim/trafficsim"

// importRule bans, for the packages from matches, every dependency banned matches. With tests
// set the rule also holds for the package's test build (its _test.go files and what they link).
type importRule struct {
	name   string
	tests  bool
	bites  [2]string // a package and an import the rule refuses
	from   func(string) bool
	banned func(string) bool
}

func under(p, dir string) bool { return p == mod+"/"+dir || strings.HasPrefix(p, mod+"/"+dir+"/") }

// testHelper: a package of test fixtures (rendertest, librarytest), for tests only. The
// conformance kit sim/devicetest is not one: its own rule lets its command link it.
func testHelper(p string) bool {
	return strings.HasPrefix(p, mod+"/") && strings.HasSuffix(p[strings.LastIndex(p, "/")+1:], "test") && !under(p, "sim/devicetest")
}

// importRules keep the flow of docs/architecture.md: the contracts (wire) are the floor, truth
// never reaches a device, scoring stays pure, synth knows nothing of the deployment, nothing
// imports a main package.
var importRules = []importRule{
	{"the contracts import nothing of the project", true, [2]string{"wire", "sim/center"},
		func(p string) bool { return under(p, "wire") },
		func(d string) bool { return strings.HasPrefix(d, mod) && !under(d, "wire") }},
	{"a device or cluster never links truth, the world or scoring", false, [2]string{"sim/device", "synth/world"},
		func(p string) bool { return under(p, "sim/device") || under(p, "sim/cluster") },
		func(d string) bool { return under(d, "synth") || under(d, "results") || under(d, "scenarios") }},
	{"a device or cluster speaks the contracts, never links the center", false, [2]string{"sim/cluster", "sim/center"},
		func(p string) bool { return under(p, "sim/device") || under(p, "sim/cluster") },
		func(d string) bool { return under(d, "sim/center") }},
	{"device and cluster tests and the conformance kit feed recorded clips (synth/library), never the world or the renderer", true, [2]string{"sim/devicetest", "synth/render"},
		func(p string) bool {
			return under(p, "sim/device") || under(p, "sim/cluster") || under(p, "sim/devicetest")
		},
		func(d string) bool {
			return under(d, "synth/world") || under(d, "synth/render") || under(d, "synth/clips") || under(d, "scenarios")
		}},
	{"scoring imports no sim package", true, [2]string{"results", "sim/center"},
		func(p string) bool { return under(p, "results") },
		func(d string) bool { return under(d, "sim") }},
	{"synth imports no deployment, scoring, viewer or k6 code", true, [2]string{"synth/world", "sim/run"},
		func(p string) bool { return under(p, "synth") },
		func(d string) bool {
			return under(d, "sim") || under(d, "results") || under(d, "viz") || under(d, "xk6-traffic")
		}},
	{"scenarios import nothing of the project", true, [2]string{"scenarios", "wire"},
		func(p string) bool { return under(p, "scenarios") },
		func(d string) bool { return strings.HasPrefix(d, mod) && !under(d, "scenarios") }},
	{"nothing imports a main package", true, [2]string{"sim/run", "cmd/trafficsim"},
		func(p string) bool { return true },
		func(d string) bool { return under(d, "cmd") }},
	{"test fixtures are never linked into a program or library", false, [2]string{"cmd/trafficsim", "synth/render/rendertest"},
		func(p string) bool { return !testHelper(p) },
		testHelper},
	{"the conformance kit is linked by tests and by its command (trafficsim devicetest) only", false, [2]string{"sim/run", "sim/devicetest"},
		func(p string) bool { return !under(p, "sim/devicetest") && !under(p, "cmd/trafficsim") },
		func(d string) bool { return under(d, "sim/devicetest") }},
	{"sim and results never import the k6 extension", true, [2]string{"sim/run", "xk6-traffic"},
		func(p string) bool { return under(p, "sim") || under(p, "results") },
		func(d string) bool { return under(d, "xk6-traffic") }},
}

// TestImportRules checks every rule on the build of every package and, for rules with tests
// set, on its test build (go list -test: the package recompiled with its _test.go files, and
// its external _test package).
func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-test", "-f", `{{.ImportPath}}|{{.ForTest}}|{{join .Deps " "}}`, "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.SplitN(line, "|", 3)
		if len(f) != 3 {
			continue
		}
		path, forTest := f[0], f[1]
		if strings.HasSuffix(path, ".test") {
			continue // the generated test main
		}
		pkg, isTest := path, forTest != ""
		if isTest {
			pkg = forTest
		}
		var deps []string
		for _, d := range strings.Fields(f[2]) {
			if !strings.HasPrefix(d, "[") && !strings.HasSuffix(d, "]") { // "p [q.test]" splits in two
				deps = append(deps, d)
			}
		}
		for _, r := range importRules {
			if !r.from(pkg) || (isTest && !r.tests) {
				continue
			}
			for _, d := range deps {
				if d == pkg || !r.banned(d) {
					continue
				}
				if isTest {
					t.Errorf("%s: tests of %s import %s", r.name, pkg, d)
					continue
				}
				t.Errorf("%s: %s imports %s", r.name, pkg, d)
			}
		}
	}
}

// TestImportRulesBite: each rule refuses the import it is written against, so a typo in a
// path cannot leave a rule that never fires.
func TestImportRulesBite(t *testing.T) {
	for _, r := range importRules {
		pkg, dep := mod+"/"+r.bites[0], mod+"/"+r.bites[1]
		if !r.from(pkg) || !r.banned(dep) {
			t.Errorf("rule %q does not refuse %s -> %s", r.name, r.bites[0], r.bites[1])
		}
	}
}
