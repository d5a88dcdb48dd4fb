package main

import (
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
		if _, err := parseDevCmdFlags(c.args); err == nil || err.Error() != c.want {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}
