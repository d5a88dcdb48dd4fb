// Package edgeq is the on-disk queue at the edge of the reference intermediate device: events
// wait here while the uplink or the center is down and leave only after the center answered
// 2xx (ARCHITECTURE.md section 2, between the detector and the center; the draft regulation
// asks roadside devices to store at the edge and resend after a lost connection).
//
// Layout: append-only segment files seg-<n>.q of records
//
//	uint32 length | uint32 CRC-32C | uint16 id length | id | payload
//
// and a cursor file "acked" (segment, offset) naming the first record not yet delivered, replaced
// atomically (write temp, fsync, rename, fsync dir). A torn record at the tail (power cut,
// SIGKILL mid-write) fails its length or CRC check and is cut off when the queue opens.
//
// Fsync policy: by default every Append is fsynced before it returns (events are rare, a few per
// camera-minute, and each is a fine), and every Ack fsyncs the cursor. An acknowledged record
// that reappears after a crash between the center's 2xx and the cursor write is sent again:
// the center drops it by event_id. Segments wholly behind the cursor are deleted.
package edgeq
