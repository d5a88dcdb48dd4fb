package cluster_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/sim/center"
	"github.com/trafficsim/trafficsim/sim/cluster"
)

// A center with a leaf node listener, a regional cluster connected to it, and a device that
// reports to the cluster: what `trafficsim run` wires for a commune.
func Example() {
	dir, _ := os.MkdirTemp("", "cluster-example")
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// The center knows the cluster (leaf password) and every device behind it (source check).
	ctr, _ := center.New(center.Config{DataDir: dir + "/center", TruthToken: "truth-tok",
		Tokens: map[string]string{"tok-dev-1": "dev-1"},
		NATS:   center.NATSConfig{LeafListen: "127.0.0.1:0", Leafs: map[string]string{"leaf-pw": "commune-1"}}})
	if err := ctr.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	defer ctr.Close()
	user, pass, _ := ctr.LeafCredentials("commune-1")

	cl, _ := cluster.New(cluster.Config{ID: "commune-1", DataDir: dir + "/cluster",
		Tokens:   map[string]string{"dev-tok": "dev-1"},
		Upstream: cluster.Upstream{LeafURL: ctr.LeafURL(), User: user, Pass: pass}})
	if err := cl.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	defer cl.Close()

	// The device is told the cluster's endpoint, not the center's.
	ep, _ := cl.EventsEndpoint("dev-1")
	req, _ := http.NewRequest("POST", ep.HTTP+"/v1/events", strings.NewReader(
		`{"event_id":"e1","camera_id":"cam-1","type":"red_light","time":"2026-11-27T10:00:00.000Z","confidence":0.9,"source":"dev-1"}`))
	req.Header.Set("Authorization", "Bearer "+ep.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println("cluster answered", resp.StatusCode)
	for (ctr.Stats().Events < 1 || cl.Stats().Forwarded < 1) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	st := cl.Stats()
	fmt.Println("at the center:", ctr.Stats().Events, "- forwarded:", st.Forwarded, "- devices:", cl.Devices())
	// Output:
	// cluster answered 202
	// at the center: 1 - forwarded: 1 - devices: [dev-1]
}
