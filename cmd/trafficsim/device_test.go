package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDeviceFlagErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{nil, "device: --cameras is required"},
		{[]string{"--cameras", "c.json", "extra"}, `device: unexpected argument "extra"`},
	}
	for _, c := range cases {
		if _, err := parseDeviceFlags(c.args); err == nil || err.Error() != c.want {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}

func TestLoadDeploymentIsStrict(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cameras.json")
	os.WriteFile(p, []byte(`{"cameras":[{"id":"c1","colour":"red"}]}`), 0o644)
	_, err := deviceLoadDeployment(p)
	want := "device: " + p + `: json: unknown field "colour"`
	if err == nil || err.Error() != want {
		t.Errorf("%v, want %q", err, want)
	}
}
