package run

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is one of Count processes that share a run's cameras: shard Index (from 0) serves the
// cameras [lo, hi) of Cameras. The same binary runs as every shard (a Kubernetes Indexed Job
// gives the index in JOB_COMPLETION_INDEX).
type Shard struct {
	Index, Count int
}

// Env variables a shard reads when --shard is not given: the Indexed Job's completion index
// and the number of shards.
const (
	EnvShardIndex = "JOB_COMPLETION_INDEX"
	EnvShardCount = "TRAFFICSIM_SHARDS"
)

// ParseShard reads "i/N" (0 <= i < N); an empty spec takes JOB_COMPLETION_INDEX and
// TRAFFICSIM_SHARDS from getenv, and without them the run is one shard, 0/1.
func ParseShard(spec string, getenv func(string) string) (Shard, error) {
	src := "--shard " + strconv.Quote(spec)
	if spec == "" {
		idx, cnt := getenv(EnvShardIndex), getenv(EnvShardCount)
		if idx == "" && cnt == "" {
			return Shard{0, 1}, nil
		}
		if idx == "" || cnt == "" {
			return Shard{}, fmt.Errorf("shard: %s and %s go together (got %q and %q)", EnvShardIndex, EnvShardCount, idx, cnt)
		}
		spec, src = idx+"/"+cnt, EnvShardIndex+"/"+EnvShardCount+" "+strconv.Quote(idx+"/"+cnt)
	}
	a, b, ok := strings.Cut(spec, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	switch {
	case !ok || err1 != nil || err2 != nil:
		return Shard{}, fmt.Errorf("shard: %s: want i/N, e.g. 0/4", src)
	case n < 1:
		return Shard{}, fmt.Errorf("shard: %s: N must be at least 1", src)
	case i < 0 || i >= n:
		return Shard{}, fmt.Errorf("shard: %s: i must be within 0-%d", src, n-1)
	}
	return Shard{i, n}, nil
}

// Cameras returns the slice [lo, hi) of n cameras this shard serves: consecutive blocks whose
// sizes differ by at most one, so a shard's cameras are whole communes when Count divides
// the clusters.
func (s Shard) Cameras(n int) (lo, hi int) {
	return s.Index * n / s.Count, (s.Index + 1) * n / s.Count
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }
