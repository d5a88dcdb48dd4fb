package main

import (
	"context"
	"errors"
	"flag"
	"time"

	"github.com/trafficsim/trafficsim/sim/run/serve"
)

func init() {
	register(command{name: "device", summary: "run the reference intermediate device on the cameras of cameras.json", run: runDevCmd})
}

func parseDevCmdFlags(args []string) (serve.DeviceConfig, error) {
	fs := flag.NewFlagSet("device", flag.ContinueOnError)
	var f serve.DeviceConfig
	fs.StringVar(&f.CamerasFile, "cameras", "", "cameras.json (the deployment: streams, credentials, calibration); required")
	fs.StringVar(&f.Events, "events", "", "base URL of the center's events API (POST <url>/v1/events); default: events.http of cameras.json")
	fs.StringVar(&f.Token, "token", "", "bearer token of this device; default: events.token of cameras.json")
	fs.StringVar(&f.QueueDir, "queue", "./runs/device-queue", "edge queue folder (events wait here while the uplink is down)")
	fs.StringVar(&f.ID, "id", "device-1", "device id (the source of its events)")
	fs.DurationVar(&f.Stats, "stats", 10*time.Second, "how often to log counters (0: never)")
	fs.StringVar(&f.StatsJSON, "stats-json", "", "write the device's final counters to this JSON file when it stops")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, usagef("device: unexpected argument %q", fs.Arg(0))
	}
	if f.CamerasFile == "" {
		return f, errors.New("device: --cameras is required")
	}
	return f, nil
}

func runDevCmd(ctx context.Context, args []string) error {
	f, err := parseDevCmdFlags(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	return serve.Device(ctx, f)
}
