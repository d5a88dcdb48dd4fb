package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/sim/run/serve"
)

func init() {
	register(command{name: "center", summary: "run a center: event ingest (HTTP, NATS), truth ingest, score, metrics", run: runCenter})
}

// deviceFlags collects repeated id=token flags (--device, --cluster, the cluster's --device-token).
type deviceFlags map[string]string // token -> device id

func (d deviceFlags) String() string { return "" }

func (d deviceFlags) Set(v string) error {
	id, tok, ok := strings.Cut(v, "=")
	if !ok || id == "" || tok == "" {
		return errors.New("want id=token")
	}
	d[tok] = id
	return nil
}

// centerOut is where the center command prints (tests read the URLs from it).
var centerOut io.Writer = os.Stdout

func runCenter(ctx context.Context, args []string) error {
	var cfg serve.CenterConfig
	fs := flag.NewFlagSet("center", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: trafficsim center [flags]")
		fmt.Fprintln(fs.Output(), "Runs a center until interrupted. Devices post to <events>/v1/events with their bearer token or")
		fmt.Fprintln(fs.Output(), "publish on NATS traffic.events.<camera> as user <device id>, password <token>; the farm posts")
		fmt.Fprintln(fs.Output(), "truth to the truth listener or publishes truth.> as user \"truth\", password <truth token>.")
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.DataDir, "data", "runs/center", "data directory: append-only log and JetStream store (kept across restarts)")
	fs.StringVar(&cfg.HTTPListen, "http", "127.0.0.1:8400", "device listener: POST /v1/events, GET /metrics")
	fs.StringVar(&cfg.TruthListen, "truth", "127.0.0.1:8401", "truth listener: POST /v1/truth, /v1/faults, /v1/delivery, GET /v1/score, /metrics")
	devices := deviceFlags{}
	fs.Var(devices, "device", "a device and its bearer token, id=token (repeatable)")
	fs.StringVar(&cfg.TokensFile, "tokens", "", `JSON file {"<token>": "<device id>", ...} of device tokens`)
	fs.StringVar(&cfg.TruthToken, "truth-token", os.Getenv("TRAFFICSIM_TRUTH_TOKEN"), "bearer token of the truth listener (default $TRAFFICSIM_TRUTH_TOKEN, else a random one, printed)")
	fs.StringVar(&cfg.NATS.Listen, "nats-listen", "127.0.0.1:4222", "embedded NATS client listener")
	fs.StringVar(&cfg.NATS.URL, "nats", "", "external NATS URL with JetStream instead of the embedded server")
	fs.StringVar(&cfg.NATSEventsUser, "nats-events-user", "", "external NATS: user:password in the devices' account")
	fs.StringVar(&cfg.NATSTruthUser, "nats-truth-user", "", "external NATS: user:password in the truth account")
	fs.BoolVar(&cfg.NATS.Disable, "no-nats", false, "no NATS ingest")
	fs.StringVar(&cfg.NATS.LeafListen, "leaf-listen", "", "embedded NATS leaf node listener for regional clusters (trafficsim cluster --center-leaf)")
	clusters := deviceFlags{}
	fs.Var(clusters, "cluster", "a regional cluster and its leaf node password, id=password (repeatable)")
	fs.BoolVar(&cfg.NATS.SyncAlways, "nats-sync-always", false, "embedded JetStream fsyncs every write")
	fs.BoolVar(&cfg.SyncEach, "sync-each", false, "fsync every HTTP request on its own instead of group commit")
	fs.StringVar(&cfg.RecordDir, "record", "", "write a run record (run.json, events/truth/faults/delivery/matches JSONL, summary.json) into this new folder; a folder holding run.json is resumed (restart on the same --data)")
	fs.StringVar(&cfg.OwnersFile, "owners", "", `JSON file {"<camera id>": "<device id>", ...}: refuse events for cameras a device does not own`)
	fs.DurationVar(&cfg.Window, "window", results.DefaultWindow, "matching window |t_event - t_truth|")
	fs.DurationVar(&cfg.Grace, "grace", results.DefaultGrace, "how long after wall time + window the live score waits for late events")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError(2)
	}
	cfg.Tokens, cfg.NATS.Leafs = devices, clusters
	return serve.Center(ctx, cfg, centerOut)
}
