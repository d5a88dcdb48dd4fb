package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/trafficsim/trafficsim/sim/cluster/adapt"
)

// vendorFlag loads each --vendor YAML file as it is given (errors name the file).
type vendorFlag struct {
	files   []string
	vendors []*adapt.Vendor
}

func (v *vendorFlag) String() string { return strings.Join(v.files, ",") }

func (v *vendorFlag) Set(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	vd, err := adapt.LoadVendor(b)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	v.files = append(v.files, path)
	v.vendors = append(v.vendors, vd)
	return nil
}
