package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/trafficsim/trafficsim/sim/load"
	simrun "github.com/trafficsim/trafficsim/sim/run"
)

// EnvCenter gives a shard the coordinator's URL when --center is not set (a Kubernetes
// Secret, since the URL holds the shard token).
const EnvCenter = "TRAFFICSIM_CENTER"

// shardFlags are the flags of a sharded load run: --shards N (the coordinator) or
// --shard i/N --center URL (a shard; JOB_COMPLETION_INDEX and TRAFFICSIM_SHARDS also work).
type shardFlags struct {
	shards          int
	shard, center   string
	listen, token   string
	registerTimeout time.Duration
	silence         time.Duration
	shardGiven      bool
	prepareClips    bool
}

func (s *shardFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&s.shards, "shards", 0, "coordinate N shards: run the center and the control plane, judge thresholds over all shards")
	fs.Func("shard", "run as shard i/N of a sharded run (default: JOB_COMPLETION_INDEX/TRAFFICSIM_SHARDS)", func(v string) error {
		s.shard, s.shardGiven = v, true
		return nil
	})
	fs.StringVar(&s.center, "center", "", "a shard's coordinator: nats://shard:TOKEN@host:port (default: $"+EnvCenter+")")
	fs.StringVar(&s.listen, "listen", "127.0.0.1:4250", "coordinator: control plane host:port; the center listens on its host")
	fs.StringVar(&s.token, "shard-token", "", "coordinator: the shards' password (default: random, in the printed URL)")
	fs.BoolVar(&s.prepareClips, "prepare-clips", false, "coordinator: make the plan's clips before shards may register (shards sharing the library find them)")
	fs.DurationVar(&s.registerTimeout, "register-timeout", 2*time.Minute, "how long the coordinator waits for every shard to register (and a shard for the coordinator)")
	fs.DurationVar(&s.silence, "silence", 0, "a shard silent this long is lost (coordinator, default 10s); the coordinator silent this long stops a shard (default 15s)")
}

// apply makes cfg a shard's or the coordinator's; neither flag leaves a run in one process.
func (s *shardFlags) apply(cfg *load.Config, logger *log.Logger) error {
	center := s.center
	if center == "" {
		center = os.Getenv(EnvCenter)
	}
	switch {
	case s.shards > 0 && (center != "" || s.shardGiven):
		return errors.New("load: --shards (the coordinator) and --shard/--center (a shard) exclude each other")
	case s.shards < 0:
		return fmt.Errorf("load: --shards %d: want at least 1", s.shards)
	case s.shards > 0:
		cfg.Coordinator = &load.CoordinatorConfig{Shards: s.shards, Listen: s.listen, Token: s.token,
			RegisterTimeout: s.registerTimeout, Silence: s.silence, PrepareClips: s.prepareClips,
			OnListen: func(url string) {
				logger.Printf("load: waiting for %d shards: trafficsim load PLAN --shard i/%d --center %s", s.shards, s.shards, url)
			}}
		return nil
	case center == "" && s.shardGiven:
		return errors.New("load: --shard needs --center (or $" + EnvCenter + "): the coordinator's URL")
	case center == "":
		return nil
	}
	sh, err := simrun.ParseShard(s.shard, os.Getenv)
	if err != nil {
		return err
	}
	cfg.Shard = &load.ShardConfig{Shard: sh, Center: center, RegisterTimeout: s.registerTimeout, Silence: s.silence}
	return nil
}
