package render

import (
	"context"
	"errors"
	"fmt"
	"image"
	"net"
	"os"
	"sync"
	"sync/atomic"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/trafficsim/trafficsim/wire"
)

// Version names the renderer's output; it is part of a clip's content hash, so bump it whenever
// the pictures change.
const Version = "render-1"

// ErrNotRunning is returned by Start when Main is not running the game loop.
var ErrNotRunning = errors.New("render: the renderer is not running (call render.Main from the main goroutine, e.g. in TestMain)")

var (
	started atomic.Bool
	jobs    = make(chan *Stream)
	// closed when the game loop has ended; loopErr says why (e.g. the X server went away)
	loopEnded = make(chan struct{})
	loopErr   error
)

// Main runs ebiten's game loop on the calling goroutine, which must be the main goroutine (ebiten
// needs the main thread), and fn in another goroutine; it returns fn's error once fn is done.
// Start streams frames only while Main runs. It checks the display first and fails with an error
// that names what to install.
func Main(fn func() error) error {
	if err := CheckDisplay(os.Getenv, net.Dial); err != nil {
		return err
	}
	if !started.CompareAndSwap(false, true) {
		return errors.New("render: Main called twice (ebiten runs one game loop per process)")
	}
	g := &game{done: make(chan struct{})}
	var ferr error
	go func() {
		defer close(g.done)
		ferr = fn()
	}()
	ebiten.SetWindowSize(64, 64)
	ebiten.SetWindowTitle("trafficsim render")
	ebiten.SetVsyncEnabled(false)
	ebiten.SetTPS(ebiten.SyncWithFPS)
	ebiten.SetRunnableOnUnfocused(true)
	ebiten.SetScreenClearedEveryFrame(false)
	if err := ebiten.RunGameWithOptions(g, &ebiten.RunGameOptions{InitUnfocused: true, X11ClassName: "trafficsim"}); err != nil {
		// streams waiting for the loop fail with its error instead of waiting for their deadline
		loopErr = fmt.Errorf("render: %w", err)
		close(loopEnded)
		<-g.done
		return loopErr
	}
	<-g.done
	return ferr
}

// Options configure a Stream; zero fields take the defaults.
type Options struct {
	Mode          Mode // Color (default) or IDs
	From, To      int  // frames [From, To) of the truth; default all
	FramesPerTick int  // frames drawn per game-loop tick (each tick costs ~9 ms under Xvfb); default 8
	Buffers       int  // frames in flight between renderer and consumer (memory is Buffers frames); default 4
}

// Frame is one rendered frame. Its Image belongs to the stream until Release.
type Frame struct {
	Index int
	Image *image.RGBA
	s     *Stream
}

// Release hands the frame's buffer back to the renderer.
func (f *Frame) Release() { f.s.free <- f.Image }

// Stream renders the frames of one truth, in order, on the game loop's thread.
type Stream struct {
	ctx   context.Context
	b     *builder
	opts  Options
	out   chan *Frame // frames for the consumer
	read  chan *Frame // where the game loop sends read-back frames (out, or the grain worker's input)
	grain *grain      // sensor noise, nil without
	free  chan *image.RGBA
	next  int
	err   error
	mu    sync.Mutex
}

// Start queues a truth for rendering and returns its stream; frames arrive on Frames().
func Start(ctx context.Context, t *wire.Truth, opts Options) (*Stream, error) {
	if !started.Load() {
		return nil, ErrNotRunning
	}
	if opts.To == 0 {
		opts.To = len(t.Frames)
	}
	if opts.From < 0 || opts.To > len(t.Frames) || opts.From >= opts.To {
		return nil, fmt.Errorf("render: frames [%d, %d) outside the truth's %d frames", opts.From, opts.To, len(t.Frames))
	}
	if opts.FramesPerTick <= 0 {
		opts.FramesPerTick = 8
	}
	if opts.Buffers <= 0 {
		opts.Buffers = 4
	}
	b, err := newBuilder(t, opts.Mode)
	if err != nil {
		return nil, err
	}
	s := &Stream{ctx: ctx, b: b, opts: opts, out: make(chan *Frame, opts.Buffers), free: make(chan *image.RGBA, opts.Buffers), next: opts.From}
	s.read = s.out
	if b.env.noise > 0 && opts.Mode == Color {
		// the grain is added by a worker owned by the stream: it ends when the renderer closes raw
		s.grain = newGrain(t.Seed, b.env.noise, t.Width*t.Height)
		raw := make(chan *Frame, opts.Buffers)
		s.read = raw
		go func() {
			defer close(s.out)
			for f := range raw {
				s.grain.apply(f.Image.Pix, uint64(f.Index), t.Seed)
				s.out <- f
			}
		}()
	}
	for range opts.Buffers {
		s.free <- image.NewRGBA(image.Rect(0, 0, t.Width, t.Height))
	}
	select {
	case jobs <- s:
	case <-loopEnded:
		return nil, loopErr
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s, nil
}

// Frames yields the frames in order; it is closed after the last one or on error (see Err).
func (s *Stream) Frames() <-chan *Frame { return s.out }

// Err is the error that ended the stream early, if any.
func (s *Stream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *Stream) fail(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

// game is the ebiten game: each Update renders a few frames of the current stream offscreen.
type game struct {
	done chan struct{}
	cur  *Stream
	img  *ebiten.Image
	bg   *ebiten.Image // the static ground of the current stream, drawn once
	tex  *ebiten.Image
	seed uint64
	// what the previous frame drew over the background, restored before the next one
	prev     []image.Rectangle
	prevFull bool
}

func (g *game) Update() error {
	if g.cur == nil {
		select {
		case s := <-jobs:
			g.begin(s)
		case <-g.done:
			return ebiten.Termination
		}
	}
	s := g.cur
	for k := 0; k < s.opts.FramesPerTick && g.cur != nil; k++ {
		if err := s.ctx.Err(); err != nil {
			s.fail(err)
			g.finish()
			return nil
		}
		var buf *image.RGBA
		select {
		case buf = <-s.free:
		case <-s.ctx.Done():
			s.fail(s.ctx.Err())
			g.finish()
			return nil
		}
		s.b.frame(s.next)
		g.draw(s.b, s.next)
		g.img.ReadPixels(buf.Pix)
		s.read <- &Frame{Index: s.next, Image: buf, s: s}
		s.next++
		if s.next >= s.opts.To {
			g.finish()
		}
	}
	return nil
}

func (g *game) begin(s *Stream) {
	g.cur = s
	t := s.b.t
	if g.img == nil || g.img.Bounds().Dx() != t.Width || g.img.Bounds().Dy() != t.Height {
		if g.img != nil {
			g.img.Deallocate()
		}
		g.img = ebiten.NewImageWithOptions(image.Rect(0, 0, t.Width, t.Height), &ebiten.NewImageOptions{Unmanaged: true})
	}
	if g.tex == nil {
		g.tex = ebiten.NewImageFromImage(atlas())
	}
	g.seed = t.Seed
	if g.bg != nil {
		g.bg.Deallocate()
		g.bg = nil
	}
	if s.opts.Mode == Color {
		s.b.ensureStatic()
		g.bg = ebiten.NewImageWithOptions(image.Rect(0, 0, t.Width, t.Height), &ebiten.NewImageOptions{Unmanaged: true})
		if len(s.b.ground.idx) > 0 {
			g.bg.DrawTriangles32(s.b.ground.v, s.b.ground.idx, g.tex, normal)
		}
		if len(s.b.groundGlow.idx) > 0 {
			g.bg.DrawTriangles32(s.b.groundGlow.v, s.b.groundGlow.idx, g.tex, additive)
		}
	} else {
		g.bg = ebiten.NewImageWithOptions(image.Rect(0, 0, t.Width, t.Height), &ebiten.NewImageOptions{Unmanaged: true})
		g.bg.Fill(image.Black)
	}
	if st := s.b.staticSorted(); len(st.idx) > 0 {
		g.bg.DrawTriangles32(st.v, st.idx, g.tex, normal)
	}
	if len(s.b.staticGlow.idx) > 0 {
		g.bg.DrawTriangles32(s.b.staticGlow.v, s.b.staticGlow.idx, g.tex, additive)
	}
	g.prev, g.prevFull = nil, true
}

func (g *game) finish() {
	close(g.cur.read)
	g.cur = nil
}

var (
	additive = &ebiten.DrawTrianglesOptions{Blend: ebiten.BlendLighter}
	normal   = &ebiten.DrawTrianglesOptions{}
)

func (g *game) draw(b *builder, i int) {
	dt := func(bt *batch, o *ebiten.DrawTrianglesOptions, src *ebiten.Image) {
		if len(bt.idx) > 0 {
			g.img.DrawTriangles32(bt.v, bt.idx, src, o)
		}
	}
	g.restore(b)
	if b.mode == IDs {
		dt(&b.objsOut, normal, g.tex)
		return
	}
	dt(&b.glowGround, additive, g.tex)
	dt(&b.objsOut, normal, g.tex)
	dt(&b.glow, additive, g.tex)
	dt(&b.fx, normal, g.tex)
	dt(&b.osd, normal, g.tex)
}

// restore puts the background back where the previous frame drew (a full copy costs llvmpipe
// as much as reading the frame back), or everywhere when that is most of the picture.
func (g *game) restore(b *builder) {
	rs, full := b.dirty(b.drawn)
	cur := make([]image.Rectangle, 0, len(rs))
	bounds := g.img.Bounds()
	area := 0
	for _, r := range rs {
		q := image.Rect(int(r[0])-2, int(r[1])-2, int(r[2])+3, int(r[3])+3).Intersect(bounds)
		if !q.Empty() {
			cur = append(cur, q)
			area += q.Dx() * q.Dy()
		}
	}
	whole := bounds.Dx() * bounds.Dy()
	full = full || area > whole/2
	if g.prevFull || full {
		g.img.DrawImage(g.bg, &ebiten.DrawImageOptions{Blend: ebiten.BlendCopy})
	} else {
		for _, r := range g.prev {
			op := &ebiten.DrawImageOptions{Blend: ebiten.BlendCopy}
			op.GeoM.Translate(float64(r.Min.X), float64(r.Min.Y))
			g.img.DrawImage(g.bg.SubImage(r).(*ebiten.Image), op)
		}
	}
	g.prev, g.prevFull = cur, full
}
func (g *game) Draw(*ebiten.Image) {}

func (g *game) Layout(int, int) (int, int) { return 64, 64 }
