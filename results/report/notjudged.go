package report

import (
	"fmt"
	"sort"

	"github.com/trafficsim/trafficsim/results"
	"github.com/trafficsim/trafficsim/wire"
)

// notJudgedTable is the scorecard's "not judged": per condition and per camera, the share of
// the analysed video in which the device declined to judge each type (its view did not allow
// it), so a miss there reads as the device's choice, not a guess gone wrong.
type notJudgedTable struct {
	Types []string
	Rows  []notJudgedRow
	Note  string
}

type notJudgedRow struct {
	Name     string
	Camera   bool // a camera's row (the others are conditions)
	Analysed string
	Cells    []notJudgedCell
}

type notJudgedCell struct {
	Text, Title, Class string
}

// notJudgedRows builds the table from summary.json's not_judged; nil when no device said.
func notJudgedRows(s *results.Score) *notJudgedTable {
	if len(s.NotJudged) == 0 {
		return nil
	}
	t := &notJudgedTable{}
	seen := map[string]bool{}
	for _, c := range s.NotJudged {
		for typ, v := range c.ByTypeS {
			if v > 0 {
				seen[typ] = true
			}
		}
	}
	for _, typ := range wire.ViolationTypes {
		if seen[string(typ)] {
			t.Types = append(t.Types, string(typ))
		}
	}
	row := func(name string, cam bool, n results.NotJudged) notJudgedRow {
		r := notJudgedRow{Name: name, Camera: cam, Analysed: fmt.Sprintf("%.0f s", n.AnalysedS)}
		for _, typ := range t.Types {
			c := notJudgedCell{Text: "–"}
			if v := n.ByTypeS[typ]; v > 0 {
				sh := n.Share(typ)
				c = notJudgedCell{Text: fmt.Sprintf("%.0f%%", 100*sh), Title: fmt.Sprintf("%.0f s of %.0f s", v, n.AnalysedS), Class: "nj"}
				if sh >= 0.5 {
					c.Class = "nj-most"
				}
			}
			r.Cells = append(r.Cells, c)
		}
		return r
	}
	byCond := results.NotJudgedByCondition(s.NotJudged)
	conds := map[string]results.Metrics{}
	for k := range byCond {
		conds[k] = results.Metrics{}
	}
	for _, k := range sortedConds(conds) {
		t.Rows = append(t.Rows, row(k, false, byCond[k]))
	}
	cams := make([]string, 0, len(s.NotJudged))
	for id := range s.NotJudged {
		cams = append(cams, id)
	}
	sort.Strings(cams)
	if len(cams) > maxCameraRows {
		t.Note = fmt.Sprintf("The first %d cameras of %d; summary.json has all of them.", maxCameraRows, len(cams))
		cams = cams[:maxCameraRows]
	}
	for _, id := range cams {
		t.Rows = append(t.Rows, row(id, true, s.NotJudged[id]))
	}
	return t
}
