package trafficsim

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/trafficsim/trafficsim"

// TestImportRules keeps the flow of ARCHITECTURE.md section 3: truth never reaches a device,
// scoring stays pure, synth knows nothing of the deployment, nothing imports a main package.
func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps=false", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	under := func(p, dir string) bool { return p == mod+"/"+dir || strings.HasPrefix(p, mod+"/"+dir+"/") }
	rules := []struct {
		name   string
		from   func(string) bool
		banned func(string) bool
	}{
		{"the leaf contracts import nothing of the project",
			func(p string) bool { return under(p, "sim/wire") },
			func(d string) bool { return strings.HasPrefix(d, mod) }},
		{"a device or cluster never links truth, the world or scoring",
			func(p string) bool { return under(p, "sim/device") || under(p, "sim/cluster") },
			func(d string) bool { return under(d, "synth") || under(d, "results") || under(d, "scenarios") }},
		{"scoring imports no sim package but the contracts",
			func(p string) bool { return under(p, "results") },
			func(d string) bool { return under(d, "sim") && !under(d, "sim/wire") }},
		{"synth imports no deployment, scoring, viewer or k6 code",
			func(p string) bool { return under(p, "synth") },
			func(d string) bool {
				return (under(d, "sim") && !under(d, "sim/wire")) || under(d, "results") || under(d, "viz") || under(d, "xk6-traffic")
			}},
		{"scenarios import nothing of the project",
			func(p string) bool { return under(p, "scenarios") },
			func(d string) bool { return strings.HasPrefix(d, mod) && !under(d, "scenarios") }},
		{"nothing imports a main package",
			func(p string) bool { return true },
			func(d string) bool { return under(d, "cmd") }},
		{"sim and results never import the k6 extension",
			func(p string) bool { return under(p, "sim") || under(p, "results") },
			func(d string) bool { return under(d, "xk6-traffic") }},
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		pkg, deps := f[0], f[1:]
		for _, r := range rules {
			if !r.from(pkg) {
				continue
			}
			for _, d := range deps {
				if r.banned(d) {
					t.Errorf("%s: %s imports %s", r.name, pkg, d)
				}
			}
		}
	}
}
