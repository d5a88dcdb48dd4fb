package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/results/seal"
)

// TestSealedSuiteEndToEnd is the operator's and the vendor's whole day at small size: a key,
// sealed seeds and a published commitment; the suite run into a signed scorecard; then the
// seeds revealed, the commitment and the truth checked, and the signature verified. A changed
// seed, a changed suite or a changed figure is caught.
func TestSealedSuiteEndToEnd(t *testing.T) {
	d := t.TempDir()
	src, err := os.ReadFile(filepath.Join("..", "..", "sim", "suite", "testdata", "small.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	suiteFile := filepath.Join(d, "suite.yaml")
	os.WriteFile(suiteFile, src, 0o644)
	key, sealed, card := filepath.Join(d, "operator"), filepath.Join(d, "sealed"), filepath.Join(d, "card")
	if code, text := capture(t, "conformity", "keygen", "--out", key); code != 0 {
		t.Fatalf("keygen: exit %d\n%s", code, text)
	}
	code, text := capture(t, "conformity", "seal", "--suite", suiteFile, "--out", sealed)
	if code != 0 || !strings.HasPrefix(text, "commitment ") {
		t.Fatalf("seal: exit %d\n%s", code, text)
	}
	commitment := filepath.Join(sealed, "commitment.txt")
	seeds := filepath.Join(sealed, "seeds.json")
	if fi, err := os.Stat(seeds); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("seeds.json must be readable by its owner only: %v %v", fi.Mode(), err)
	}
	code, text = capture(t, "conformity", "run", "--suite", suiteFile, "--seeds", seeds, "--commitment", commitment, "--out", card, "--key", key+".key")
	if code == 1 || code == 2 || !strings.Contains(text, "cell  scenario") || !strings.Contains(text, "signed") {
		t.Fatalf("run: exit %d\n%s", code, text)
	}
	// After the test: the seeds are revealed and anyone checks them.
	code, text = capture(t, "conformity", "check", "--suite", suiteFile, "--seeds", seeds, "--commitment", commitment, "--scorecard", card)
	if code != 0 || !strings.Contains(text, "commitment       ok") || !strings.Contains(text, "truth            ok: 3 cell runs") {
		t.Fatalf("check: exit %d\n%s", code, text)
	}
	code, text = capture(t, "verify", "--pub", key+".pub", card)
	if code != 0 || !strings.Contains(text, "verify: ok") || !strings.Contains(text, "input      scenarios/intersection-anpr.yaml") {
		t.Fatalf("verify: exit %d\n%s", code, text)
	}
	// A changed seed does not open the commitment.
	s, _ := seal.Load(seeds)
	s.Seeds[0]++
	forged := filepath.Join(d, "forged.json")
	seal.Write(forged, s)
	if code, _ := capture(t, "conformity", "check", "--suite", suiteFile, "--seeds", forged, "--commitment", commitment); code != 1 {
		t.Errorf("a changed seed: exit %d, want 1", code)
	}
	if code, _ := capture(t, "conformity", "run", "--suite", suiteFile, "--seeds", forged, "--commitment", commitment, "--out", filepath.Join(d, "c2")); code != 1 {
		t.Errorf("a run with other seeds than sealed: exit %d, want 1", code)
	}
	// A changed suite does not either.
	os.WriteFile(suiteFile, []byte(strings.Replace(string(src), "cameras: 2", "cameras: 1", 1)), 0o644)
	if code, _ := capture(t, "conformity", "check", "--suite", suiteFile, "--seeds", seeds, "--commitment", commitment); code != 1 {
		t.Errorf("a changed suite: exit %d, want 1", code)
	}
	// A changed figure breaks the signature check.
	var sum map[string]any
	b, _ := os.ReadFile(filepath.Join(card, "summary.json"))
	json.Unmarshal(b, &sum)
	sum["outcome"] = "conforms"
	b, _ = json.Marshal(sum)
	os.WriteFile(filepath.Join(card, "summary.json"), b, 0o644)
	if code, _ := capture(t, "verify", "--pub", key+".pub", card); code != 1 {
		t.Errorf("a tampered summary: exit %d, want 1", code)
	}
}
