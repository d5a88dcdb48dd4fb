package run

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/trafficsim/trafficsim/sim/farm"
)

// PlayheadsFile holds where each camera's clip stood (farm.Playhead), so a viewer can replay
// the run from the record and the clip library.
const PlayheadsFile = "playheads.json"

// writePlayheads records the cameras' playheads and hands the farm to a viewer.
func writePlayheads(dir string, fm *farm.Farm, onPlay func(string, *farm.Farm)) error {
	b, err := json.MarshalIndent(fm.Playheads(), "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, PlayheadsFile), append(b, '\n'), 0o644); err != nil {
		return err
	}
	if onPlay != nil {
		onPlay(dir, fm)
	}
	return nil
}
