package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/trafficsim/trafficsim/results/conform"
	"github.com/trafficsim/trafficsim/results/record"
	"github.com/trafficsim/trafficsim/results/seal"
	"github.com/trafficsim/trafficsim/results/sign"
	"github.com/trafficsim/trafficsim/scenarios"
	"github.com/trafficsim/trafficsim/sim/suite"
	"github.com/trafficsim/trafficsim/synth/render"
	"github.com/trafficsim/trafficsim/synth/world"
)

func init() {
	register(command{name: "conformity", summary: "conformity suites: plan, keygen, seal, run, check (sealed seeds, signed scorecards)", run: runConformity})
}

const conformityUsage = `usage: trafficsim conformity <plan|keygen|seal|run|check> [flags]

  plan    how many camera-minutes of which scenarios a profile's checks need
  keygen  make the operator's ed25519 key pair (NAME.key, NAME.pub)
  seal    draw a suite's secret seeds and print the commitment to publish before the test
  run     run a suite with its sealed seeds into one scorecard folder (signed with --key)
  check   after the test: check revealed seeds against the commitment and re-run the truth
`

func runConformity(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Print(conformityUsage)
		if len(args) == 0 {
			return exitError(2)
		}
		return nil
	}
	sub := map[string]func(context.Context, []string) error{"plan": conformityPlan, "keygen": conformityKeygen,
		"seal": conformitySeal, "run": conformityRun, "check": conformityCheck}[args[0]]
	if sub == nil {
		fmt.Fprintf(os.Stderr, "trafficsim conformity: unknown subcommand %q\n%s", args[0], conformityUsage)
		return exitError(2)
	}
	return sub(ctx, args[1:])
}

// parseFlags parses a subcommand's flags: nil, or the exit error to return.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitError(0)
		}
		return exitError(2)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "trafficsim %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return exitError(2)
	}
	return nil
}

// sealVersion is what a commitment binds besides seeds and suite: trafficsim's build and the
// world model's truth version (the same seeds must make the same truth).
func sealVersion() string {
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				v += " " + s.Value
			}
		}
	}
	return "trafficsim " + v + " " + world.Version
}

func conformityKeygen(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("conformity keygen", flag.ContinueOnError)
	out := fs.String("out", "operator", "key pair path without extension: writes OUT.key (secret) and OUT.pub")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, err := os.Stat(*out + ".key"); err == nil {
		return fmt.Errorf("conformity keygen: %s.key exists; not overwriting a key", *out)
	}
	if _, err := sign.GenerateKey(*out); err != nil {
		return err
	}
	fmt.Printf("wrote %s.key (keep it secret) and %s.pub (publish it)\n", *out, *out)
	return nil
}

func conformitySeal(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("conformity seal", flag.ContinueOnError)
	file := fs.String("suite", "", "suite file (required)")
	out := fs.String("out", "", "folder for seeds.json (secret until the test ends) and commitment.txt (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *file == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "trafficsim conformity seal: --suite and --out are required")
		return exitError(2)
	}
	s, src, err := suite.Load(*file)
	if err != nil {
		return err
	}
	seeds, err := seal.New(s.Slots(), sealVersion())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := seal.Write(filepath.Join(*out, "seeds.json"), seeds); err != nil {
		return err
	}
	c := seal.Commit(seeds, src)
	if err := os.WriteFile(filepath.Join(*out, "commitment.txt"), []byte(c+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Printf("commitment %s\n%d sealed seeds in %s: keep it secret until the test ends; publish the commitment now\n", c, s.Slots(), filepath.Join(*out, "seeds.json"))
	return nil
}

// readCommitment takes a commitment or a file holding one.
func readCommitment(v string) string {
	if b, err := os.ReadFile(v); err == nil {
		return strings.TrimSpace(string(b))
	}
	return strings.TrimSpace(v)
}

func conformityRun(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("conformity run", flag.ContinueOnError)
	file := fs.String("suite", "", "suite file (required)")
	seedsFile := fs.String("seeds", "", "the sealed seeds.json (required)")
	commitment := fs.String("commitment", "", "the published commitment, or commitment.txt (required: the run refuses other seeds)")
	out := fs.String("out", "", "scorecard folder (required)")
	key := fs.String("key", "", "operator's private key: sign the scorecard folder")
	shard := fs.String("shard", "", "run one shard of the cells, I/N (cell i runs in shard i mod N)")
	lib := fs.String("library", ".cache/clips", "clip library of the cells' runs (device reference or external)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *file == "" || *seedsFile == "" || *commitment == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "trafficsim conformity run: --suite, --seeds, --commitment and --out are required")
		return exitError(2)
	}
	var sh suite.Shard
	if *shard != "" {
		i, n, ok := strings.Cut(*shard, "/")
		a, e1 := strconv.Atoi(i)
		b, e2 := strconv.Atoi(n)
		if !ok || e1 != nil || e2 != nil || b < 1 || a < 0 || a >= b {
			return fmt.Errorf("--shard %q: want I/N with 0 <= I < N", *shard)
		}
		sh = suite.Shard{Index: a, Of: b}
	}
	s, src, err := suite.Load(*file)
	if err != nil {
		return err
	}
	seeds, err := seal.Load(*seedsFile)
	if err != nil {
		return err
	}
	c := readCommitment(*commitment)
	if err := seal.Check(seeds, src, c); err != nil {
		return err
	}
	var priv []byte
	if *key != "" {
		k, err := sign.LoadPrivate(*key)
		if err != nil {
			return err
		}
		priv = k
	}
	start := time.Now()
	r, err := runSuite(ctx, s, seeds.Seeds, sh, suite.Options{Runs: filepath.Join(*out, "runs"), Library: *lib,
		Logf: log.New(os.Stderr, "conformity: ", 0).Printf, Progress: os.Stderr})
	if err != nil {
		return err
	}
	files, err := suite.Save(*out, s, r)
	if err != nil {
		return err
	}
	if err := suite.WriteScorecard(os.Stdout, s, r); err != nil {
		return err
	}
	fmt.Printf("scorecard        %s (%d cell runs in %s)\n", filepath.Join(*out, suite.ScorecardFile), len(r.Cells), time.Since(start).Round(time.Millisecond))
	if priv != nil {
		inputs, err := suite.InputHashes(s)
		if err != nil {
			return err
		}
		sum, _ := sign.HashFile(*file)
		m := sign.Manifest{Version: sealVersion(), Suite: sum, Commitment: c, Inputs: inputs}
		if err := sign.Sign(*out, files, m, priv); err != nil {
			return err
		}
		fmt.Printf("signed           %s\n", filepath.Join(*out, sign.File))
	}
	switch suite.Outcome(r) {
	case conform.DoesNot:
		return exitError(1)
	case conform.NotDecided:
		return exitError(3)
	}
	return nil
}

// runSuite runs the cells; whole runs render their clips on the main goroutine (render.Main).
func runSuite(ctx context.Context, s *suite.Suite, seeds []uint64, sh suite.Shard, o suite.Options) (r *suite.Result, err error) {
	if s.Device == suite.DeviceSmartcam {
		return suite.Run(ctx, s, seeds, sh)
	}
	err = render.Main(func() error {
		r, err = suite.RunWith(ctx, s, seeds, sh, o)
		return err
	})
	return r, err
}

func conformityCheck(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("conformity check", flag.ContinueOnError)
	file := fs.String("suite", "", "suite file (required)")
	seedsFile := fs.String("seeds", "", "the revealed seeds.json (required)")
	commitment := fs.String("commitment", "", "the commitment published before the test, or a file holding it (required)")
	card := fs.String("scorecard", "", "scorecard folder: re-run each cell's truth from the revealed seeds and compare")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *file == "" || *seedsFile == "" || *commitment == "" {
		fmt.Fprintln(os.Stderr, "trafficsim conformity check: --suite, --seeds and --commitment are required")
		return exitError(2)
	}
	s, src, err := suite.Load(*file)
	if err != nil {
		return err
	}
	seeds, err := seal.Load(*seedsFile)
	if err != nil {
		return err
	}
	if err := seal.Check(seeds, src, readCommitment(*commitment)); err != nil {
		return err
	}
	fmt.Printf("commitment       ok: %d seeds, suite %s, %s\n", len(seeds.Seeds), *file, seeds.Version)
	if seeds.Version != sealVersion() {
		fmt.Printf("note             sealed with %s; this is %s: the truth may differ\n", seeds.Version, sealVersion())
	}
	if *card != "" {
		r, err := suite.LoadResult(*card)
		if err != nil {
			return err
		}
		if err := suite.CheckTruth(s, seeds.Seeds, r); err != nil {
			return err
		}
		fmt.Printf("truth            ok: %d cell runs re-run from the revealed seeds give the truth scored\n", len(r.Cells))
	}
	return nil
}

func conformityPlan(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("conformity plan", flag.ContinueOnError)
	profile := fs.String("profile", "", "conformity profile (default: embedded)")
	width := fs.Float64("width", 0.10, "largest width of each check's 95% interval")
	recall := fs.Float64("recall", 0.9, "share of truths the device detects (plates are read on detected vehicles)")
	minutes := fs.Duration("measure", 5*time.Minute, "simulated time per scenario to measure its truths per camera-minute")
	names := fs.String("scenarios", strings.Join(scenarios.Names(), ","), "scenarios to measure")
	from := fs.String("from", "", "a run folder: plan at its measured values (and say what decides each check)")
	assume := fs.String("assume", "", "measured values, e.g. f1.speeding=0.8,plate_accuracy.night=0.85,speed=0.97 (speed: share of speed readings within tolerance; override --from)")
	speedLimit := fs.Float64("speed-within", 0.95, "share of speed readings that must be within tolerance (the suite's speed.within)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *width <= 0 || *width >= 1 || *recall <= 0 || *recall > 1 {
		return fmt.Errorf("conformity plan: --width must be within (0, 1) and --recall within (0, 1]")
	}
	prof := conform.Default()
	if *profile != "" {
		var err error
		if prof, err = conform.Load(*profile); err != nil {
			return err
		}
	}
	vals := map[string]float64{}
	if *from != "" {
		rec, err := record.Open(*from)
		if err != nil {
			return err
		}
		sc := summary(rec)
		for _, v := range prof.Evaluate(sc) {
			if v.Status != conform.NoData && conform.IsRate(v.Metric) {
				vals[v.Metric] = v.Value
			}
		}
	}
	for _, kv := range strings.Split(*assume, ",") {
		if strings.TrimSpace(kv) == "" {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		x, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil || x < 0 || x > 1 || !conform.IsRate(k) && k != "speed" {
			return fmt.Errorf("--assume %q: want rate=value with a value from 0 to 1", kv)
		}
		vals[k] = x
	}
	var rates []suite.Rates
	for _, n := range strings.Split(*names, ",") {
		r, err := suite.Measure(strings.TrimSpace(n), *minutes)
		if err != nil {
			return err
		}
		rates = append(rates, r)
	}
	rows := append(suite.Plan(prof, rates, *width, *recall, vals), suite.PlanSpeed(rates, *width, *recall, vals["speed"], *speedLimit)...)
	return suite.WritePlan(os.Stdout, rows, rates, *width)
}
