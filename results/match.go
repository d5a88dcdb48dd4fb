package results

// Pair is a matched truth and event, as indices into the sorted slices given to Matcher.Match.
type Pair struct{ Truth, Event int }

// Matcher pairs time-sorted truths with time-sorted events of one camera and type. It keeps
// its buffers between calls; the zero value is ready. Not safe for concurrent use.
//
// Why the dynamic programme is exact. Every truth accepts the events within [t-W, t+W]: all
// windows have the same width, so when truths a <= b and events y <= x, the crossing pairs
// (a,x),(b,y) can always be swapped for (a,y),(b,x): both stay within the window, and
// |a-y| + |b-x| <= |a-x| + |b-y| (the sorted pairing minimises a sum of distances on a line).
// Each swap removes an inversion, so some optimal matching (most pairs, then least total
// error) has no crossings. A matching without crossings is a common subsequence of the two
// sorted sequences, which the classic DP over prefixes D(i, j) (first i truths, first j
// events) enumerates exactly. A greedy "nearest first" pairing is not exact: truths at 0 s and
// 3 s with events at 1.8 s and 4.5 s (W = 2 s) give the greedy 1 pair, the optimum 2
// (testdata/greedy.test).
//
// Why it is fast. Truth i can only take events lo[i]..hi[i] (its window), and both bounds
// rise with i. D(i+1, j) = D(i, j) for j <= lo[i] and D(i+1, j) = D(i+1, hi[i]+1) for larger j,
// so only the band lo[i]..hi[i]+1 of each row is stored: O(n + m + sum of candidates) time
// and memory, against O(n*m) for the full table.
//
// Ties (same count and same total error) go to the earlier truth and the earlier event.
type Matcher struct {
	lo, hi []int  // candidate events of truth i: lo[i]..hi[i] (empty when hi < lo)
	off    []int  // start of row i+1 in cells
	prev   []int  // row holding D(i, .) for truth i (skipping rows without candidates)
	cells  []cell // band cells of all rows
	pairs  []Pair // result buffer
}

type cell struct {
	n    int32 // matches
	how  int8  // 0 truth unmatched, 1 event unmatched, 2 matched
	cost int64 // total |time error|
}

func better(n int32, c int64, b cell) bool { return n > b.n || (n == b.n && c < b.cost) }

// Match returns the optimal pairs of truths and events (times in any integer unit, each
// slice sorted ascending) with |event - truth| <= window, ordered by truth. The returned
// slice is reused by the next call.
func (mt *Matcher) Match(truths, events []int64, window int64) []Pair {
	n, m := len(truths), len(events)
	mt.pairs = mt.pairs[:0]
	if n == 0 || m == 0 {
		return mt.pairs
	}
	mt.lo, mt.hi = grow(mt.lo, n), grow(mt.hi, n)
	mt.off, mt.prev = grow(mt.off, n+1), grow(mt.prev, n+1)
	lo, hi := 0, 0 // hi is one past the last candidate here
	size := 0
	for i, t := range truths {
		for lo < m && events[lo] < t-window {
			lo++
		}
		if hi < lo {
			hi = lo
		}
		for hi < m && events[hi] <= t+window {
			hi++
		}
		mt.lo[i], mt.hi[i] = lo, hi-1
		mt.off[i] = size
		if hi > lo {
			size += hi - lo + 1
		}
	}
	mt.off[n] = size
	if cap(mt.cells) < size {
		mt.cells = make([]cell, size)
	}
	cells := mt.cells[:size]
	// get returns D(r, j) where r is a row index (truth r-1 considered) or 0.
	get := func(r, j int) cell {
		if r == 0 {
			return cell{}
		}
		i := r - 1
		if j > mt.hi[i]+1 {
			j = mt.hi[i] + 1
		}
		return cells[mt.off[i]+j-mt.lo[i]]
	}
	last := 0 // last row with candidates
	for i := range n {
		r := i + 1
		mt.prev[r] = last
		l, h := mt.lo[i], mt.hi[i]
		if h < l {
			continue
		}
		row := cells[mt.off[i] : mt.off[i]+h-l+2]
		c := get(last, l)
		row[0] = cell{n: c.n, cost: c.cost, how: 0}
		for j := l + 1; j <= h+1; j++ {
			best := get(last, j)
			best.how = 0
			if left := row[j-1-l]; better(left.n, left.cost, best) {
				best = cell{n: left.n, cost: left.cost, how: 1}
			}
			d := get(last, j-1)
			e := events[j-1] - truths[i]
			if e < 0 {
				e = -e
			}
			if better(d.n+1, d.cost+e, best) {
				best = cell{n: d.n + 1, cost: d.cost + e, how: 2}
			}
			row[j-l] = best
		}
		last = r
	}
	// Walk back from D(n, m).
	r, j := n, m
	for r > 0 {
		i := r - 1
		l, h := mt.lo[i], mt.hi[i]
		if h < l {
			r = mt.prev[r]
			continue
		}
		if j > h+1 {
			j = h + 1
		}
		if j <= l {
			r = mt.prev[r]
			continue
		}
		switch cells[mt.off[i]+j-l].how {
		case 0:
			r = mt.prev[r]
		case 1:
			j--
		case 2:
			mt.pairs = append(mt.pairs, Pair{Truth: i, Event: j - 1})
			r, j = mt.prev[r], j-1
		}
	}
	for a, b := 0, len(mt.pairs)-1; a < b; a, b = a+1, b-1 {
		mt.pairs[a], mt.pairs[b] = mt.pairs[b], mt.pairs[a]
	}
	return mt.pairs
}

func grow(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}
