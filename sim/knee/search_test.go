package knee

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// A device that drops frames above 37 cameras and whose latency breaks above 50 is found at 37,
// by doubling then bisection, and each limit's own knee is reported.
func TestSearchBisectsToTheKnee(t *testing.T) {
	var asked []int
	measure := func(_ context.Context, n int) (Step, error) {
		asked = append(asked, n)
		s := Step{FramesSent: 1000, Truths: 100, F1: 0.8, LatencyP95Ms: 1000, EventsQueued: 10, EventsSent: 10}
		if n > 37 {
			s.FramesLost = 50
		}
		if n > 50 {
			s.LatencyP95Ms = 200_000
		}
		return s, nil
	}
	res, err := Search(context.Background(), Config{Start: 4, Max: 128, Measure: measure})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{4, 8, 16, 32, 64, 48, 40, 36, 38, 37}; !reflect.DeepEqual(asked, want) {
		t.Errorf("counts measured %v, want %v", asked, want)
	}
	if res.Knee != 37 || res.Limit != FramesLost {
		t.Errorf("knee %d (%s), want 37 (frames_lost)", res.Knee, res.Limit)
	}
	if want := map[string]int{FramesLost: 37, Latency: 48}; !reflect.DeepEqual(res.PerLimit, want) {
		t.Errorf("per limit %v, want %v", res.PerLimit, want)
	}
	if s := res.AtKnee(); s == nil || s.Cameras != 37 {
		t.Errorf("step at the knee %+v", s)
	}
}

func TestJudge(t *testing.T) {
	l := Limits{}
	l.defaults()
	base := &Step{Truths: 40, F1: 0.6}
	cases := []struct {
		name string
		s    Step
		want []string
	}{
		{"holds", Step{FramesSent: 10000, FramesLost: 10, LatencyP95Ms: 119_000, Truths: 40, F1: 0.51, EventsQueued: 1000, EventsSent: 999}, nil},
		{"frames", Step{FramesSent: 1000, FramesLost: 2}, []string{FramesLost}},
		{"latency", Step{LatencyP95Ms: 120_001}, []string{Latency}},
		{"f1 drop", Step{Truths: 40, F1: 0.49}, []string{F1Drop}},
		{"f1 on too few truths is not judged", Step{Truths: 19, F1: 0}, nil},
		{"events left in the queue", Step{EventsQueued: 100, EventsSent: 99}, []string{EventLoss}},
		{"a box that cannot count its events", Step{EventsQueued: -1, EventsSent: -1}, nil},
	}
	for _, c := range cases {
		if got := l.judge(c.s, base); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: broken %v, want %v", c.name, got, c.want)
		}
	}
	if got := l.judge(Step{Truths: 40, F1: 0}, nil); got != nil {
		t.Errorf("the first step is judged against itself: %v", got)
	}
	if l.LatencyP95 != 2*time.Minute {
		t.Errorf("default latency limit %v", l.LatencyP95)
	}
}

func TestSearchNothingBreaks(t *testing.T) {
	res, err := Search(context.Background(), Config{Start: 2, Max: 5, Measure: func(context.Context, int) (Step, error) { return Step{}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Knee != 5 || res.Limit != "" || len(res.Steps) != 3 {
		t.Errorf("knee %d limit %q after %d steps, want 5, none, 3 (2, 4, 5)", res.Knee, res.Limit, len(res.Steps))
	}
}
