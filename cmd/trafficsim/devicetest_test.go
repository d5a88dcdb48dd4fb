package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDevicetestFlagErrors(t *testing.T) {
	v := filepath.Join(t.TempDir(), "acme.yaml")
	if err := os.WriteFile(v, []byte("name: acme\ndevice: acme-box-1\nfields: {camera_id: cam, type: kind, time: ts}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{nil, "devicetest: give --cmd or --reference"},
		{[]string{"--cmd", "box", "--reference"}, "devicetest: give --cmd or --reference"},
		{[]string{"--cmd", "box", "extra"}, `devicetest: unexpected argument "extra"`},
		{[]string{"--cmd", "box", "--vendor", v, "--vendor", v}, "devicetest: one --vendor at a time"},
	}
	for _, c := range cases {
		if _, err := parseDevicetestFlags(c.args); err == nil || err.Error() != c.want {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
	f, err := parseDevicetestFlags([]string{"--cmd", "box", "--vendor", v, "--run", "Clock"})
	if err != nil {
		t.Fatal(err)
	}
	if f.opts.Vendor == nil || f.opts.Vendor.Name != "acme" || f.opts.Run != "Clock" {
		t.Errorf("options %+v", f.opts)
	}
}
