package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/sim/cluster"
	"github.com/trafficsim/trafficsim/wire"
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
	id := fs.String("id", "", "cluster id (letters, digits, _ and -)")
	dataDir := fs.String("data", "", "data directory: JetStream store and evidence (default runs/cluster-<id>)")
	leaf := fs.String("center-leaf", "", "the center's leaf node URL (nats-leaf://host:port)")
	natsURL := fs.String("nats", "", "external NATS URL to publish to instead of the center's leaf node")
	user := fs.String("user", "", "NATS user: the cluster's leaf user at the center, or a devices' account user of --nats (default the id)")
	pass := fs.String("pass", os.Getenv("TRAFFICSIM_CLUSTER_PASS"), "NATS password (default $TRAFFICSIM_CLUSTER_PASS)")
	listen := fs.String("listen", "127.0.0.1:8500", "ingest listener: POST /v1/events")
	natsListen := fs.String("nats-listen", "", "NATS listener of the cluster's server where devices publish traffic.events.<camera> (user <name>, password <token>); default none")
	devices := deviceFlags{}
	fs.Var(devices, "device-token", "a device or smart camera reporting here and its bearer token, name=token (repeatable)")
	syncAlways := fs.Bool("sync-always", false, "fsync every write of the cluster's JetStream store (power-cut safe, slower)")
	camerasFile := fs.String("cameras", "", "cameras.json (wire.Deployment) of the cameras this cluster analyses with reference devices")
	perWorker := fs.Int("cameras-per-device", 8, "cameras per reference device worker")
	every := fs.Duration("stats-every", 10*time.Second, "print the counters this often (0: only at the end)")
	var vendorFiles vendorFlag
	fs.Var(&vendorFiles, "vendor", "a vendor's event mapping (YAML, docs/vendors.md): its box posts to /v1/vendor/<name> or MQTT (repeatable)")
	mqttListen := fs.String("mqtt-listen", "", "MQTT listener for vendors' boxes (nats-server's MQTT, user <device>, password <token>); default none")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError(2)
	}
	if fs.NArg() > 0 {
		return usagef("cluster: unexpected argument %q", fs.Arg(0))
	}
	if *dataDir == "" && *id != "" {
		*dataDir = "runs/cluster-" + *id
	}
	if *user == "" {
		*user = *id
	}
	var cams []wire.Calibration
	if *camerasFile != "" {
		b, err := os.ReadFile(*camerasFile)
		if err != nil {
			return err
		}
		var dep wire.Deployment
		if err := json.Unmarshal(b, &dep); err != nil {
			return fmt.Errorf("--cameras %s: %w", *camerasFile, err)
		}
		cams = dep.Cameras
	}
	c, err := cluster.New(cluster.Config{ID: *id, DataDir: *dataDir, Listen: *listen, NATSListen: *natsListen, Tokens: devices,
		SyncAlways: *syncAlways, Upstream: cluster.Upstream{LeafURL: *leaf, NATSURL: *natsURL, User: *user, Pass: *pass},
		Cameras: cams, CamerasPerWorker: *perWorker, Vendors: vendorFiles.vendors, MQTTListen: *mqttListen})
	if err != nil {
		return err
	}
	startCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := c.Start(startCtx); err != nil {
		return err
	}
	up := *leaf
	if up == "" {
		up = *natsURL
	}
	st := c.Stats()
	fmt.Fprintf(clusterOut, "cluster %s: data %s (%d events waiting)\n", *id, *dataDir, st.Pending)
	fmt.Fprintf(clusterOut, "cluster %s: ingest %s/v1/events\n", *id, c.URL())
	if u := c.NATSURL(); u != "" {
		fmt.Fprintf(clusterOut, "cluster %s: nats %s (devices: user <name>, password <token>)\n", *id, u)
	}
	fmt.Fprintf(clusterOut, "cluster %s: upstream %s as %s\n", *id, up, *user)
	fmt.Fprintf(clusterOut, "cluster %s: devices %s (the center must know each); %d cameras on %d reference devices\n",
		*id, strings.Join(c.Devices(), ", "), len(cams), c.Stats().WorkersRunning)
	printStats := func() {
		st := c.Stats()
		state := "down"
		if st.UplinkUp {
			state = "up"
		}
		fmt.Fprintf(clusterOut, "cluster %s: received %d, duplicate %d, refused %d, forwarded %d, pending %d, uplink %s\n",
			*id, st.Received, st.Duplicate, st.Refused, st.Forwarded, st.Pending, state)
	}
	var tick <-chan time.Time
	if *every > 0 {
		t := time.NewTicker(*every)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-tick:
			printStats()
		case <-ctx.Done():
			printStats()
			return c.Close()
		}
	}
}
