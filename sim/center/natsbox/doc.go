// Package natsbox runs the center's embedded NATS server: JetStream on a file store and two
// accounts, DEVICES (devices publish traffic.events.> and nothing else) and TRUTH (the farm
// publishes truth.>), so no device credential can read or write truth.
//
// It sits at the center end of ARCHITECTURE.md section 2: devices publish events into the
// DEVICES account, the camera farm publishes the truth timeline into the TRUTH account, and
// sim/center consumes both.
package natsbox
