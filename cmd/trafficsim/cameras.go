package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/trafficsim/trafficsim/sim/farm"
	simrun "github.com/trafficsim/trafficsim/sim/run"
	"github.com/trafficsim/trafficsim/sim/run/serve"
	"github.com/trafficsim/trafficsim/viz/web"
)

func init() {
	register(command{name: "cameras", summary: "run a camera farm (RTSP) from a clip library until interrupted", run: runCameras})
}

func runCameras(ctx context.Context, args []string) error {
	var cfg serve.CamerasConfig
	fs := flag.NewFlagSet("cameras", flag.ContinueOnError)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "usage: trafficsim cameras --library DIR --cameras N [--listen ADDR] [--faults SPEC] [--out cameras.json]")
		fmt.Fprintln(w, "Serves N cameras at rtsp://ADDR/cam/<id> until interrupted and writes cameras.json for the devices.")
		fmt.Fprintln(w, "Faults, comma-separated kind[:args][@all|@N%|@camera-id]: disconnect:D/T, reboot:D/T, freeze:D/T,")
		fmt.Fprintln(w, "loss:P%, jitter:D, bitrate:P% (share of each GOP kept), skew:D.")
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.Library, "library", "", "clip library folder (required)")
	fs.IntVar(&cfg.Cameras, "cameras", 10, "number of cameras; clips are assigned round-robin")
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:0", "address of the RTSP server (fast path, TCP)")
	fs.StringVar(&cfg.UDPListen, "udp-listen", "127.0.0.1:0", "RTSP address of gortsplib's server for UDP cameras")
	fs.IntVar(&cfg.UDP, "udp", 0, "how many of the cameras are served over UDP by gortsplib's server")
	fs.StringVar(&cfg.Faults, "faults", "", "fault spec, e.g. disconnect:10s/60s@10%,loss:2%@cam-003")
	fs.StringVar(&cfg.Out, "out", "cameras.json", "where to write cameras.json for the devices")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of credentials, offsets and SSRCs")
	fs.StringVar(&cfg.Host, "host", "", "host name to put in camera URLs [the listen address]")
	fs.BoolVar(&cfg.NoAuth, "no-auth", false, "serve without digest authentication")
	fs.StringVar(&cfg.TruthNATS, "truth-nats", "", "NATS URL to publish the truth timeline to (truth account)")
	fs.StringVar(&cfg.TruthUser, "truth-user", "", "NATS user of the truth account")
	fs.StringVar(&cfg.TruthPass, "truth-pass", "", "its password")
	fs.StringVar(&cfg.Record, "record", "", "folder to write truth.jsonl, faults.jsonl and delivery.jsonl to (run-record layout)")
	fs.DurationVar(&cfg.Status, "status", time.Second, "interval of the status line")
	fs.StringVar(&cfg.ONVIF, "onvif", "", "serve the cameras as ONVIF cameras on this address (e.g. 0.0.0.0:8080), with WS-Discovery")
	shardSpec := fs.String("shard", "", "serve shard i/N of the cameras (ids of the whole run, e.g. cam-251..cam-500 of 1000 for 1/4) [JOB_COMPLETION_INDEX/TRAFFICSIM_SHARDS, else 0/1]")
	fs.StringVar(&cfg.ONVIFInterface, "onvif-iface", "", "network interface for WS-Discovery multicast [the routing table's choice]")
	ui := fs.String("ui", "", "serve the live wall of cameras on this address (host:port); with --record, truth too")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError(2)
	}
	if cfg.Library == "" {
		return usagef("cameras: --library is required")
	}
	if cfg.Cameras < 1 || cfg.UDP < 0 || cfg.UDP > cfg.Cameras {
		return usagef("cameras: --cameras must be >= 1 and --udp within 0..%d", cfg.Cameras)
	}
	var err error
	if cfg.Shard, err = simrun.ParseShard(*shardSpec, os.Getenv); err != nil {
		return usagef("cameras: %v", err)
	}
	if *ui != "" {
		cfg.OnStart = func(ctx context.Context, f *farm.Farm) error {
			return startUI(ctx, *ui, web.Config{Dir: cfg.Record, Playheads: f.Playheads, Stats: f.Stats})
		}
	}
	return serve.Cameras(ctx, cfg, os.Stderr)
}
