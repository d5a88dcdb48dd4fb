package adapt

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxXMLDepth bounds nesting (a hostile payload cannot grow the stack).
const maxXMLDepth = 32

// decodeXML turns an EventNotificationAlert into a tree: elements are keys (local names,
// namespaces dropped), text leaves strings, repeated elements lists; attributes are ignored.
func decodeXML(p []byte) (any, error) {
	d := xml.NewDecoder(bytes.NewReader(p))
	d.Strict = true
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil, errors.New("payload is not XML: no root element")
		}
		if err != nil {
			return nil, fmt.Errorf("payload is not XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "EventNotificationAlert" {
				return nil, fmt.Errorf("root element is <%s>, want <EventNotificationAlert>", se.Name.Local)
			}
			tree, err := element(d, 1)
			if err != nil {
				return nil, fmt.Errorf("payload is not XML: %v", err)
			}
			for {
				tok, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					return nil, fmt.Errorf("payload is not XML: %v", err)
				}
				switch t := tok.(type) {
				case xml.StartElement:
					return nil, errors.New("payload is not XML: a second root element")
				case xml.CharData:
					if len(bytes.TrimSpace(t)) > 0 {
						return nil, errors.New("payload is not XML: text after the root element")
					}
				}
			}
			if _, ok := tree.(map[string]any); !ok {
				return nil, errors.New("<EventNotificationAlert> is empty")
			}
			return tree, nil
		}
	}
}

// element reads the content of the element just opened up to its end: its text, or its
// children by name (one child a value, repeated children a list).
func element(d *xml.Decoder, depth int) (any, error) {
	if depth > maxXMLDepth {
		return nil, fmt.Errorf("nested deeper than %d elements", maxXMLDepth)
	}
	var text strings.Builder
	var kids map[string][]any
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			v, err := element(d, depth+1)
			if err != nil {
				return nil, err
			}
			if kids == nil {
				kids = map[string][]any{}
			}
			kids[t.Name.Local] = append(kids[t.Name.Local], v)
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			if kids == nil {
				return strings.TrimSpace(text.String()), nil
			}
			m := make(map[string]any, len(kids))
			for k, l := range kids {
				if len(l) == 1 {
					m[k] = l[0]
				} else {
					m[k] = l
				}
			}
			return m, nil
		}
	}
}
