package results

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/trafficsim/trafficsim/wire"
)

// best is the exhaustive optimum: most pairs, then least total |error|.
func best(truths, events []int64, w int64) (int, int64) {
	used := make([]bool, len(events))
	bn, bc := 0, int64(0)
	var rec func(i, n int, c int64)
	rec = func(i, n int, c int64) {
		if i == len(truths) {
			if n > bn || (n == bn && c < bc) {
				bn, bc = n, c
			}
			return
		}
		rec(i+1, n, c)
		for j, e := range events {
			d := e - truths[i]
			if d < 0 {
				d = -d
			}
			if !used[j] && d <= w {
				used[j] = true
				rec(i+1, n+1, c+d)
				used[j] = false
			}
		}
	}
	rec(0, 0, 0)
	return bn, bc
}

func TestMatcherIsOptimal(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var mt Matcher
	for iter := range 3000 {
		n, m := r.IntN(7), r.IntN(7)
		truths, events := make([]int64, n), make([]int64, m)
		for i := range truths {
			truths[i] = r.Int64N(20)
		}
		for i := range events {
			events[i] = r.Int64N(20)
		}
		slices.Sort(truths)
		slices.Sort(events)
		w := r.Int64N(5)
		pairs := mt.Match(truths, events, w)
		var cost int64
		seenT, seenE := map[int]bool{}, map[int]bool{}
		for _, p := range pairs {
			d := events[p.Event] - truths[p.Truth]
			if d < 0 {
				d = -d
			}
			if d > w || seenT[p.Truth] || seenE[p.Event] {
				t.Fatalf("iteration %d: invalid pair %v in %v (truths %v events %v w %d)", iter, p, pairs, truths, events, w)
			}
			seenT[p.Truth], seenE[p.Event] = true, true
			cost += d
		}
		bn, bc := best(truths, events, w)
		if len(pairs) != bn || cost != bc {
			t.Fatalf("iteration %d: truths %v events %v w %d: got %d pairs cost %d, optimum %d pairs cost %d",
				iter, truths, events, w, len(pairs), cost, bn, bc)
		}
	}
}

// greedy pairs the globally nearest truth and event first: the plain approach, kept here to
// show it is wrong (and as the baseline of BenchmarkMatch).
func greedy(truths, events []int64, w int64) int {
	usedT, usedE := make([]bool, len(truths)), make([]bool, len(events))
	n := 0
	for {
		bi, bj, bd := -1, -1, w+1
		for i, t := range truths {
			if usedT[i] {
				continue
			}
			for j, e := range events {
				d := e - t
				if d < 0 {
					d = -d
				}
				if !usedE[j] && d < bd {
					bi, bj, bd = i, j, d
				}
			}
		}
		if bi < 0 {
			return n
		}
		usedT[bi], usedE[bj] = true, true
		n++
	}
}

func TestGreedyNearestLosesMatches(t *testing.T) {
	truths, events := []int64{0, 3000}, []int64{1800, 4500}
	var mt Matcher
	if g, d := greedy(truths, events, 2000), len(mt.Match(truths, events, 2000)); g != 1 || d != 2 {
		t.Fatalf("greedy %d pairs, matcher %d; want 1 and 2", g, d)
	}
}

func TestSamePlateIsNormalizePlate(t *testing.T) {
	plates := []string{"29A-123.45", "29a12345", "29A 123 45", "29A-123.46", "", "-", "29-B1 123.45", "29B112345",
		"Đ29A", "đ29a", "29A\t12345", "29A12345 ", "29A1234", "ß", "SS", "30E00555", "30e-005.55"}
	for _, a := range plates {
		for _, b := range plates {
			if got, want := SamePlate(a, b), wire.NormalizePlate(a) == wire.NormalizePlate(b); got != want {
				t.Errorf("SamePlate(%q, %q) = %v, NormalizePlate says %v", a, b, got, want)
			}
		}
	}
}

func TestPlateCheckJSON(t *testing.T) {
	for _, c := range []struct {
		in   string
		want PlateCheck
		err  string
	}{
		{`{"outcome":"tp","camera":"c","type":"red_light","light":"day","plate_ok":true}`, PlateRight, ""},
		{`{"outcome":"tp","camera":"c","type":"red_light","light":"day","plate_ok":false}`, PlateWrong, ""},
		{`{"outcome":"tp","camera":"c","type":"red_light","light":"day"}`, PlateNA, ""},
		{`{"plate_ok":1}`, PlateNA, "plate_ok: want true or false, got 1"},
	} {
		var m Match
		err := json.Unmarshal([]byte(c.in), &m)
		if (err == nil) != (c.err == "") || (err != nil && err.Error() != c.err) || m.PlateOK != c.want {
			t.Errorf("%s: %v %v, want %v %q", c.in, m.PlateOK, err, c.want, c.err)
		}
		if c.err == "" {
			out, _ := json.Marshal(m)
			if !strings.Contains(c.in, `"plate_ok"`) && strings.Contains(string(out), "plate_ok") {
				t.Errorf("plate_ok not left out: %s", out)
			}
		}
	}
}
