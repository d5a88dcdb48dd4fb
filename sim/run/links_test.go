package run_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trafficsim/trafficsim/scenarios"
	"github.com/trafficsim/trafficsim/sim/netem"
	"github.com/trafficsim/trafficsim/sim/run"
)

// TestRunShapesEachClustersUplink runs 20 smart cameras through two regional clusters, each
// cluster's leaf connection leaving through its own network namespace over a veth of
// 20 Mbit/s with 1% loss each way and a 40 ms round trip (issue 14: a commune's uplink is not
// loopback). Every event a cluster takes reaches the center (none pending, none lost), each
// cluster says which namespace carries its uplink, and no namespace is left after the run.
func TestRunShapesEachClustersUplink(t *testing.T) {
	if why := netem.Available(); why != "" {
		t.Skip(why)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var mu sync.Mutex
	var lines []string
	logf := func(format string, a ...any) {
		mu.Lock()
		lines = append(lines, strings.TrimSpace(fmt.Sprintf(format, a...)))
		mu.Unlock()
		t.Logf(format, a...)
	}
	uplink := &scenarios.Link{Mbps: 20, RTT: 40 * time.Millisecond, Loss: "1%"}
	res, err := run.Run(ctx, run.Config{Scenario: filepath.Join("testdata", "e2e-junction.yaml"), Cameras: 20, SmartShare: 1,
		Clusters: 2, Clips: 2, ClipDuration: 8 * time.Second, Duration: 12 * time.Second, Grace: 2 * time.Second,
		Links: run.Links{NetNS: true, Uplink: uplink},
		Out:   filepath.Join(t.TempDir(), "runs"), ID: "uplinks", Library: library(t), Logf: logf})
	if err != nil {
		t.Fatal(err)
	}
	var namespaces []string
	for _, l := range lines {
		if _, rest, ok := strings.Cut(l, "uplink through namespace "); ok {
			namespaces = append(namespaces, strings.Fields(rest)[0])
		}
	}
	if len(namespaces) != 2 {
		t.Fatalf("%d clusters said their uplink leaves through a namespace, want 2: %q", len(namespaces), namespaces)
	}
	for _, ns := range namespaces {
		if netem.Exists(ns) {
			t.Errorf("namespace %s is left after the run", ns)
		}
	}
	cl := res.Cluster
	if cl.Received == 0 || cl.Forwarded != cl.Received || cl.Pending != 0 {
		t.Errorf("clusters received %d, forwarded %d, %d pending: the uplink lost or held events", cl.Received, cl.Forwarded, cl.Pending)
	}
	if got := int64(res.Center.Events); got != cl.Forwarded {
		t.Errorf("the center took %d events of the %d forwarded", got, cl.Forwarded)
	}
	if len(res.Clusters) != 2 {
		t.Errorf("%d per-cluster rows, want 2", len(res.Clusters))
	}
}

// Namespaces are asked for where they cannot be: a direct run has no cluster to put in one.
func TestRunNetNSRefusesADirectRun(t *testing.T) {
	_, err := run.Run(context.Background(), run.Config{Scenario: filepath.Join("testdata", "e2e-junction.yaml"), Direct: true,
		Links: run.Links{NetNS: true}, Out: t.TempDir(), Library: library(t)})
	want := "run: --netns puts regional clusters in namespaces: a direct run has none"
	if err == nil || err.Error() != want {
		t.Fatalf("%v, want %q", err, want)
	}
}
