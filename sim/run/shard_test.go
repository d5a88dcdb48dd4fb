package run_test

import (
	"testing"

	"github.com/trafficsim/trafficsim/sim/run"
)

func TestParseShard(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	tests := []struct {
		spec string
		env  func(string) string
		want run.Shard
		err  string
	}{
		{"2/4", env(), run.Shard{Index: 2, Count: 4}, ""},
		{"", env(), run.Shard{Index: 0, Count: 1}, ""},
		{"", env("JOB_COMPLETION_INDEX", "3", "TRAFFICSIM_SHARDS", "8"), run.Shard{Index: 3, Count: 8}, ""},
		{"1/2", env("JOB_COMPLETION_INDEX", "3", "TRAFFICSIM_SHARDS", "8"), run.Shard{Index: 1, Count: 2}, ""},
		{"4/4", env(), run.Shard{}, `shard: --shard "4/4": i must be within 0-3`},
		{"1/0", env(), run.Shard{}, `shard: --shard "1/0": N must be at least 1`},
		{"two", env(), run.Shard{}, `shard: --shard "two": want i/N, e.g. 0/4`},
		{"", env("JOB_COMPLETION_INDEX", "3"), run.Shard{}, `shard: JOB_COMPLETION_INDEX and TRAFFICSIM_SHARDS go together (got "3" and "")`},
		{"", env("JOB_COMPLETION_INDEX", "9", "TRAFFICSIM_SHARDS", "8"), run.Shard{}, `shard: JOB_COMPLETION_INDEX/TRAFFICSIM_SHARDS "9/8": i must be within 0-7`},
	}
	for _, tt := range tests {
		got, err := run.ParseShard(tt.spec, tt.env)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseShard(%q) = %v, want %q", tt.spec, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v", tt.spec, got, err, tt.want)
		}
	}
}

// The shards' slices cover every camera once, in consecutive blocks.
func TestShardsCoverTheCameras(t *testing.T) {
	for _, c := range []struct{ n, shards int }{{10, 3}, {1000, 4}, {3, 3}, {5, 1}} {
		next := 0
		for i := range c.shards {
			lo, hi := run.Shard{Index: i, Count: c.shards}.Cameras(c.n)
			if lo != next || hi < lo || hi-lo > c.n/c.shards+1 {
				t.Fatalf("%d cameras, shard %d/%d: [%d, %d) after %d", c.n, i, c.shards, lo, hi, next)
			}
			next = hi
		}
		if next != c.n {
			t.Errorf("%d cameras in %d shards end at %d", c.n, c.shards, next)
		}
	}
}
