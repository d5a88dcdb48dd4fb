package wire

// Deployment is cameras.json: what a device under test is given to do its job. It lists the
// cameras (stream, credentials, calibration) and where to send events; it never holds truth.
type Deployment struct {
	Cameras []Calibration   `json:"cameras"`
	Events  *EventsEndpoint `json:"events,omitempty"`
}

// EventsEndpoint tells a device where and how to report events.
type EventsEndpoint struct {
	HTTP    string `json:"http,omitempty"`    // base URL; events go to POST <http>/v1/events
	Token   string `json:"token,omitempty"`   // bearer token of this device
	NATS    string `json:"nats,omitempty"`    // NATS URL; events go to traffic.events.<camera>
	User    string `json:"user,omitempty"`    // NATS user of the device account
	Pass    string `json:"pass,omitempty"`    // NATS password
	Subject string `json:"subject,omitempty"` // subject prefix; default "traffic.events"
}

// NATS subjects shared by farm, devices, cluster and center.
const (
	EventSubject    = "traffic.events"   // + ".<camera>": device events (device account)
	TruthSubject    = "truth.violations" // + ".<camera>": wall-time truth (truth account, devices cannot read)
	FaultSubject    = "truth.faults"     // + ".<camera>": injected faults (truth account)
	DeliverySubject = "truth.delivery"   // + ".<camera>": frames delivered (truth account)
)

// Fault kinds the farm can inject.
const (
	FaultDisconnect = "disconnect"
	FaultFreeze     = "freeze"
	FaultLoss       = "loss"
	FaultJitter     = "jitter"
	FaultBitrate    = "bitrate"
	FaultSkew       = "skew"
	FaultReboot     = "reboot"
)
