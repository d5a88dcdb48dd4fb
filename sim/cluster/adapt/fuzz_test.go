package adapt

import (
	"testing"
)

// Any payload either maps to valid events or is refused with an *Error; never a panic.
func fuzzVendor(f *testing.F, v *Vendor, seeds ...[]byte) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		evs, err := v.Map("", p)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		for _, e := range evs {
			if err := e.Validate(); err != nil {
				t.Fatalf("mapped an invalid event: %v", err)
			}
		}
	})
}

func FuzzISAPI(f *testing.F) {
	fuzzVendor(f, mustVendor(f, "hik.yaml"), mustRead(f, "anpr.xml"), mustRead(f, "anpr.json"), []byte(`<EventNotificationAlert/>`))
}

func FuzzJSONMapping(f *testing.F) {
	fuzzVendor(f, mustVendor(f, "acme.yaml"),
		[]byte(`{"id":"e1","cam":"cam-002","violation":{"kind":"SPEED"},"ts":1796523302250,"score":88,"bbox":[10,20,110,220]}`),
		[]byte(`[{"id":"a","cam":"c","violation":{"kind":"RED"},"ts":1}]`))
}

func FuzzLoadVendor(f *testing.F) {
	f.Add(mustRead(f, "acme.yaml"))
	f.Add(mustRead(f, "hik.yaml"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := LoadVendor(b)
		if err == nil {
			v.Map("", []byte(`{}`))
		}
	})
}
