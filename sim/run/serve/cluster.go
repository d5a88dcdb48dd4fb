package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/sim/cluster"
	"github.com/trafficsim/trafficsim/wire"
)

// ClusterConfig is a regional cluster on its own.
type ClusterConfig struct {
	cluster.Config
	// CamerasFile is cameras.json (wire.Deployment) of the cameras the cluster analyses with
	// reference devices: Config.Cameras [none].
	CamerasFile string
	// StatsEvery is how often the counters are printed [only at the end].
	StatsEvery time.Duration
}

// Cluster runs a regional cluster until ctx ends, saying on out where it listens and, every
// StatsEvery and at the end, what it counted.
func Cluster(ctx context.Context, cfg ClusterConfig, out io.Writer) error {
	id := cfg.ID
	if cfg.DataDir == "" && id != "" {
		cfg.DataDir = "runs/cluster-" + id
	}
	if cfg.Upstream.User == "" {
		cfg.Upstream.User = id
	}
	if cfg.CamerasFile != "" {
		b, err := os.ReadFile(cfg.CamerasFile)
		if err != nil {
			return err
		}
		var dep wire.Deployment
		if err := json.Unmarshal(b, &dep); err != nil {
			return fmt.Errorf("--cameras %s: %w", cfg.CamerasFile, err)
		}
		cfg.Cameras = dep.Cameras
	}
	c, err := cluster.New(cfg.Config)
	if err != nil {
		return err
	}
	startCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := c.Start(startCtx); err != nil {
		return err
	}
	up := cfg.Upstream.LeafURL
	if up == "" {
		up = cfg.Upstream.NATSURL
	}
	st := c.Stats()
	fmt.Fprintf(out, "cluster %s: data %s (%d events waiting)\n", id, cfg.DataDir, st.Pending)
	fmt.Fprintf(out, "cluster %s: ingest %s/v1/events\n", id, c.URL())
	if u := c.NATSURL(); u != "" {
		fmt.Fprintf(out, "cluster %s: nats %s (devices: user <name>, password <token>)\n", id, u)
	}
	fmt.Fprintf(out, "cluster %s: upstream %s as %s\n", id, up, cfg.Upstream.User)
	fmt.Fprintf(out, "cluster %s: devices %s (the center must know each); %d cameras on %d reference devices\n",
		id, strings.Join(c.Devices(), ", "), len(cfg.Cameras), c.Stats().WorkersRunning)
	printStats := func() {
		st := c.Stats()
		state := "down"
		if st.UplinkUp {
			state = "up"
		}
		fmt.Fprintf(out, "cluster %s: received %d, duplicate %d, refused %d, forwarded %d, pending %d, uplink %s\n",
			id, st.Received, st.Duplicate, st.Refused, st.Forwarded, st.Pending, state)
	}
	var tick <-chan time.Time
	if cfg.StatsEvery > 0 {
		t := time.NewTicker(cfg.StatsEvery)
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
