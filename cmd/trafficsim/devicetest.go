package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/trafficsim/trafficsim/sim/devicetest"
)

func init() {
	register(command{name: "devicetest", summary: "run the device conformance kit against a device command (a vendor's box)", run: runDevicetestCmd})
}

// devicetestFlags are the flags of 'trafficsim devicetest'.
type devicetestFlags struct {
	cmd       string
	reference bool
	vendor    vendorFlag
	opts      devicetest.Options
}

func parseDevicetestFlags(args []string) (*devicetestFlags, error) {
	fs := flag.NewFlagSet("devicetest", flag.ContinueOnError)
	f := &devicetestFlags{}
	fs.StringVar(&f.cmd, "cmd", "", "shell command that runs the device on $"+devicetest.EnvCameras+" (cameras.json, with the events endpoint and token), "+
		"as device $"+devicetest.EnvID+", keeping its state in $"+devicetest.EnvState+"; SIGTERM stops it, SIGKILL kills it")
	fs.BoolVar(&f.reference, "reference", false, "check the reference device (in this process) instead of --cmd")
	fs.Var(&f.vendor, "vendor", "mapping YAML of the device's own event format: a regional cluster maps it (docs/vendors.md); default: the device posts wire events")
	fs.StringVar(&f.opts.Run, "run", "", "run only the cases whose name matches this regular expression")
	fs.DurationVar(&f.opts.Patience, "patience", 15*time.Second, "longest wait for the device to connect, reconnect, deliver or follow cameras.json")
	fs.StringVar(&f.opts.Library, "library", "", "clip library folder for the kit's clip (default: a temporary folder)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, usagef("devicetest: unexpected argument %q", fs.Arg(0))
	case (f.cmd == "") == !f.reference:
		return nil, usagef("devicetest: give --cmd or --reference")
	case len(f.vendor.vendors) > 1:
		return nil, usagef("devicetest: one --vendor at a time")
	}
	if len(f.vendor.vendors) == 1 {
		f.opts.Vendor = f.vendor.vendors[0]
	}
	return f, nil
}

func runDevicetestCmd(ctx context.Context, args []string) error {
	f, err := parseDevicetestFlags(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	var d devicetest.Device = devicetest.Shell(f.cmd)
	if f.reference {
		d = devicetest.Reference(nil)
	}
	res, err := devicetest.Check(ctx, d, f.opts)
	if err != nil {
		return err
	}
	failed := 0
	for _, r := range res {
		verdict := "PASS"
		if r.Err != nil {
			verdict, failed = "FAIL", failed+1
		}
		fmt.Printf("%s  %-48s %6.1fs\n", verdict, r.Case, r.Elapsed.Seconds())
		if r.Err != nil {
			fmt.Printf("      %v\n", r.Err)
		}
	}
	fmt.Printf("%d of %d cases passed\n", len(res)-failed, len(res))
	if failed > 0 {
		fmt.Fprintln(os.Stderr, "trafficsim: devicetest: the device does not conform")
		return exitError(1)
	}
	return nil
}
