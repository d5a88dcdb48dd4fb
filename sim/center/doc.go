// Package center is the ingest end of a run: it takes violation events from devices under test
// and truth from the camera farm, stores both durably, and hands them to the live scorer and
// the run record.
//
// In the flow of ARCHITECTURE.md section 2 it sits between the devices (and the farm's truth
// timeline) and results:
//
//   - events: POST /v1/events on the device listener (one event or a JSON array; multipart with
//     JPEG evidence), per-device bearer tokens, or NATS JetStream traffic.events.<camera> in the
//     DEVICES account of the embedded server (sim/center/natsbox);
//   - truth: POST /v1/truth, /v1/faults, /v1/delivery on a separate truth listener with its own
//     token, or NATS truth.> in the TRUTH account, which no device credential reaches;
//   - GET /v1/score and GET /metrics (Prometheus, trafficsim_center_*) on the truth listener
//     with the truth token; the device listener's GET /metrics has event counts only, nothing
//     that moves with truth.
//
// Refusals: 400 names the field (and array index), 401 no or unknown token, 403 an event
// whose source is not the device of the token or whose camera is not the device's
// (Config.Cameras), 408 a body not received within BodyTimeout, 413 too large, 415 wrong
// content type; an array is accepted or refused as a whole. Events are de-duplicated by
// (source, event_id); the reply is 202 {"accepted": n, "duplicate": d}.
//
// Durability: an HTTP reply of 202 is sent only once the request is fsynced in the append-only
// log (sim/center/wal, group commit); NATS messages are stored by JetStream's file store
// before the publisher's ack. At Start the log and both streams are read again, rebuilding the
// de-duplication sets and the score, so a center killed at any moment loses nothing it
// acknowledged.
//
// Received times come from one clock, Config.TimeNow, on both transports: an HTTP request's
// is stored with it in the log; a NATS event's is logged (a record of its stream sequence,
// not waited for) when the center takes the message, so a restart that reads the stream again
// hands the Scorer and Recorder the same time. A message whose time never reached the log (the
// center died in between) gets JetStream's store time.
//
// Over NATS a message does not carry its publisher's identity. With Config.Cameras set, each
// device's NATS user may publish only on traffic.events.<camera> of its own cameras (server
// permissions), so the subject names the sender and an event whose source is not the camera's
// owner is refused. Without it, the source need only be a known device. The account boundary
// keeps devices away from truth. See docs/security.md.
package center
