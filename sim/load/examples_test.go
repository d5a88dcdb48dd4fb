package load

import (
	"path/filepath"
	"testing"
)

// The shipped example plans load.
func TestExamplePlansLoad(t *testing.T) {
	files, _ := filepath.Glob("../../examples/plans/*.yaml")
	if len(files) < 3 {
		t.Fatalf("example plans: %v", files)
	}
	for _, f := range files {
		if _, err := LoadPlan(f); err != nil {
			t.Error(err)
		}
	}
}
