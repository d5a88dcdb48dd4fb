package main

import (
	"context"
	"fmt"
	"os"

	"github.com/trafficsim/trafficsim/sim/farm"
	"github.com/trafficsim/trafficsim/sim/onvif"
)

// startONVIF serves a running farm's cameras as ONVIF cameras (cameras --onvif).
func startONVIF(ctx context.Context, f *farm.Farm, listen, iface, host string) (*onvif.Server, error) {
	s, err := onvif.New(onvif.Config{Listen: listen, Host: host, Cameras: onvif.FarmCameras(f), Discovery: true, DiscoveryInterface: iface})
	if err != nil {
		return nil, err
	}
	if err := s.Start(ctx); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "cameras: ONVIF at http://%s/onvif/<id>/device_service, WS-Discovery on 239.255.255.250:3702\n", s.Addr())
	return s, nil
}
