package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/sim/center"
)

// The scorer and the run record writer of results are what the center feeds.
var (
	_ center.Scorer           = (*results.Live)(nil)
	_ center.DeliveryScorer   = (*results.Live)(nil)
	_ center.Recorder         = (*record.Writer)(nil)
	_ center.DeliveryRecorder = (*record.Writer)(nil)
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
	fs := flag.NewFlagSet("center", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: trafficsim center [flags]")
		fmt.Fprintln(fs.Output(), "Runs a center until interrupted. Devices post to <events>/v1/events with their bearer token or")
		fmt.Fprintln(fs.Output(), "publish on NATS traffic.events.<camera> as user <device id>, password <token>; the farm posts")
		fmt.Fprintln(fs.Output(), "truth to the truth listener or publishes truth.> as user \"truth\", password <truth token>.")
		fs.PrintDefaults()
	}
	dataDir := fs.String("data", "runs/center", "data directory: append-only log and JetStream store (kept across restarts)")
	httpListen := fs.String("http", "127.0.0.1:8400", "device listener: POST /v1/events, GET /metrics")
	truthListen := fs.String("truth", "127.0.0.1:8401", "truth listener: POST /v1/truth, /v1/faults, /v1/delivery, GET /v1/score, /metrics")
	devices := deviceFlags{}
	fs.Var(devices, "device", "a device and its bearer token, id=token (repeatable)")
	tokensFile := fs.String("tokens", "", `JSON file {"<token>": "<device id>", ...} of device tokens`)
	truthToken := fs.String("truth-token", os.Getenv("TRAFFICSIM_TRUTH_TOKEN"), "bearer token of the truth listener (default $TRAFFICSIM_TRUTH_TOKEN, else a random one, printed)")
	natsListen := fs.String("nats-listen", "127.0.0.1:4222", "embedded NATS client listener")
	natsURL := fs.String("nats", "", "external NATS URL with JetStream instead of the embedded server")
	natsEvents := fs.String("nats-events-user", "", "external NATS: user:password in the devices' account")
	natsTruth := fs.String("nats-truth-user", "", "external NATS: user:password in the truth account")
	noNATS := fs.Bool("no-nats", false, "no NATS ingest")
	leafListen := fs.String("leaf-listen", "", "embedded NATS leaf node listener for regional clusters (trafficsim cluster --center-leaf)")
	clusters := deviceFlags{}
	fs.Var(clusters, "cluster", "a regional cluster and its leaf node password, id=password (repeatable)")
	syncAlways := fs.Bool("nats-sync-always", false, "embedded JetStream fsyncs every write")
	syncEach := fs.Bool("sync-each", false, "fsync every HTTP request on its own instead of group commit")
	recordDir := fs.String("record", "", "write a run record (run.json, events/truth/faults/delivery/matches JSONL, summary.json) into this new folder; a folder holding run.json is resumed (restart on the same --data)")
	ownersFile := fs.String("owners", "", `JSON file {"<camera id>": "<device id>", ...}: refuse events for cameras a device does not own`)
	window := fs.Duration("window", results.DefaultWindow, "matching window |t_event - t_truth|")
	grace := fs.Duration("grace", results.DefaultGrace, "how long after wall time + window the live score waits for late events")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError(2)
	}
	if *tokensFile != "" {
		b, err := os.ReadFile(*tokensFile)
		if err != nil {
			return err
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("--tokens %s: %w", *tokensFile, err)
		}
		for tok, id := range m {
			devices[tok] = id
		}
	}
	if *truthToken == "" {
		var b [16]byte
		rand.Read(b[:])
		*truthToken = hex.EncodeToString(b[:])
	}
	cfg := center.Config{DataDir: *dataDir, HTTPListen: *httpListen, TruthListen: *truthListen, Tokens: devices,
		TruthToken: *truthToken, SyncEach: *syncEach,
		NATS: center.NATSConfig{Disable: *noNATS, Listen: *natsListen, URL: *natsURL, SyncAlways: *syncAlways,
			LeafListen: *leafListen, Leafs: clusters}}
	live := results.NewLive(results.Config{Window: *window, Grace: *grace})
	cfg.Scorer = live
	cfg.Score = func(now time.Time) any { return live.Score(now) }
	if *ownersFile != "" {
		b, err := os.ReadFile(*ownersFile)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &cfg.Cameras); err != nil {
			return fmt.Errorf("--owners %s: %w", *ownersFile, err)
		}
	}
	var rec *record.Writer
	if *recordDir != "" {
		var err error
		if _, serr := os.Stat(filepath.Join(*recordDir, record.RunFile)); serr == nil {
			rec, err = record.Resume(*recordDir)
		} else {
			rec, err = record.Create(*recordDir, record.Run{ID: filepath.Base(*recordDir), Start: time.Now().UTC(),
				WindowMs: float64(*window) / 1e6, GraceMs: float64(*grace) / 1e6, Machine: record.ThisMachine(),
				Device: record.Device{Endpoint: *httpListen}})
		}
		if err != nil {
			return err
		}
		live.OnMatch(rec.Match)
		cfg.Recorder = rec
	}
	cfg.NATS.EventsUser, cfg.NATS.EventsPass, _ = strings.Cut(*natsEvents, ":")
	cfg.NATS.TruthUser, cfg.NATS.TruthPass, _ = strings.Cut(*natsTruth, ":")
	c, err := center.New(cfg)
	if err != nil {
		if rec != nil {
			rec.Close()
		}
		return err
	}
	startCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := c.Start(startCtx); err != nil {
		if rec != nil {
			rec.Close()
		}
		return err
	}
	st := c.Stats()
	fmt.Fprintf(centerOut, "center: data %s (%d events held)\n", *dataDir, st.Events)
	fmt.Fprintf(centerOut, "center: events %s/v1/events\n", c.EventsURL())
	fmt.Fprintf(centerOut, "center: truth  %s (token %s)\n", c.TruthURL(), *truthToken)
	if u := c.NATSURL(); u != "" {
		fmt.Fprintf(centerOut, "center: nats   %s (devices: user <device id>, password <token>; truth: user truth)\n", u)
	}
	if u := c.LeafURL(); u != "" {
		fmt.Fprintf(centerOut, "center: leaf   %s (regional clusters: user <cluster id>, password)\n", u)
	}
	ids := make([]string, 0, len(devices))
	for _, id := range devices {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	fmt.Fprintf(centerOut, "center: devices %s\n", strings.Join(ids, ", "))
	<-ctx.Done()
	st = c.Stats()
	fmt.Fprintf(centerOut, "center: stopping: %d events accepted, %d duplicates, %d refused, %d truth, %d faults\n",
		st.EventsAccepted, st.EventsDuplicate, st.Refused, st.TruthAccepted, st.FaultsAccepted)
	err = c.Close() // no more input after this
	if rec != nil {
		end := time.Now().UTC()
		err = errors.Join(err, rec.Finish(end, live.Score(end)), rec.Close())
		fmt.Fprintf(centerOut, "center: run record in %s\n", *recordDir)
	}
	return err
}
