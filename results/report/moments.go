package report

import (
	"fmt"
	"sort"
	"time"

	"github.com/trafficsim/trafficsim/results"
)

// VizURL is where `trafficsim viz runs/<id>` serves by default (viz/web.DefaultAddr); each
// missed violation and false alarm of the report links to its moment there:
// VizURL#cam=<camera>&t=<unix ms>.
const VizURL = "http://127.0.0.1:8168/"

// maxMoments bounds the list of misses and false alarms in a report.
const maxMoments = 200

// moment is one FN or FP row, linked to the viewer.
type moment struct {
	Outcome, Camera, Type, Plate string
	At                           time.Time
	Link                         string
}

// moments lists the misses and false alarms in time order, at most maxMoments.
func moments(ms []results.Match) (out []moment, more int) {
	for _, m := range ms {
		at, plate := m.TruthTime, m.TruthPlate
		switch m.Outcome {
		case results.FN:
		case results.FP:
			at, plate = m.EventTime, m.EventPlate
		default:
			continue
		}
		out = append(out, moment{Outcome: string(m.Outcome), Camera: m.Camera, Type: string(m.Type), Plate: plate, At: at,
			Link: MomentURL(m.Camera, at)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	if len(out) > maxMoments {
		return out[:maxMoments], len(out) - maxMoments
	}
	return out, 0
}

// MomentURL links a camera's moment in the viewer.
func MomentURL(camera string, at time.Time) string {
	return fmt.Sprintf("%s#cam=%s&t=%d", VizURL, camera, at.UnixMilli())
}
