package detect

import (
	"testing"

	"github.com/trafficsim/trafficsim/sim/device/decode"
	tk "github.com/trafficsim/trafficsim/sim/device/detect/track"
	"github.com/trafficsim/trafficsim/wire"
)

// anprCam is the camera of scenarios/intersection-anpr (4 MP, focal 6000 px, 5 m up, tilt 16)
// at the synthetic site's origin.
var anprCam = wire.Pinhole{FocalPx: 6000, Cx: 1280, Cy: 720, HeightM: 5, TiltDeg: 16, Width: 2560, Height: 1440}

func TestZoomOnlyForZoomedCameras(t *testing.T) {
	overview := wire.Pinhole{FocalPx: 1600, Cx: 640, Cy: 360, HeightM: 7, TiltDeg: 16, Width: 1280, Height: 720}
	cases := []struct {
		name string
		cam  wire.Pinhole
		want int
	}{
		{"shipped intersection overview, 720p", overview, 0},
		{"test site, 640x360", cam, 0},
		{"ANPR, 2560x1440", anprCam, 24}, // 0.45 m at the middle row: 144 px, 24 pixels of the 1/6 image
	}
	for _, c := range cases {
		cal := siteOf(t, c.cam)
		d, err := New(cal, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if d.zoomGap != c.want {
			t.Errorf("%s: joining gap %d, want %d", c.name, d.zoomGap, c.want)
		}
		if d, _ := New(cal, Options{NoZoom: true}); d.zoomGap != 0 {
			t.Errorf("%s: NoZoom gives gap %d", c.name, d.zoomGap)
		}
	}
}

// zoomed returns a detector of the ANPR camera over the test site with an empty mask, and a
// function that marks a full-resolution box as foreground.
func zoomed(t *testing.T, o Options) (*Detector, func(b wire.Box)) {
	t.Helper()
	d, err := New(siteOf(t, anprCam), o)
	if err != nil {
		t.Fatal(err)
	}
	fillBox := func(b wire.Box) {
		s := float64(d.s)
		for y := max(0, int(b[1]/s)); y < min(d.h, int(b[3]/s)); y++ {
			for x := max(0, int(b[0]/s)); x < min(d.w, int(b[2]/s)); x++ {
				d.fg.Mask[y*d.w+x] = 1
			}
		}
	}
	return d, fillBox
}

func blobsOf(d *Detector) []wire.Box {
	var out []wire.Box
	for _, o := range d.measure(d.zoomBlobs(max(1, d.o.MinArea/(4*d.s*d.s)))) {
		out = append(out, o.Box)
	}
	return out
}

// A grey car on grey asphalt: only its rear window, lamps, plate and bumper differ from the
// road, pieces 0.2-0.3 m apart. The zoomed camera sees one vehicle, the overview labelling
// several.
func TestZoomedCarInPiecesIsOneBlob(t *testing.T) {
	// the rear face of a car whose rear stands 14 m ahead in the away lane (x 0-3.5)
	face := func(x0, z0, x1, z1 float64) wire.Box {
		a, _, _ := anprCam.Project(wire.Vec3{x0, 14, z1})
		b, _, _ := anprCam.Project(wire.Vec3{x1, 14, z0})
		return wire.Box{a[0], a[1], b[0], b[1]}
	}
	pieces := []wire.Box{
		face(0.9, 1.05, 2.6, 1.45),  // rear window
		face(0.85, 0.7, 1.2, 0.85),  // left lamp
		face(2.3, 0.7, 2.65, 0.85),  // right lamp
		face(1.5, 0.4, 2.0, 0.5),    // plate
		face(0.85, 0.05, 2.65, 0.2), // bumper and its shadow
	}
	for _, c := range []struct {
		o    Options
		want int
	}{{Options{NoZoom: true}, len(pieces)}, {Options{}, 1}} {
		d, fill := zoomed(t, c.o)
		for _, p := range pieces {
			fill(p)
		}
		if got := blobsOf(d); len(got) != c.want {
			t.Errorf("NoZoom %v: %d blobs %v, want %d", c.o.NoZoom, len(got), got, c.want)
		}
	}
	d, fill := zoomed(t, Options{})
	for _, p := range pieces {
		fill(p)
	}
	got := blobsOf(d)
	if len(got) == 1 {
		want := wire.Box{pieces[0][0], pieces[0][1], pieces[4][2], pieces[4][3]}
		if got[0].IoU(want) < 0.8 {
			t.Errorf("blob %v, want about %v", got[0], want)
		}
	}
}

// Two motorbikes riding side by side 0.3 m apart stay two blobs: each is a whole motorbike, and
// their union would be a car-wide box.
func TestZoomedMotorbikesStayApart(t *testing.T) {
	sz := classSize[wire.Motorbike]
	moto := func(x, rear float64) wire.Box {
		b, ok := anprCam.ProjectCuboid(wire.Cuboid{Center: wire.Point{x, rear + sz[0]/2}, Length: sz[0], Width: sz[1], Height: sz[2]})
		if !ok {
			t.Fatal("motorbike out of view")
		}
		return b
	}
	for _, c := range []struct {
		name string
		a, b wire.Box
	}{
		{"side by side", moto(1.0, 16), moto(1.0+sz[1]+0.3, 16)},
	} {
		d, fill := zoomed(t, Options{})
		fill(c.a)
		fill(c.b)
		if got := blobsOf(d); len(got) != 2 {
			t.Errorf("%s: %d blobs %v, want 2: %v and %v", c.name, len(got), got, c.a, c.b)
		}
	}
}

// A vehicle cut by the image's bottom edge (a zoomed camera's near vehicle, one entering) has no
// known ground point: its plate is not tried there, so the first attempt comes when it is in
// full view (before, an attempt at the edge held the next one back for 25 frames, while a
// motorbike riding away crossed the ANPR camera's view).
func TestPlateNotTriedAtTheBottomEdge(t *testing.T) {
	d, err := New(siteOf(t, anprCam), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var f decode.Frame
	render(&f, d.cal, 0, nil, nil) // the backdrop: a reading attempt finds no plate, but it is made
	d.frame = 100
	for _, c := range []struct {
		name string
		box  wire.Box
		want int
	}{
		{"cut by the bottom edge", wire.Box{1500, 600, 2300, 1440}, 0},
		{"in full view", wire.Box{1500, 300, 2300, 1100}, 100},
	} {
		g, _ := wire.Apply(d.cal.ImageToRoad, wire.Point{(c.box[0] + c.box[2]) / 2, c.box[3]})
		tr := &track{Track: tk.Track{Hist: []sample{{Box: c.box, Ground: g}}, Seen: minSeen, Votes: map[wire.Class]int{wire.Car: 1}}}
		d.tryPlate(&f, tr)
		if tr.plateTried != c.want {
			t.Errorf("%s: plate tried at frame %d, want %d", c.name, tr.plateTried, c.want)
		}
	}
}
