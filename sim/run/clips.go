package run

// This file is stage 1 of a run, and all of `trafficsim synth`: the clips of a scenario, found
// in the clip library or synthesised (world, renderer, encoder). Both name a clip by the same
// key made from resolved values, so they share the cache whichever flags were given.

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/trafficsim/trafficsim/scenarios"
	"github.com/trafficsim/trafficsim/synth/clips"
	"github.com/trafficsim/trafficsim/synth/encode"
	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/synth/world"
	"github.com/trafficsim/trafficsim/wire"
)

// Encode is the clip encoding of a run, the same as `trafficsim synth` by default so both share
// the clip cache.
var Encode = encode.Options{BitrateKbps: 2000, Profile: "main"}

// clipSpec is clip k of a scenario, resolved: the world of seed+k seen by ClipCamera(k).
type clipSpec struct {
	sc   *scenarios.Scenario
	k    int
	seed uint64         // the world's seed: the scenario's (or the given) seed + k
	dur  time.Duration  // the clip's length: the given one, else the scenario's
	enc  encode.Options // the given encoding, in the scenario's codec
	key  string         // its content hash in the clip library
}

// clipSpecs resolves n clips of a scenario whose file holds src: a zero seed is the scenario's,
// a zero duration the scenario's, the codec the scenario's. The key is made from these resolved
// values only, never from how they were given.
func clipSpecs(sc *scenarios.Scenario, src []byte, seed uint64, dur time.Duration, n int, enc encode.Options) []clipSpec {
	seed = sc.SeedOr(seed)
	if dur == 0 {
		dur = sc.Duration
	}
	if enc.Codec == "" {
		enc.Codec = sc.Codec
	}
	specs := make([]clipSpec, n)
	for k := range specs {
		s := clipSpec{sc: sc, k: k, seed: seed + uint64(k), dur: dur, enc: enc}
		s.key = clips.Key(src, s.seed, s.dur.Seconds(), k, s.enc)
		specs[k] = s
	}
	return specs
}

// truth runs the world for the clip.
func (s clipSpec) truth() (*wire.Truth, *wire.Calibration, error) {
	return world.Generate(s.sc, world.Options{Seed: s.seed, Duration: s.dur, Camera: ClipCamera(s.k)})
}

// clipStage finds or synthesises the clips of a run.
func clipStage(ctx context.Context, c *resolved, res *Result, b *bars) ([]*library.Clip, error) {
	t0 := c.TimeNow()
	made, err := makeClips(ctx, c, b.p)
	res.ClipTime = c.TimeNow().Sub(t0)
	if err != nil {
		return nil, err
	}
	for _, m := range made {
		res.Clips = append(res.Clips, m.Dir)
	}
	c.Logf("%d clips of %v ready in %v (library %s)", len(made), c.ClipDuration, res.ClipTime.Round(100*time.Millisecond), c.Library)
	return made, ctx.Err()
}

// makeClips finds or synthesises the clips of a run, one after another, with a bar per clip
// that has to be rendered.
func makeClips(ctx context.Context, c *resolved, p *mpb.Progress) ([]*library.Clip, error) {
	var made []*library.Clip
	for _, s := range runClips(c) {
		if cl, ok := clips.Cached(c.Library, s.key); ok {
			made = append(made, cl)
			continue
		}
		tr, cal, err := s.truth()
		if err != nil {
			return nil, err
		}
		var bar *mpb.Bar
		if p != nil {
			bar = p.AddBar(int64(len(tr.Frames)),
				mpb.PrependDecorators(decor.Name(fmt.Sprintf("clip %d/%d  ", s.k+1, c.Clips), decor.WCSyncSpaceR), decor.CountersNoUnit("%d/%d frames", decor.WCSyncSpace)),
				mpb.AppendDecorators(decor.AverageSpeed(nil, "%.0f fps", decor.WCSyncSpace), decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO)))
		}
		cl, _, err := clips.Make(ctx, clips.Job{Root: c.Library, ID: s.key, Truth: tr, Calibration: cal, Encode: s.enc},
			func(done, _ int) {
				if bar != nil {
					bar.SetCurrent(int64(done))
				}
			})
		if err != nil {
			if bar != nil {
				bar.Abort(false)
			}
			return nil, fmt.Errorf("run: clip %d of %s: %w", s.k+1, c.sc.Name, err)
		}
		if bar != nil {
			bar.SetTotal(-1, true)
		}
		made = append(made, cl)
	}
	return made, nil
}

// SynthConfig is what `trafficsim synth` makes: clips 0..Clips-1 of a scenario, as a run with
// the same scenario, seed and clip duration plays them.
type SynthConfig struct {
	Scenario string         // a shipped scenario name or a YAML file
	Seed     uint64         // clip k uses Seed+k [the scenario's seed]
	Duration time.Duration  // clip length [the scenario's duration]
	Clips    int            // how many clips
	Library  string         // the clip library folder
	Preview  string         // also write every frame as PNG into this folder [none]
	Encode   encode.Options // the encoding [Encode, in the scenario's codec]
}

// Synth makes the clips one after another (the renderer is one thread; each clip's encoder runs
// beside it) with a progress bar per clip and one for the total on out, then lists them there.
// Call it inside render.Main.
func Synth(ctx context.Context, cfg SynthConfig, out io.Writer) error {
	p := mpb.NewWithContext(ctx, mpb.WithOutput(out), mpb.WithWidth(32), mpb.WithRefreshRate(200*time.Millisecond))
	// the total is an estimate until every truth is known
	total := p.AddBar(int64(cfg.Clips),
		mpb.PrependDecorators(decor.Name("total     ", decor.WCSyncSpaceR), decor.CountersNoUnit("%d/%d frames", decor.WCSyncSpace)),
		mpb.AppendDecorators(decor.AverageSpeed(nil, "%.0f fps", decor.WCSyncSpace), decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO)))
	made, err := synthClips(ctx, cfg, p, total)
	if err != nil {
		total.Abort(false)
	}
	p.Wait()
	for _, c := range made {
		fmt.Fprintf(out, "%s  %s seed %d, %d frames %dx%d @ %g fps, %s\n", c.Dir, c.Meta.Scenario, c.Meta.Seed, c.Meta.Frames, c.Meta.Width, c.Meta.Height, c.Meta.FPS, c.Meta.Conditions)
	}
	return err
}

// synthClips makes the clips of Synth; it returns those made before an error too.
func synthClips(ctx context.Context, cfg SynthConfig, p *mpb.Progress, total *mpb.Bar) ([]*library.Clip, error) {
	specs, err := synthClipSpecs(cfg)
	if err != nil {
		return nil, err
	}
	var made []*library.Clip
	known := 0
	for _, s := range specs {
		// the cache is checked before the world runs: a 10-minute truth takes a while
		if c, ok := clips.Cached(cfg.Library, s.key); ok {
			known += c.Meta.Frames
			total.SetTotal(int64(known+c.Meta.Frames*(cfg.Clips-s.k-1)), false)
			total.IncrBy(c.Meta.Frames)
			made = append(made, c)
			continue
		}
		tr, cal, err := s.truth()
		if err != nil {
			return made, err
		}
		n := len(tr.Frames)
		known += n
		total.SetTotal(int64(known+n*(cfg.Clips-s.k-1)), false)
		bar := p.AddBar(int64(n),
			mpb.PrependDecorators(decor.Name(fmt.Sprintf("%-10s", tr.Camera), decor.WCSyncSpaceR), decor.CountersNoUnit("%d/%d frames", decor.WCSyncSpace)),
			mpb.AppendDecorators(decor.AverageSpeed(nil, "%.0f fps", decor.WCSyncSpace), decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO)),
			mpb.BarRemoveOnComplete())
		last := 0
		c, _, err := clips.Make(ctx, clips.Job{Root: cfg.Library, ID: s.key, Truth: tr, Calibration: cal, Encode: s.enc, Preview: cfg.Preview},
			func(done, _ int) {
				bar.SetCurrent(int64(done))
				total.IncrBy(done - last)
				last = done
			})
		if err != nil {
			bar.Abort(true)
			return made, err
		}
		made = append(made, c)
	}
	return made, nil
}

// runClips resolves the clips of a run.
func runClips(c *resolved) []clipSpec {
	return clipSpecs(c.sc, c.src, c.Seed, c.ClipDuration, c.Clips, Encode)
}

// synthClipSpecs resolves the clips of Synth; the error says what is wrong with the scenario.
func synthClipSpecs(cfg SynthConfig) ([]clipSpec, error) {
	src, err := scenarioSource(cfg.Scenario)
	if err != nil {
		return nil, fmt.Errorf("synth: scenario %q is neither a shipped name (%s) nor a readable file", cfg.Scenario, strings.Join(scenarios.Names(), ", "))
	}
	sc, err := scenarios.Lookup(cfg.Scenario)
	if err != nil {
		return nil, err
	}
	enc := cfg.Encode
	if enc.BitrateKbps == 0 {
		enc.BitrateKbps = Encode.BitrateKbps
	}
	if enc.Profile == "" {
		enc.Profile = Encode.Profile
	}
	return clipSpecs(sc, src, cfg.Seed, cfg.Duration, cfg.Clips, enc), nil
}

// ClipKeys returns the clip library keys (the clips' folder names) of the clips a run with cfg
// plays.
func ClipKeys(cfg Config) ([]string, error) {
	c, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	return keys(runClips(c)), nil
}

// Keys returns the clip library keys (the clips' folder names) of the clips Synth makes.
func (cfg SynthConfig) Keys() ([]string, error) {
	specs, err := synthClipSpecs(cfg)
	return keys(specs), err
}

func keys(specs []clipSpec) []string {
	ks := make([]string, len(specs))
	for i, s := range specs {
		ks[i] = s.key
	}
	return ks
}

// ClipsConfig names clips 0..Clips-1 of a scenario in a clip library, as a run plays them.
type ClipsConfig struct {
	Scenario string        // a shipped scenario name or a YAML file
	Seed     uint64        // clip k uses Seed+k [the scenario's seed]
	Duration time.Duration // clip length [the scenario's duration]
	Clips    int
	Library  string
	Logf     func(format string, args ...any) // says which clips it renders [discarded]
}

// FindClips returns the folders of the clips, synthesising the missing ones (no progress
// bars), with the keys `trafficsim run` and `trafficsim synth` give them. Call it inside
// render.Main.
func FindClips(ctx context.Context, cfg ClipsConfig) ([]string, error) {
	src, err := scenarioSource(cfg.Scenario)
	if err != nil {
		return nil, err
	}
	sc, err := scenarios.Lookup(cfg.Scenario)
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, s := range clipSpecs(sc, src, cfg.Seed, cfg.Duration, cfg.Clips, Encode) {
		if cl, ok := clips.Cached(cfg.Library, s.key); ok {
			dirs = append(dirs, cl.Dir)
			continue
		}
		if cfg.Logf != nil {
			cfg.Logf("rendering clip %d/%d of %s (%v)", s.k+1, cfg.Clips, sc.Name, s.dur)
		}
		tr, cal, err := s.truth()
		if err != nil {
			return nil, err
		}
		cl, _, err := clips.Make(ctx, clips.Job{Root: cfg.Library, ID: s.key, Truth: tr, Calibration: cal, Encode: s.enc}, nil)
		if err != nil {
			return nil, fmt.Errorf("clip %d of %s: %w", s.k+1, sc.Name, err)
		}
		dirs = append(dirs, cl.Dir)
	}
	return dirs, nil
}
