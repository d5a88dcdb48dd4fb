package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
)

// DecodeStrict decodes one YAML document into v by the scenario loader's rules, for the other
// strict YAML inputs of trafficsim (rollout models, plans, suites): at most MaxFileBytes, unknown
// keys are errors, and every error reads "FILE:LINE: FIELD: problem".
func DecodeStrict(file string, data []byte, v any) error {
	if len(data) > MaxFileBytes {
		return fmt.Errorf("%s: file is larger than %d bytes", file, MaxFileBytes)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data), yaml.DisallowUnknownField())
	if err := dec.Decode(v); err != nil {
		return decodeError(file, data, err)
	}
	return nil
}

// FieldError is one validation problem at a dotted field path (e.g. "regions[0].communes").
type FieldError struct{ Path, Msg string }

// FieldErrors joins validation problems into one error, each line "FILE:LINE: FIELD: problem",
// with the line found from the path in data; nil when there are none.
func FieldErrors(file string, data []byte, errs []FieldError) error {
	if len(errs) == 0 {
		return nil
	}
	astFile, _ := parser.ParseBytes(data, 0)
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = fmt.Sprintf("%s:%d: %s: %s", file, lineOf(astFile, e.Path), e.Path, e.Msg)
	}
	return errors.New(strings.Join(msgs, "\n"))
}
