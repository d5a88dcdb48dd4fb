package serve

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
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

// CenterConfig is a center on its own. Center sets Config's Scorer, Score and Recorder.
type CenterConfig struct {
	center.Config
	// TokensFile is a JSON file {"<token>": "<device id>", ...} added to Tokens [none].
	TokensFile string
	// OwnersFile is a JSON file {"<camera id>": "<device id>", ...}: Config.Cameras [none].
	OwnersFile string
	// NATSEventsUser and NATSTruthUser are user:password of an external NATS's accounts.
	NATSEventsUser, NATSTruthUser string
	// RecordDir is a run record folder to write, or to resume when it holds run.json [none].
	RecordDir string
	// Window and Grace are the live score's matching window and wait for late events.
	Window, Grace time.Duration
}

// Center runs a center until ctx ends, saying on out where it listens; with RecordDir it
// scores live into a run record and finishes it when it stops.
func Center(ctx context.Context, cfg CenterConfig, out io.Writer) error {
	if cfg.Tokens == nil {
		cfg.Tokens = map[string]string{}
	}
	if cfg.TokensFile != "" {
		b, err := os.ReadFile(cfg.TokensFile)
		if err != nil {
			return err
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("--tokens %s: %w", cfg.TokensFile, err)
		}
		for tok, id := range m {
			cfg.Tokens[tok] = id
		}
	}
	if cfg.TruthToken == "" {
		var b [16]byte
		rand.Read(b[:])
		cfg.TruthToken = hex.EncodeToString(b[:])
	}
	live := results.NewLive(results.Config{Window: cfg.Window, Grace: cfg.Grace})
	cfg.Scorer = live
	cfg.Score = func(now time.Time) any { return live.Score(now) }
	if cfg.OwnersFile != "" {
		b, err := os.ReadFile(cfg.OwnersFile)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &cfg.Cameras); err != nil {
			return fmt.Errorf("--owners %s: %w", cfg.OwnersFile, err)
		}
	}
	var rec *record.Writer
	if cfg.RecordDir != "" {
		var err error
		if _, serr := os.Stat(filepath.Join(cfg.RecordDir, record.RunFile)); serr == nil {
			rec, err = record.Resume(cfg.RecordDir)
		} else {
			rec, err = record.Create(cfg.RecordDir, record.Run{ID: filepath.Base(cfg.RecordDir), Start: time.Now().UTC(),
				WindowMs: float64(cfg.Window) / 1e6, GraceMs: float64(cfg.Grace) / 1e6, Machine: record.ThisMachine(),
				Device: record.Device{Endpoint: cfg.HTTPListen}})
		}
		if err != nil {
			return err
		}
		live.OnMatch(rec.Match)
		cfg.Recorder = rec
	}
	cfg.NATS.EventsUser, cfg.NATS.EventsPass, _ = strings.Cut(cfg.NATSEventsUser, ":")
	cfg.NATS.TruthUser, cfg.NATS.TruthPass, _ = strings.Cut(cfg.NATSTruthUser, ":")
	c, err := center.New(cfg.Config)
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
	fmt.Fprintf(out, "center: data %s (%d events held)\n", cfg.DataDir, st.Events)
	fmt.Fprintf(out, "center: events %s/v1/events\n", c.EventsURL())
	fmt.Fprintf(out, "center: truth  %s (token %s)\n", c.TruthURL(), cfg.TruthToken)
	if u := c.NATSURL(); u != "" {
		fmt.Fprintf(out, "center: nats   %s (devices: user <device id>, password <token>; truth: user truth)\n", u)
	}
	if u := c.LeafURL(); u != "" {
		fmt.Fprintf(out, "center: leaf   %s (regional clusters: user <cluster id>, password)\n", u)
	}
	ids := make([]string, 0, len(cfg.Tokens))
	for _, id := range cfg.Tokens {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	fmt.Fprintf(out, "center: devices %s\n", strings.Join(ids, ", "))
	<-ctx.Done()
	st = c.Stats()
	fmt.Fprintf(out, "center: stopping: %d events accepted, %d duplicates, %d refused, %d truth, %d faults\n",
		st.EventsAccepted, st.EventsDuplicate, st.Refused, st.TruthAccepted, st.FaultsAccepted)
	err = c.Close() // no more input after this
	if rec != nil {
		end := time.Now().UTC()
		err = errors.Join(err, rec.Finish(end, live.Score(end)), rec.Close())
		fmt.Fprintf(out, "center: run record in %s\n", cfg.RecordDir)
	}
	return err
}
