package main

import (
	"io"
	"log"
	"testing"

	"github.com/trafficsim/trafficsim/sim/load"
)

// The flags of a sharded run: a coordinator or a shard, never both, and the exact reason when
// they do not fit.
func TestShardFlags(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
		want string // error, or "coordinator", "shard 1/4", "single"
	}{
		{"single", nil, nil, "single"},
		{"coordinator", []string{"--shards", "4"}, nil, "coordinator"},
		{"shard", []string{"--shard", "1/4", "--center", "nats://shard:x@c:4250"}, nil, "shard 1/4"},
		{"indexed job", nil, map[string]string{"JOB_COMPLETION_INDEX": "1", "TRAFFICSIM_SHARDS": "4", "TRAFFICSIM_CENTER": "nats://shard:x@c:4250"}, "shard 1/4"},
		{"both", []string{"--shards", "4", "--shard", "1/4"}, nil, "load: --shards (the coordinator) and --shard/--center (a shard) exclude each other"},
		{"no center", []string{"--shard", "1/4"}, nil, "load: --shard needs --center (or $TRAFFICSIM_CENTER): the coordinator's URL"},
		{"bad index", []string{"--shard", "4/4", "--center", "nats://c"}, nil, `shard: --shard "4/4": i must be within 0-3`},
		{"negative", []string{"--shards", "-1"}, nil, "load: --shards -1: want at least 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range []string{"JOB_COMPLETION_INDEX", "TRAFFICSIM_SHARDS", "TRAFFICSIM_CENTER"} {
				t.Setenv(k, c.env[k])
			}
			f, err := parseLoad(append(c.args, "plan.yaml"), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			var cfg load.Config
			got := "single"
			if err := f.sh.apply(&cfg, log.New(io.Discard, "", 0)); err != nil {
				got = err.Error()
			} else if cfg.Coordinator != nil {
				got = "coordinator"
			} else if cfg.Shard != nil {
				got = "shard " + cfg.Shard.Shard.String()
			}
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
