package diff

import "math"

// Limits of the search, see the package documentation. With them, texts
// of up to a few thousand lines always get a minimal edit script, and
// larger ones one that is minimal or very close unless they are mostly
// different, while no diff takes more than a fraction of a second per
// hundred thousand lines.
const (
	// minCostLimit is the smallest number of edit steps the search for one
	// split point may take before settling for the best split found so far;
	// it grows with the square root of the input size, as in GNU diff.
	minCostLimit = 1024
	// minBudget is the smallest total amount of work (diagonals visited and
	// lines compared) allowed for one diff, plus workPerLine per input line.
	minBudget   = 1 << 24
	workPerLine = 32
)

// myers finds a shortest edit script between two sequences of line ids
// with the linear-space variant of Myers' algorithm, following the
// structure of GNU diff's analyze.c (diag and compareseq).
type myers struct {
	x, y []int
	// fd and bd hold, for each diagonal k = x - y (offset by off), the
	// furthest x reached by the forward search and the smallest x reached by
	// the backward search.
	fd, bd    []int
	off       int
	costLimit int
	budget    int // remaining work; when negative, stop searching
	edits     []Edit
}

func newMyers(x, y []int) *myers {
	n := len(x) + len(y)
	costLimit := minCostLimit
	if s := int(math.Sqrt(float64(n))); s > costLimit {
		costLimit = s
	}
	return &myers{
		x:         x,
		y:         y,
		fd:        make([]int, n+3),
		bd:        make([]int, n+3),
		off:       len(y) + 1,
		costLimit: costLimit,
		budget:    minBudget + workPerLine*n,
	}
}

type span struct{ xoff, xlim, yoff, ylim int }

// run computes the edit script of the whole sequences.
func (m *myers) run() []Edit {
	// An explicit stack instead of recursion; the left half is always
	// processed first so that edits come out sorted.
	stack := []span{{0, len(m.x), 0, len(m.y)}}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		xoff, xlim, yoff, ylim := s.xoff, s.xlim, s.yoff, s.ylim

		// Strip the common prefix and suffix of this span.
		start := xoff
		for xoff < xlim && yoff < ylim && m.x[xoff] == m.y[yoff] {
			xoff++
			yoff++
		}
		end := xlim
		for xoff < xlim && yoff < ylim && m.x[xlim-1] == m.y[ylim-1] {
			xlim--
			ylim--
		}
		m.budget -= (xoff - start) + (end - xlim)

		switch {
		case xoff == xlim && yoff == ylim:
			continue
		case xoff == xlim || yoff == ylim || m.budget < 0:
			m.emit(xoff, xlim, yoff, ylim)
			continue
		}
		xmid, ymid, ok := m.diag(xoff, xlim, yoff, ylim)
		// The split point must lie in the span and make progress; anything
		// else (including an exhausted budget) replaces the whole span.
		if !ok || xmid < xoff || xmid > xlim || ymid < yoff || ymid > ylim ||
			(xmid == xoff && ymid == yoff) || (xmid == xlim && ymid == ylim) {
			m.emit(xoff, xlim, yoff, ylim)
			continue
		}
		stack = append(stack, span{xmid, xlim, ymid, ylim}, span{xoff, xmid, yoff, ymid})
	}
	return m.edits
}

// emit appends the replacement of x[xoff:xlim] by y[yoff:ylim], merging it
// with the previous edit when they touch.
func (m *myers) emit(xoff, xlim, yoff, ylim int) {
	if n := len(m.edits); n > 0 {
		last := &m.edits[n-1]
		if last.OldEnd == xoff && last.NewEnd == yoff {
			last.OldEnd, last.NewEnd = xlim, ylim
			return
		}
	}
	m.edits = append(m.edits, Edit{xoff, xlim, yoff, ylim})
}

// diag finds the midpoint of a shortest edit script for x[xoff:xlim] and
// y[yoff:ylim], whose first and last elements differ: a point (xmid, ymid)
// such that a shortest script for the span is a shortest script from
// (xoff, yoff) to (xmid, ymid) followed by one from (xmid, ymid) to
// (xlim, ylim). Searching forward from the start and backward from the end
// at once, it stops where the two searches overlap.
//
// When the search takes more than costLimit steps, diag returns the point
// furthest along found so far, which still splits the problem but may make
// the script longer than minimal. It returns ok == false when the work
// budget runs out.
func (m *myers) diag(xoff, xlim, yoff, ylim int) (xmid, ymid int, ok bool) {
	fd, bd, off := m.fd, m.bd, m.off
	xv, yv := m.x, m.y
	dmin := xoff - ylim // minimum valid diagonal
	dmax := xlim - yoff // maximum valid diagonal
	fmid := xoff - yoff // center diagonal of the forward search
	bmid := xlim - ylim // center diagonal of the backward search
	fmin, fmax := fmid, fmid
	bmin, bmax := bmid, bmid
	// Whether the end corner is on an odd diagonal relative to the start.
	odd := (fmid-bmid)&1 != 0

	fd[off+fmid] = xoff
	bd[off+bmid] = xlim

	for c := 1; ; c++ {
		work := 0

		// Extend the forward search by one edit step on each diagonal.
		if fmin > dmin {
			fmin--
			fd[off+fmin-1] = -1
		} else {
			fmin++
		}
		if fmax < dmax {
			fmax++
			fd[off+fmax+1] = -1
		} else {
			fmax--
		}
		for k := fmax; k >= fmin; k -= 2 {
			tlo, thi := fd[off+k-1], fd[off+k+1]
			x := thi
			if tlo >= thi {
				x = tlo + 1
			}
			y := x - k
			x0 := x
			for x < xlim && y < ylim && xv[x] == yv[y] {
				x++
				y++
			}
			work += 1 + x - x0
			fd[off+k] = x
			if odd && bmin <= k && k <= bmax && bd[off+k] <= x {
				m.budget -= work
				return x, y, true
			}
		}

		// Extend the backward search likewise.
		if bmin > dmin {
			bmin--
			bd[off+bmin-1] = math.MaxInt
		} else {
			bmin++
		}
		if bmax < dmax {
			bmax++
			bd[off+bmax+1] = math.MaxInt
		} else {
			bmax--
		}
		for k := bmax; k >= bmin; k -= 2 {
			tlo, thi := bd[off+k-1], bd[off+k+1]
			x := thi - 1
			if tlo < thi {
				x = tlo
			}
			y := x - k
			x0 := x
			for x > xoff && y > yoff && xv[x-1] == yv[y-1] {
				x--
				y--
			}
			work += 1 + x0 - x
			bd[off+k] = x
			if !odd && fmin <= k && k <= fmax && x <= fd[off+k] {
				m.budget -= work
				return x, y, true
			}
		}

		m.budget -= work
		if m.budget < 0 {
			return 0, 0, false
		}
		if c < m.costLimit {
			continue
		}

		// Too expensive: use the forward diagonal that got furthest
		// (maximal x + y) or the backward one that did (minimal x + y),
		// whichever covers more.
		fxybest, fxbest := -1, 0
		for k := fmax; k >= fmin; k -= 2 {
			x := min(fd[off+k], xlim)
			y := x - k
			if y > ylim {
				x, y = ylim+k, ylim
			}
			if x+y > fxybest {
				fxybest, fxbest = x+y, x
			}
		}
		bxybest, bxbest := math.MaxInt, 0
		for k := bmax; k >= bmin; k -= 2 {
			x := max(xoff, bd[off+k])
			y := x - k
			if y < yoff {
				x, y = yoff+k, yoff
			}
			if x+y < bxybest {
				bxybest, bxbest = x+y, x
			}
		}
		if (xlim+ylim)-bxybest < fxybest-(xoff+yoff) {
			return fxbest, fxybest - fxbest, true
		}
		return bxbest, bxybest - bxbest, true
	}
}
