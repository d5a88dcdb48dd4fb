// Package wal is the center's append-only log on disk: framed, checksummed records written with
// group commit (one fsync covers every append that arrived while the previous one ran), read
// back in order at open, with a torn tail from a crash cut off.
//
// It sits under sim/center in the flow of ARCHITECTURE.md section 2: everything the center
// accepts over HTTP (events, truth, faults) is in this log before the center replies, so a
// center killed at any moment loses nothing it acknowledged.
package wal
