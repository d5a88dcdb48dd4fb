package scenarios

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

//go:embed *.yaml
var shipped embed.FS

// Shipped returns the scenario files shipped with trafficsim (NAME.yaml at the root).
func Shipped() fs.FS { return shipped }

// Names lists the shipped scenario names, sorted.
func Names() []string { return YAMLNames(shipped, ".") }

// YAMLNames lists the NAME.yaml files of dir in fsys by NAME, sorted (the shipped files of a
// strict YAML input: scenarios, rollout models, ...).
func YAMLNames(fsys fs.FS, dir string) []string {
	ents, _ := fs.ReadDir(fsys, dir)
	var out []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Lookup loads a shipped scenario by name, or else a scenario file on disk.
func Lookup(nameOrFile string) (*Scenario, error) {
	if slices.Contains(Names(), nameOrFile) {
		return Load(shipped, nameOrFile+".yaml")
	}
	if _, err := os.Stat(nameOrFile); err != nil {
		return nil, fmt.Errorf("scenario %q is neither a shipped name (%s) nor a readable file", nameOrFile, strings.Join(Names(), ", "))
	}
	// Load checks the file before it opens it (opening a FIFO would block)
	dir, file := path.Split(nameOrFile)
	if dir == "" {
		dir = "."
	}
	s, err := Load(os.DirFS(dir), file)
	if s != nil {
		s.File = nameOrFile
	}
	return s, err
}

// MaxFileBytes bounds the size of a scenario file.
const MaxFileBytes = 1 << 20

// MaxDepth bounds the nesting of a scenario file: flow collections ([ and {) and block
// indentation (columns, with each "- " of a nested sequence counting 2). The deepest shipped
// scenario nests 4 levels; a description nested 100,000 deep took the YAML decoder 4 GB.
const (
	MaxDepth  = 32
	MaxIndent = 128
)

// Load reads, decodes strictly, fills in defaults and validates the scenario at path in fsys.
// Every error names the file, the line and the field. The file is checked before it is read:
// it must be a regular file of at most MaxFileBytes.
func Load(fsys fs.FS, name string) (*Scenario, error) {
	st, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s)", name, kind(st.Mode()))
	}
	if st.Size() > MaxFileBytes {
		return nil, fmt.Errorf("%s: file is larger than %d bytes", name, MaxFileBytes)
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1)) // the file may grow after Stat
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s, err := Parse(name, data)
	if err != nil {
		return nil, err
	}
	s.File = name
	return s, nil
}

// Parse decodes and validates scenario YAML; file is used in error messages only.
func Parse(file string, data []byte) (*Scenario, error) {
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("%s: file is larger than %d bytes", file, MaxFileBytes)
	}
	if line, msg := tooDeep(data); msg != "" {
		return nil, fmt.Errorf("%s:%d: %s", file, line, msg)
	}
	var s Scenario
	dec := yaml.NewDecoder(bytes.NewReader(data), yaml.DisallowUnknownField())
	if err := dec.Decode(&s); err != nil {
		return nil, decodeError(file, data, err)
	}
	applyDefaults(&s)
	if errs := validate(&s); len(errs) > 0 {
		astFile, _ := parser.ParseBytes(data, 0)
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, fmt.Sprintf("%s:%d: %s: %s", file, lineOf(astFile, e.path), e.path, e.msg))
		}
		return nil, errors.New(strings.Join(msgs, "\n"))
	}
	return &s, nil
}

// kind names what a file that is not a regular one is.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.Type().String()
}

// tooDeep scans YAML text for nesting beyond MaxDepth or MaxIndent before the decoder sees
// it, and returns the first line at fault. Quoted strings and comments are skipped; it may
// over-count a '[' inside a plain scalar, which only matters past MaxDepth of them.
func tooDeep(data []byte) (line int, msg string) {
	depth := 0
	line = 1
	bol := true // at the beginning of a line, before its indentation ended
	col := 0
	var quote byte
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c == '\n' {
			line++
			bol, col = true, 0
			continue // quoted scalars may span lines
		}
		if quote != 0 {
			switch {
			case quote == '"' && c == '\\':
				i++
			case c == quote:
				quote = 0
			}
			continue
		}
		if bol {
			switch {
			case c == ' ':
				col++
				continue
			case c == '-' && i+1 < len(data) && (data[i+1] == ' ' || data[i+1] == '\t'):
				col += 2
				i++
				continue
			}
			bol = false
			if col > MaxIndent {
				return line, fmt.Sprintf("indented deeper than %d columns", MaxIndent)
			}
		}
		switch c {
		case '#':
			if i == 0 || data[i-1] == ' ' || data[i-1] == '\t' {
				for i+1 < len(data) && data[i+1] != '\n' {
					i++
				}
			}
		case '"', '\'':
			if i == 0 || strings.IndexByte(" \t:[{,-", data[i-1]) >= 0 {
				quote = c // a quoted scalar starts; an apostrophe inside a word does not
			}
		case '[', '{':
			depth++
			if depth > MaxDepth {
				return line, fmt.Sprintf("nested deeper than %d levels", MaxDepth)
			}
		case ']', '}':
			depth = max(depth-1, 0)
		}
	}
	return line, ""
}

var structField = regexp.MustCompile(`Go struct field ([A-Za-z0-9_.]+) of type`)

// decodeError turns a go-yaml error into "FILE:LINE: FIELD: problem".
func decodeError(file string, data []byte, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil {
		if errors.Is(err, errEOF) || len(bytes.TrimSpace(data)) == 0 {
			return fmt.Errorf("%s:1: the file is empty", file)
		}
		if m := badDuration.FindStringSubmatch(err.Error()); m != nil {
			if v, err := strconv.Unquote(m[1]); err == nil {
				if p, line := findScalar(data, v); p != "" {
					return fmt.Errorf("%s:%d: %s: want a duration like 90s or 10m, got %q", file, line, p, v)
				}
			}
		}
		return fmt.Errorf("%s: %v", file, firstLine(err.Error()))
	}
	tk := ye.GetToken()
	line := tk.Position.Line
	msg := ye.GetMessage()
	var unk *yaml.UnknownFieldError
	var te *yaml.TypeError
	var ov *yaml.OverflowError
	switch {
	case errors.As(err, &ov):
		want := "a smaller number"
		if ov.DstType != nil {
			want = typeName(ov.DstType.String())
			if ov.DstType.String() == "uint64" {
				want = "a non-negative integer"
			}
		}
		return fmt.Errorf("%s:%d: %s: want %s, got %s", file, line, keyPath(data, tk.Position.Line, tk.Position.Column), want, ov.SrcNum)
	case errors.As(err, &unk):
		field := strings.Trim(strings.TrimPrefix(msg, "unknown field "), `"`)
		return fmt.Errorf("%s:%d: %s: unknown field", file, line, joinPath(keyPath(data, tk.Position.Line, tk.Position.Column), field))
	case errors.As(err, &te):
		want := "a value of another type"
		if te.DstType != nil {
			want = typeName(te.DstType.String())
		}
		return fmt.Errorf("%s:%d: %s: want %s, got %q", file, line, keyPath(data, tk.Position.Line, tk.Position.Column), want, tk.Value)
	}
	if m := structField.FindStringSubmatch(msg); m != nil {
		msg = strings.Replace(msg, m[0], "field of type", 1)
	}
	p := keyPath(data, tk.Position.Line, tk.Position.Column)
	if p == "" {
		return fmt.Errorf("%s:%d: %s", file, line, firstLine(msg))
	}
	return fmt.Errorf("%s:%d: %s: %s", file, line, p, firstLine(msg))
}

var errEOF = errors.New("EOF")

var badDuration = regexp.MustCompile(`invalid duration ("(?:[^"\\]|\\.)*")`)

// findScalar returns the path and line of the first scalar value equal to v.
func findScalar(data []byte, v string) (string, int) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return "", 0
	}
	var path string
	var line int
	var walk func(n ast.Node, p string)
	walk = func(n ast.Node, p string) {
		if path != "" || n == nil {
			return
		}
		switch x := n.(type) {
		case *ast.DocumentNode:
			walk(x.Body, p)
		case *ast.MappingNode:
			for _, mv := range x.Values {
				walk(mv, p)
			}
		case *ast.MappingValueNode:
			k := joinPath(p, x.Key.String())
			if tk := x.Value.GetToken(); tk != nil && tk.Value == v {
				path, line = k, tk.Position.Line
				return
			}
			walk(x.Value, k)
		case *ast.SequenceNode:
			for i, e := range x.Values {
				walk(e, p+"["+strconv.Itoa(i)+"]")
			}
		}
	}
	for _, d := range f.Docs {
		walk(d, "")
	}
	return path, line
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func typeName(t string) string {
	switch t {
	case "time.Duration":
		return "a duration like 90s or 10m"
	case "float64":
		return "a number"
	case "int", "uint64":
		return "an integer"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	}
	if strings.HasPrefix(t, "[]") {
		return "a list"
	}
	return "a mapping"
}

func joinPath(parent, field string) string {
	if parent == "" {
		return field
	}
	return parent + "." + field
}

// keyPath finds the dotted path of the YAML key whose line and column hold the token at
// (line, col): it walks the AST for the deepest mapping value or key at that position.
func keyPath(data []byte, line, col int) string {
	f, err := parser.ParseBytes(data, 0)
	if err != nil || len(f.Docs) == 0 {
		return ""
	}
	var best string
	var walk func(n ast.Node, p string)
	walk = func(n ast.Node, p string) {
		switch v := n.(type) {
		case *ast.DocumentNode:
			walk(v.Body, p)
		case *ast.MappingNode:
			for _, mv := range v.Values {
				walk(mv, p)
			}
		case *ast.MappingValueNode:
			k := joinPath(p, v.Key.String())
			kt := v.Key.GetToken()
			if kt != nil && kt.Position.Line == line && kt.Position.Column == col {
				best = p // the token is the key itself: an unknown field of p
				return
			}
			if vt := v.Value.GetToken(); vt != nil && vt.Position.Line == line && vt.Position.Column == col {
				best = k
			}
			walk(v.Value, k)
		case *ast.SequenceNode:
			for i, e := range v.Values {
				ip := p + "[" + strconv.Itoa(i) + "]"
				if et := e.GetToken(); et != nil && et.Position.Line == line && et.Position.Column == col {
					best = ip
				}
				walk(e, ip)
			}
		}
	}
	for _, d := range f.Docs {
		walk(d, "")
	}
	return best
}

// lineOf returns the line of the key at a dotted path (a missing key: its nearest parent; the
// whole file: line 1).
func lineOf(f *ast.File, p string) int {
	if f == nil {
		return 1
	}
	for p != "" {
		if yp, err := yaml.PathString("$." + p); err == nil {
			if n, err := yp.FilterFile(f); err == nil && n != nil && n.GetToken() != nil {
				return keyLine(f, p, n.GetToken().Position.Line)
			}
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 1
}

// keyLine prefers the line of the key over the line of a block value below it.
func keyLine(f *ast.File, p string, valueLine int) int {
	i := strings.LastIndexAny(p, ".[")
	parent, last := "", p
	if i >= 0 {
		parent, last = p[:i], p[i+1:]
	}
	if strings.HasSuffix(last, "]") {
		return valueLine
	}
	var n ast.Node
	if parent == "" {
		if len(f.Docs) > 0 {
			n = f.Docs[0].Body
		}
	} else if yp, err := yaml.PathString("$." + parent); err == nil {
		n, _ = yp.FilterFile(f)
	}
	if m, ok := n.(*ast.MappingNode); ok {
		for _, mv := range m.Values {
			if mv.Key.String() == last {
				return mv.Key.GetToken().Position.Line
			}
		}
	}
	if mv, ok := n.(*ast.MappingValueNode); ok && mv.Key.String() == last {
		return mv.Key.GetToken().Position.Line
	}
	return valueLine
}

func applyDefaults(s *Scenario) {
	def := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	if s.Seed == 0 {
		s.Seed = 1
	}
	if s.Duration == 0 {
		s.Duration = 10 * time.Minute
	}
	def(&s.FPS, 25)
	if s.Codec == "" {
		s.Codec = "h264"
	}
	if s.Resolution.Width == 0 {
		s.Resolution.Width = 1280
	}
	if s.Resolution.Height == 0 {
		s.Resolution.Height = 720
	}
	sc := &s.Scene
	def(&sc.LaneWidthM, 3.5)
	if sc.Template == "intersection" {
		def(&sc.StopLineM, 18)
		if sc.Cross != nil {
			if sc.Cross.LanesEachWay == 0 {
				sc.Cross.LanesEachWay = 2
			}
			def(&sc.Cross.LaneWidthM, 3.5)
			def(&sc.Cross.FlowPerHour, 1200)
		}
		if sc.Signal != nil {
			if sc.Signal.Amber == 0 {
				sc.Signal.Amber = 3 * time.Second
			}
			if sc.Signal.AllRed == 0 {
				sc.Signal.AllRed = 2 * time.Second
			}
		}
	}
	for i := range sc.NoParking {
		if sc.NoParking[i].Side == "" {
			sc.NoParking[i].Side = "right"
		}
		if sc.NoParking[i].Threshold == 0 {
			sc.NoParking[i].Threshold = 60 * time.Second
		}
	}
	for i := range sc.Parked {
		if sc.Parked[i].Side == "" {
			sc.Parked[i].Side = "right"
		}
	}
	c := &s.Camera
	if c.PositionM == nil {
		c.PositionM = []float64{0, 0}
	}
	def(&c.HeightM, 7)
	def(&c.TiltDeg, 22)
	def(&c.FocalPx, 1500)
	cd := &s.Conditions
	if cd.TimeOfDay == "" {
		cd.TimeOfDay = "day"
	}
	if cd.Weather == "" {
		cd.Weather = "clear"
	}
	def(&cd.Noise, 0.01)
	if cd.Overlay == nil {
		t := true
		cd.Overlay = &t
	}
	if cd.Start == "" {
		cd.Start = "2026-03-02T08:00:00+07:00"
	}
	if s.Traffic.Plates == "" {
		s.Traffic.Plates = "hanoi"
	}
	b := &s.Traffic.Behaviour
	def(&b.HeadwayS, 1.2)
	def(&b.MinGapM, 1.5)
	def(&b.AccelMS2, 1.5)
	def(&b.DecelMS2, 2.5)
	def(&b.LaneChange, 0.1)
	def(&b.Passengers, 0.3)
	d := &s.Deployment
	if d.Cameras == 0 {
		d.Cameras = 1
	}
	if d.CamerasPerDevice == 0 {
		d.CamerasPerDevice = 8
	}
	if d.Clusters == 0 {
		d.Clusters = 1
	}
}

type fieldError struct{ path, msg string }

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

func validate(s *Scenario) []fieldError {
	var errs []fieldError
	bad := func(p, format string, a ...any) { errs = append(errs, fieldError{p, fmt.Sprintf(format, a...)}) }
	num := func(p string, v, lo, hi float64) {
		if math.IsNaN(v) || v < lo || v > hi {
			bad(p, "must be between %g and %g (got %g)", lo, hi, v)
		}
	}
	if s.Name == "" {
		bad("name", "is required")
	} else if !nameRE.MatchString(s.Name) {
		bad("name", "must be lower-case letters, digits and '-' (got %q)", s.Name)
	}
	if s.Duration < time.Second || s.Duration > 24*time.Hour {
		bad("duration", "must be between 1s and 24h (got %s)", s.Duration)
	}
	num("fps", s.FPS, 1, 120)
	if s.Codec != "h264" && s.Codec != "h265" {
		bad("codec", "must be h264 or h265 (got %q)", s.Codec)
	}
	if s.Resolution.Width < 64 || s.Resolution.Width > 7680 {
		bad("resolution.width", "must be between 64 and 7680 (got %d)", s.Resolution.Width)
	}
	if s.Resolution.Height < 64 || s.Resolution.Height > 4320 {
		bad("resolution.height", "must be between 64 and 4320 (got %d)", s.Resolution.Height)
	}
	sc := s.Scene
	switch sc.Template {
	case "intersection", "arterial", "expressway":
	case "":
		bad("scene.template", "is required (intersection, arterial or expressway)")
	default:
		bad("scene.template", "must be intersection, arterial or expressway (got %q)", sc.Template)
	}
	num("scene.lane_width_m", sc.LaneWidthM, 2, 5)
	num("scene.median_m", sc.MedianM, 0, 20)
	num("scene.sidewalk_m", sc.SidewalkM, 0, 10)
	num("scene.shoulder_m", sc.ShoulderM, 0, 5)
	if len(sc.Lanes) == 0 {
		bad("scene.lanes", "needs at least one lane")
	}
	if len(sc.Lanes) > 10 {
		bad("scene.lanes", "has more than 10 lanes")
	}
	ids := map[string]bool{}
	usable := map[string]bool{}
	seenAway := false
	for i, l := range sc.Lanes {
		p := fmt.Sprintf("scene.lanes[%d]", i)
		switch {
		case l.ID == "":
			bad(p+".id", "is required")
		case ids[l.ID]:
			bad(p+".id", "duplicate lane id %q", l.ID)
		case !nameRE.MatchString(l.ID):
			bad(p+".id", "must be lower-case letters, digits and '-' (got %q)", l.ID)
		}
		ids[l.ID] = true
		switch l.Direction {
		case "away":
			seenAway = true
		case "toward":
			if seenAway {
				bad(p+".direction", "toward lanes must come before away lanes (traffic keeps right)")
			}
		case "":
			bad(p+".direction", "is required (away or toward)")
		default:
			bad(p+".direction", "must be away or toward (got %q)", l.Direction)
		}
		if len(l.Allowed) == 0 {
			bad(p+".allowed", "needs at least one class")
		}
		for j, c := range l.Allowed {
			if !slices.Contains(ClassNames, c) {
				bad(fmt.Sprintf("%s.allowed[%d]", p, j), "unknown class %q (want one of %s)", c, strings.Join(ClassNames, ", "))
			}
			usable[c] = true
		}
	}
	if sc.Template == "intersection" {
		if sc.Cross == nil {
			bad("scene.cross", "is required for the intersection template")
		} else {
			if sc.Cross.LanesEachWay < 1 || sc.Cross.LanesEachWay > 4 {
				bad("scene.cross.lanes_each_way", "must be between 1 and 4 (got %d)", sc.Cross.LanesEachWay)
			}
			num("scene.cross.lane_width_m", sc.Cross.LaneWidthM, 2, 5)
			num("scene.cross.flow_per_hour", sc.Cross.FlowPerHour, 0, 20000)
		}
		if sc.Signal == nil {
			bad("scene.signal", "is required for the intersection template")
		} else {
			dur := func(p string, d time.Duration, lo time.Duration) {
				if d < lo || d > 10*time.Minute {
					bad(p, "must be between %s and 10m (got %s)", lo, d)
				}
			}
			dur("scene.signal.green", sc.Signal.Green, 5*time.Second)
			dur("scene.signal.amber", sc.Signal.Amber, time.Second)
			dur("scene.signal.all_red", sc.Signal.AllRed, 0)
			dur("scene.signal.cross_green", sc.Signal.CrossGreen, 5*time.Second)
		}
		num("scene.stop_line_m", sc.StopLineM, 5, 60)
	} else {
		if sc.Cross != nil {
			bad("scene.cross", "is only for the intersection template")
		}
		if sc.Signal != nil {
			bad("scene.signal", "is only for the intersection template")
		}
	}
	for i, z := range sc.NoParking {
		p := fmt.Sprintf("scene.no_parking[%d]", i)
		if z.ID == "" {
			bad(p+".id", "is required")
		}
		if z.Side != "right" && z.Side != "left" {
			bad(p+".side", "must be right or left (got %q)", z.Side)
		}
		num(p+".from_m", z.FromM, -30, 200)
		if !(z.ToM > z.FromM) || z.ToM > 200 {
			bad(p+".to_m", "must be above from_m and at most 200 (got %g)", z.ToM)
		}
		if z.Threshold < time.Second || z.Threshold > time.Hour {
			bad(p+".threshold", "must be between 1s and 1h (got %s)", z.Threshold)
		}
	}
	if z := sc.SpeedZone; z != nil {
		num("scene.speed_zone.from_m", z.FromM, -30, 200)
		if !(z.ToM > z.FromM+5) || z.ToM > 200 {
			bad("scene.speed_zone.to_m", "must be at least 5 m above from_m and at most 200 (got %g)", z.ToM)
		}
	}
	for i, ps := range sc.Parked {
		p := fmt.Sprintf("scene.parked[%d]", i)
		if ps.Class != "car" && ps.Class != "motorbike" {
			bad(p+".class", "must be car or motorbike (got %q)", ps.Class)
		}
		if ps.Side != "right" && ps.Side != "left" {
			bad(p+".side", "must be right or left (got %q)", ps.Side)
		}
		num(p+".at_m", ps.AtM, -30, 200)
	}
	for _, c := range ClassNames {
		v := sc.SpeedLimitsKmh.Get(c)
		if usable[c] && v == 0 {
			bad("scene.speed_limits_kmh."+c, "is required: a lane allows %s", c)
		} else {
			num("scene.speed_limits_kmh."+c, v, 0, 200)
		}
	}
	cam := s.Camera
	if len(cam.PositionM) != 2 {
		bad("camera.position_m", "must be [x, y] (got %d numbers)", len(cam.PositionM))
	}
	num("camera.height_m", cam.HeightM, 1, 50)
	num("camera.tilt_deg", cam.TiltDeg, 1, 89)
	num("camera.pan_deg", cam.PanDeg, -180, 180)
	num("camera.focal_px", cam.FocalPx, 100, 20000)
	cd := s.Conditions
	if !slices.Contains([]string{"day", "dusk", "night"}, cd.TimeOfDay) {
		bad("conditions.time_of_day", "must be day, dusk or night (got %q)", cd.TimeOfDay)
	}
	if !slices.Contains([]string{"clear", "rain", "fog"}, cd.Weather) {
		bad("conditions.weather", "must be clear, rain or fog (got %q)", cd.Weather)
	}
	num("conditions.noise", cd.Noise, 0, 1)
	if _, err := time.Parse(time.RFC3339, cd.Start); err != nil {
		bad("conditions.start", "must be an RFC 3339 time (got %q)", cd.Start)
	}
	tr := s.Traffic
	if tr.FlowPerHour <= 0 || tr.FlowPerHour > 30000 || math.IsNaN(tr.FlowPerHour) {
		bad("traffic.flow_per_hour", "must be above 0 and at most 30000 (got %g)", tr.FlowPerHour)
	}
	sum := 0.0
	for _, c := range ClassNames {
		v := tr.Mix.Get(c)
		num("traffic.mix."+c, v, 0, 1)
		if v > 0 && !usable[c] {
			bad("traffic.mix."+c, "no lane allows %s", c)
		}
		sum += v
	}
	if math.Abs(sum-1) > 1e-6 {
		bad("traffic.mix", "shares must add up to 1 (got %g)", sum)
	}
	if tr.Plates != "hanoi" && tr.Plates != "hcmc" {
		bad("traffic.plates", "must be hanoi or hcmc (got %q)", tr.Plates)
	}
	num("traffic.turns.left", tr.Turns.Left, 0, 1)
	num("traffic.turns.right", tr.Turns.Right, 0, 1)
	if tr.Turns.Left+tr.Turns.Right > 1 {
		bad("traffic.turns", "left + right must be at most 1 (got %g)", tr.Turns.Left+tr.Turns.Right)
	}
	if sc.Template != "intersection" && tr.Turns.Left+tr.Turns.Right > 0 {
		bad("traffic.turns", "turns need the intersection template")
	}
	b := tr.Behaviour
	for _, c := range ClassNames {
		r := b.DesiredSpeedKmh.Get(c)
		p := "traffic.behaviour.desired_speed_kmh." + c
		if r == nil {
			continue
		}
		if len(r) != 2 || !(r[0] > 0) || !(r[1] >= r[0]) || r[1] > 200 {
			bad(p, "must be [min, max] with 0 < min <= max <= 200 (got %v)", r)
		}
	}
	num("traffic.behaviour.headway_s", b.HeadwayS, 0.3, 5)
	num("traffic.behaviour.min_gap_m", b.MinGapM, 0.2, 10)
	num("traffic.behaviour.accel_ms2", b.AccelMS2, 0.3, 6)
	num("traffic.behaviour.decel_ms2", b.DecelMS2, 0.5, 9)
	num("traffic.behaviour.lane_change", b.LaneChange, 0, 1)
	num("traffic.behaviour.passengers", b.Passengers, 0, 1)
	num("traffic.behaviour.short_stops", b.ShortStops, 0, 1)
	for _, n := range ViolationNames {
		num("traffic.violations."+n, tr.Violations.Rate(n), 0, 1)
	}
	v := tr.Violations
	if v.RedLight+v.StopLine > 1 {
		bad("traffic.violations.stop_line", "red_light + stop_line must be at most 1 (got %g)", v.RedLight+v.StopLine)
	}
	if v.NoHelmet+v.TooManyPassengers > 1 {
		bad("traffic.violations.too_many_passengers", "no_helmet + too_many_passengers must be at most 1")
	}
	if sc.Template != "intersection" && v.RedLight+v.StopLine > 0 {
		bad("traffic.violations", "red_light and stop_line need the intersection template (signals)")
	}
	if v.IllegalParking > 0 && len(sc.NoParking) == 0 {
		bad("traffic.violations.illegal_parking", "needs a scene.no_parking zone")
	}
	if v.Speeding > 0 && sc.SpeedZone == nil {
		bad("traffic.violations.speeding", "needs a scene.speed_zone")
	}
	if v.Sidewalk > 0 && sc.SidewalkM == 0 {
		bad("traffic.violations.sidewalk", "needs scene.sidewalk_m above 0")
	}
	if (v.Sidewalk > 0 || v.NoHelmet > 0 || v.TooManyPassengers > 0) && tr.Mix.Motorbike == 0 {
		bad("traffic.violations", "sidewalk, no_helmet and too_many_passengers need motorbikes in traffic.mix")
	}
	d := s.Deployment
	if d.Cameras < 1 || d.Cameras > 100000 {
		bad("deployment.cameras", "must be between 1 and 100000 (got %d)", d.Cameras)
	}
	num("deployment.smart_share", d.SmartShare, 0, 1)
	if d.CamerasPerDevice < 1 || d.CamerasPerDevice > 1000 {
		bad("deployment.cameras_per_device", "must be between 1 and 1000 (got %d)", d.CamerasPerDevice)
	}
	if d.Clusters < 1 || d.Clusters > 10000 {
		bad("deployment.clusters", "must be between 1 and 10000 (got %d)", d.Clusters)
	}
	validateLink("deployment.uplink", d.Uplink, bad)
	validateLink("deployment.camera_link", d.CameraLink, bad)
	return errs
}
