// Package cluster is the reference regional cluster: the box at a commune-level police unit
// that analyses the video of the cameras on its roads, collects the events of intermediate
// devices and smart cameras, keeps their evidence, and forwards the events to the center.
//
// In the flow of ARCHITECTURE.md section 2 it is a device under test standing between the
// camera farm (and smart cameras) and the center:
//
//   - device workers analyse the cluster's cameras (CamerasPerWorker each) and report to the
//     cluster's own ingest endpoint; by default they are the reference intermediate device
//     (sim/device: RTSP, libavcodec decode, classical detector, edge queue under
//     <data>/queue/<worker id>), any Worker can stand in;
//   - POST /v1/events takes events from workers, external intermediate devices and smart
//     cameras, with per-device bearer tokens and exactly the center's parsing and validation
//     (wire.ParseEvents); JPEG evidence is written to <data>/evidence/<camera>/<event>.jpg
//     and the event carries a reference (cluster://<id>/evidence/...) instead of the bytes;
//   - with NATSListen, devices may instead publish on traffic.events.<camera> of the cluster's
//     own server (JetStream, message id = event_id), checked as the center checks its NATS
//     messages before they are forwarded;
//   - every accepted event is stored in a JetStream stream of the cluster's embedded NATS
//     server (file store under <data>/jetstream, message id = event_id) before the 202;
//   - a forwarder reads that stream with a durable consumer and publishes each event to the
//     center's traffic.events.<camera> with JetStream publish and Nats-Msg-Id = event_id,
//     acknowledging the local copy only after the center's publish ack. The uplink is a leaf
//     node connection of the embedded server to the center's server (DEVICES account, the
//     cluster's own credentials), or, with Upstream.NATSURL, a client connection to an
//     external NATS server (how a deployment larger than one machine runs).
//
// A center or uplink outage only lets the local stream grow; when the center is back every
// event flows, and the center sees it once: JetStream drops a republished message id within
// its window and the center de-duplicates by event_id beyond it. A cluster killed at any
// moment loses nothing it acknowledged: the local stream and the consumer's position are on
// disk, and what was in flight is published again under the same id.
//
// The center accepts a NATS event only from a device it knows, so every device behind a
// cluster (Devices) must also be known to the center.
package cluster
