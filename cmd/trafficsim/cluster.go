package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/trafficsim/trafficsim/sim/run/serve"
)

func init() {
	register(command{name: "cluster", summary: "run a regional cluster: event ingest, evidence store, forwarding to the center over NATS", run: runCluster})
}

// clusterOut is where the cluster command prints (tests read the URLs from it).
var clusterOut io.Writer = os.Stdout

func runCluster(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("cluster", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: trafficsim cluster --id ID --data DIR (--center-leaf URL | --nats URL) --user U --pass P [flags]")
		fmt.Fprintln(fs.Output(), "Runs a regional cluster until interrupted. Devices and smart cameras post to <ingest>/v1/events")
		fmt.Fprintln(fs.Output(), "with their bearer token; events are stored under --data and forwarded to the center, through a")
		fmt.Fprintln(fs.Output(), "leaf node connection to its server (or an external NATS server), surviving outages.")
		fs.PrintDefaults()
	}
	var cfg serve.ClusterConfig
	fs.StringVar(&cfg.ID, "id", "", "cluster id (letters, digits, _ and -)")
	fs.StringVar(&cfg.DataDir, "data", "", "data directory: JetStream store and evidence (default runs/cluster-<id>)")
	fs.StringVar(&cfg.Upstream.LeafURL, "center-leaf", "", "the center's leaf node URL (nats-leaf://host:port)")
	fs.StringVar(&cfg.Upstream.NATSURL, "nats", "", "external NATS URL to publish to instead of the center's leaf node")
	fs.StringVar(&cfg.Upstream.User, "user", "", "NATS user: the cluster's leaf user at the center, or a devices' account user of --nats (default the id)")
	fs.StringVar(&cfg.Upstream.Pass, "pass", os.Getenv("TRAFFICSIM_CLUSTER_PASS"), "NATS password (default $TRAFFICSIM_CLUSTER_PASS)")
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:8500", "ingest listener: POST /v1/events")
	fs.StringVar(&cfg.NATSListen, "nats-listen", "", "NATS listener of the cluster's server where devices publish traffic.events.<camera> (user <name>, password <token>); default none")
	devices := deviceFlags{}
	fs.Var(devices, "device-token", "a device or smart camera reporting here and its bearer token, name=token (repeatable)")
	fs.BoolVar(&cfg.SyncAlways, "sync-always", false, "fsync every write of the cluster's JetStream store (power-cut safe, slower)")
	fs.StringVar(&cfg.CamerasFile, "cameras", "", "cameras.json (wire.Deployment) of the cameras this cluster analyses with reference devices")
	fs.IntVar(&cfg.CamerasPerWorker, "cameras-per-device", 8, "cameras per reference device worker")
	fs.DurationVar(&cfg.StatsEvery, "stats-every", 10*time.Second, "print the counters this often (0: only at the end)")
	var vendorFiles vendorFlag
	fs.Var(&vendorFiles, "vendor", "a vendor's event mapping (YAML, docs/vendors.md): its box posts to /v1/vendor/<name> or MQTT (repeatable)")
	fs.StringVar(&cfg.MQTTListen, "mqtt-listen", "", "MQTT listener for vendors' boxes (nats-server's MQTT, user <device>, password <token>); default none")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError(2)
	}
	if fs.NArg() > 0 {
		return usagef("cluster: unexpected argument %q", fs.Arg(0))
	}
	cfg.Tokens, cfg.Vendors = devices, vendorFiles.vendors
	return serve.Cluster(ctx, cfg, clusterOut)
}
