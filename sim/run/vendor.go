package run

import (
	"context"
	"errors"
	"fmt"

	"github.com/trafficsim/trafficsim/sim/cluster/adapt"
	"github.com/trafficsim/trafficsim/sim/onvif"
)

// Vendor meets an external box where it is (docs/vendors.md): the farm's cameras as ONVIF
// cameras, and the box's own event formats mapped at the regional cluster.
type Vendor struct {
	// ONVIF is host:port where the farm's cameras answer ONVIF (device and media services,
	// /onvif/<camera>/device_service) and WS-Discovery is multicast [none].
	ONVIF string
	// ONVIFInterface is the network interface for WS-Discovery [the routing table's choice].
	ONVIFInterface string
	// ONVIFNoDiscovery turns WS-Discovery off (services only) [false].
	ONVIFNoDiscovery bool
	// Vendors map the box's own event payloads (POST <cluster>/v1/vendor/<name>, MQTT); their
	// device becomes the external device [none].
	Vendors []*adapt.Vendor
	// MQTTListen is host:port of the cluster's MQTT listener for the vendors' topics [none].
	MQTTListen string
}

func (v *Vendor) check(device string, direct bool) error {
	if len(v.Vendors) == 0 && v.MQTTListen == "" {
		return nil
	}
	switch {
	case device != DeviceExternal:
		return errors.New("run: vendor event formats need --device external")
	case direct:
		return errors.New("run: vendor event formats are mapped by the regional cluster: not with --direct")
	}
	for _, vd := range v.Vendors {
		vd.Device = ExternalID // the box under test, whatever its mapping calls it
	}
	return nil
}

// startONVIF serves the farm's cameras as ONVIF cameras (Vendor.ONVIF).
func (a *assembly) startONVIF(ctx context.Context) error {
	c := a.c
	if c.ONVIF == "" {
		return nil
	}
	o, err := onvif.New(onvif.Config{Listen: c.ONVIF, Cameras: onvif.FarmCameras(a.farm), Discovery: !c.ONVIFNoDiscovery,
		DiscoveryInterface: c.ONVIFInterface, TimeNow: c.TimeNow})
	if err != nil {
		return err
	}
	if err := o.Start(ctx); err != nil {
		return fmt.Errorf("run: %w", err)
	}
	a.onvif = o
	c.Logf("ONVIF: http://%s/onvif/<camera>/device_service (WS-Discovery on 239.255.255.250:3702: %v)", o.Addr(), !c.ONVIFNoDiscovery)
	return nil
}

func (a *assembly) closeONVIF() {
	if a.onvif != nil {
		a.onvif.Close()
		a.onvif = nil
	}
}

// logVendors says where the box posts in its own formats.
func (a *assembly) logVendors(ingest, mqtt string) {
	for _, v := range a.c.Vendors {
		a.c.Logf("vendor %s: POST %s/v1/vendor/%s (Bearer token of cameras.json)", v.Name, ingest, v.Name)
		if v.MQTTTopic != "" {
			a.c.Logf("vendor %s: MQTT %s topic %s (user %s, password: the token)", v.Name, mqtt, v.MQTTTopic, ExternalID)
		}
	}
}
