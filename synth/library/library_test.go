package library_test

import (
	"bytes"
	"testing"

	"github.com/trafficsim/trafficsim/synth/encode"
	"github.com/trafficsim/trafficsim/synth/library"
	"github.com/trafficsim/trafficsim/synth/library/librarytest"
)

func TestClipRoundTrip(t *testing.T) {
	root := t.TempDir()
	c := librarytest.MakeClip(t, root, librarytest.Spec{Frames: 30, GOP: 10})
	again, err := library.Open(c.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if again.Meta.Frames != 30 || len(again.Index.Frames) != 30 {
		t.Fatalf("frames: meta %d, index %d; want 30", again.Meta.Frames, len(again.Index.Frames))
	}
	stream, err := again.Stream()
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range again.Index.Frames {
		au := again.AccessUnit(stream, i)
		if f.Key != encode.HasIDR(au) || (f.Key && !encode.HasSPS(au)) {
			t.Errorf("frame %d: key=%v but NAL types %v", i, f.Key, encode.NALTypes(au))
		}
		if !bytes.HasPrefix(au, []byte{0, 0, 0, 1}) && !bytes.HasPrefix(au, []byte{0, 0, 1}) {
			t.Errorf("frame %d does not start with an Annex B start code", i)
		}
	}
	list, err := library.List(root)
	if err != nil || len(list) != 1 || list[0].Meta.ID != c.Meta.ID {
		t.Fatalf("List = %v, %v", list, err)
	}
	if !library.Exists(root, c.Meta.ID) || library.Exists(root, "nope") {
		t.Error("Exists is wrong")
	}
}

func TestKeyDependsOnEveryPart(t *testing.T) {
	if library.Key("a", "bc") == library.Key("ab", "c") {
		t.Error("Key must not collide on re-split parts")
	}
	if library.Key("x", "1") != library.Key("x", "1") {
		t.Error("Key must be stable")
	}
}
