package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/trafficsim/trafficsim/sim/farm"
	simrun "github.com/trafficsim/trafficsim/sim/run"
	"github.com/trafficsim/trafficsim/viz/web"
)

func init() {
	register(command{name: "cameras", summary: "run a camera farm (RTSP) from a clip library until interrupted", run: runCameras})
}

func runCameras(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("cameras", flag.ContinueOnError)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "usage: trafficsim cameras --library DIR --cameras N [--listen ADDR] [--faults SPEC] [--out cameras.json]")
		fmt.Fprintln(w, "Serves N cameras at rtsp://ADDR/cam/<id> until interrupted and writes cameras.json for the devices.")
		fmt.Fprintln(w, "Faults, comma-separated kind[:args][@all|@N%|@camera-id]: disconnect:D/T, reboot:D/T, freeze:D/T,")
		fmt.Fprintln(w, "loss:P%, jitter:D, bitrate:P% (share of each GOP kept), skew:D.")
		fs.PrintDefaults()
	}
	lib := fs.String("library", "", "clip library folder (required)")
	n := fs.Int("cameras", 10, "number of cameras; clips are assigned round-robin")
	listen := fs.String("listen", "127.0.0.1:0", "address of the RTSP server (fast path, TCP)")
	udpListen := fs.String("udp-listen", "127.0.0.1:0", "RTSP address of gortsplib's server for UDP cameras")
	udp := fs.Int("udp", 0, "how many of the cameras are served over UDP by gortsplib's server")
	faults := fs.String("faults", "", "fault spec, e.g. disconnect:10s/60s@10%,loss:2%@cam-003")
	out := fs.String("out", "cameras.json", "where to write cameras.json for the devices")
	seed := fs.Uint64("seed", 1, "seed of credentials, offsets and SSRCs")
	host := fs.String("host", "", "host name to put in camera URLs [the listen address]")
	noAuth := fs.Bool("no-auth", false, "serve without digest authentication")
	natsURL := fs.String("truth-nats", "", "NATS URL to publish the truth timeline to (truth account)")
	natsUser := fs.String("truth-user", "", "NATS user of the truth account")
	natsPass := fs.String("truth-pass", "", "its password")
	record := fs.String("record", "", "folder to write truth.jsonl, faults.jsonl and delivery.jsonl to (run-record layout)")
	every := fs.Duration("status", time.Second, "interval of the status line")
	onvifListen := fs.String("onvif", "", "serve the cameras as ONVIF cameras on this address (e.g. 0.0.0.0:8080), with WS-Discovery")
	shardSpec := fs.String("shard", "", "serve shard i/N of the cameras (ids of the whole run, e.g. cam-251..cam-500 of 1000 for 1/4) [JOB_COMPLETION_INDEX/TRAFFICSIM_SHARDS, else 0/1]")
	onvifIface := fs.String("onvif-iface", "", "network interface for WS-Discovery multicast [the routing table's choice]")
	ui := fs.String("ui", "", "serve the live wall of cameras on this address (host:port); with --record, truth too")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError(2)
	}
	if *lib == "" {
		return usagef("cameras: --library is required")
	}
	if *n < 1 || *udp < 0 || *udp > *n {
		return usagef("cameras: --cameras must be >= 1 and --udp within 0..%d", *n)
	}
	shard, err := simrun.ParseShard(*shardSpec, os.Getenv)
	if err != nil {
		return usagef("cameras: %v", err)
	}
	fl, err := farm.ParseFaults(*faults)
	if err != nil {
		return err
	}
	clips, err := farm.Clips(*lib)
	if err != nil {
		return err
	}
	cfg := farm.Config{Library: *lib, Listen: *listen, UDPListen: *udpListen, Host: *host, Faults: fl, Seed: *seed, NoAuth: *noAuth}
	if *natsURL != "" {
		sink, err := farm.DialNATSSink(farm.NATSSinkConfig{URL: *natsURL, User: *natsUser, Password: *natsPass,
			OnError: func(err error) { fmt.Fprintln(os.Stderr, err) }})
		if err != nil {
			return err
		}
		defer sink.Close()
		cfg.Sink = sink
	}
	var sinks farm.Sinks
	if cfg.Sink != nil {
		sinks = append(sinks, cfg.Sink)
	}
	if *record != "" {
		if err := os.MkdirAll(*record, 0o755); err != nil {
			return err
		}
		var files [3]*os.File
		for i, name := range []string{"truth.jsonl", "faults.jsonl", "delivery.jsonl"} {
			fh, err := os.OpenFile(filepath.Join(*record, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if err != nil {
				return err
			}
			defer fh.Close()
			files[i] = fh
		}
		sinks = append(sinks, farm.NewJSONLSink(files[0], files[1], files[2]))
	}
	if len(sinks) > 0 {
		cfg.Sink = sinks
	}
	f := farm.New(cfg)
	lo, hi := shard.Cameras(*n)
	for i := lo; i < hi; i++ {
		tr := farm.TransportTCP
		if i >= *n-*udp {
			tr = farm.TransportUDP
		}
		if _, err := f.AddCamera(farm.CameraSpec{ID: simrun.CameraID(i), Clip: clips[i%len(clips)], Transport: tr}); err != nil {
			return err
		}
	}
	if err := f.Start(ctx); err != nil {
		return err
	}
	defer f.Close()
	b, _ := json.MarshalIndent(f.Deployment(), "", "  ")
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "cameras: %d cameras at rtsp://%s/cam/<id> (%d clips); wrote %s\n", *n, f.Addr(), len(clips), *out)
	if *onvifListen != "" {
		o, err := startONVIF(ctx, f, *onvifListen, *onvifIface, *host)
		if err != nil {
			return err
		}
		defer o.Close()
	}
	if *ui != "" {
		if err := startUI(ctx, *ui, web.Config{Dir: *record, Playheads: f.Playheads, Stats: f.Stats}); err != nil {
			return err
		}
	}
	if a := f.UDPAddr(); a != nil {
		fmt.Fprintf(os.Stderr, "cameras: %d UDP cameras at rtsp://%s/cam/<id> (gortsplib server)\n", *udp, a)
	}
	t := time.NewTicker(*every)
	defer t.Stop()
	var lastBytes int64
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(os.Stderr)
			return nil
		case now := <-t.C:
			lastBytes = statusLine(os.Stderr, f.Stats(), lastBytes, now.Sub(last))
			last = now
		}
	}
}

// statusLine prints one live line of cameras, readers, bitrate and lateness; it returns the
// byte total for the next rate.
func statusLine(w io.Writer, st []farm.CameraStats, lastBytes int64, dt time.Duration) int64 {
	var readers, bytes, skipped int64
	var lateMean, lateMax time.Duration
	for _, s := range st {
		readers += s.Readers
		bytes += s.Bytes
		skipped += s.Skipped
		lateMean += s.LateMean
		lateMax = max(lateMax, s.LateMax)
	}
	if len(st) > 0 {
		lateMean /= time.Duration(len(st))
	}
	mbps := float64(bytes-lastBytes) * 8 / dt.Seconds() / 1e6
	fmt.Fprintf(w, "\rcameras %d  readers %d  %.1f Mbit/s  lateness mean %v max %v  skipped %d   ",
		len(st), readers, mbps, lateMean.Round(10*time.Microsecond), lateMax.Round(10*time.Microsecond), skipped)
	return bytes
}
