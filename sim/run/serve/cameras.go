package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/sim/onvif"
	"github.com/trafficsim/trafficsim/sim/run"
)

// CamerasConfig is a camera farm on its own. farm.Config's Library, Listen, UDPListen, Host,
// Seed and NoAuth are used as they are; Cameras sets Faults and Sink.
type CamerasConfig struct {
	farm.Config
	Cameras int       // how many cameras, run.CameraID(i), playing the library's clips in turn
	UDP     int       // how many of them (the last ones) gortsplib's server serves over UDP
	Shard   run.Shard // serve only this shard's cameras
	Faults  string    // a fault spec (farm.ParseFaults)
	// TruthNATS, TruthUser and TruthPass publish the truth timeline to a center's truth
	// account [none].
	TruthNATS, TruthUser, TruthPass string
	Record                          string        // a folder for truth.jsonl, faults.jsonl and delivery.jsonl [none]
	Out                             string        // where to write cameras.json for the devices
	Status                          time.Duration // how often the status line is printed
	ONVIF, ONVIFInterface           string        // ONVIF services with WS-Discovery on this address [none]
	// OnStart is called once the cameras play (a viewer attaches here) [none].
	OnStart func(ctx context.Context, f *farm.Farm) error
}

// Cameras serves the cameras until ctx ends, writing cameras.json and a status line on out.
func Cameras(ctx context.Context, cfg CamerasConfig, out io.Writer) error {
	fl, err := farm.ParseFaults(cfg.Faults)
	if err != nil {
		return err
	}
	clips, err := farm.Clips(cfg.Library)
	if err != nil {
		return err
	}
	fc := cfg.Config
	fc.Faults = fl
	var sinks farm.Sinks
	if cfg.TruthNATS != "" {
		sink, err := farm.DialNATSSink(farm.NATSSinkConfig{URL: cfg.TruthNATS, User: cfg.TruthUser, Password: cfg.TruthPass,
			OnError: func(err error) { fmt.Fprintln(os.Stderr, err) }})
		if err != nil {
			return err
		}
		defer sink.Close()
		sinks = append(sinks, sink)
	}
	if cfg.Record != "" {
		if err := os.MkdirAll(cfg.Record, 0o755); err != nil {
			return err
		}
		var files [3]*os.File
		for i, name := range []string{"truth.jsonl", "faults.jsonl", "delivery.jsonl"} {
			fh, err := os.OpenFile(filepath.Join(cfg.Record, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if err != nil {
				return err
			}
			defer fh.Close()
			files[i] = fh
		}
		sinks = append(sinks, farm.NewJSONLSink(files[0], files[1], files[2]))
	}
	if len(sinks) > 0 {
		fc.Sink = sinks
	}
	f := farm.New(fc)
	lo, hi := cfg.Shard.Cameras(cfg.Cameras)
	for i := lo; i < hi; i++ {
		tr := farm.TransportTCP
		if i >= cfg.Cameras-cfg.UDP {
			tr = farm.TransportUDP
		}
		if _, err := f.AddCamera(farm.CameraSpec{ID: run.CameraID(i), Clip: clips[i%len(clips)], Transport: tr}); err != nil {
			return err
		}
	}
	if err := f.Start(ctx); err != nil {
		return err
	}
	defer f.Close()
	b, _ := json.MarshalIndent(f.Deployment(), "", "  ")
	if err := os.WriteFile(cfg.Out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "cameras: %d cameras at rtsp://%s/cam/<id> (%d clips); wrote %s\n", cfg.Cameras, f.Addr(), len(clips), cfg.Out)
	if cfg.ONVIF != "" {
		o, err := onvif.New(onvif.Config{Listen: cfg.ONVIF, Host: cfg.Host, Cameras: onvif.FarmCameras(f), Discovery: true, DiscoveryInterface: cfg.ONVIFInterface})
		if err != nil {
			return err
		}
		if err := o.Start(ctx); err != nil {
			return err
		}
		defer o.Close()
		fmt.Fprintf(out, "cameras: ONVIF at http://%s/onvif/<id>/device_service, WS-Discovery on 239.255.255.250:3702\n", o.Addr())
	}
	if cfg.OnStart != nil {
		if err := cfg.OnStart(ctx, f); err != nil {
			return err
		}
	}
	if a := f.UDPAddr(); a != nil {
		fmt.Fprintf(out, "cameras: %d UDP cameras at rtsp://%s/cam/<id> (gortsplib server)\n", cfg.UDP, a)
	}
	t := time.NewTicker(cfg.Status)
	defer t.Stop()
	var lastBytes int64
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(out)
			return nil
		case now := <-t.C:
			lastBytes = statusLine(out, f.Stats(), lastBytes, now.Sub(last))
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
