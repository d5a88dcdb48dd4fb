// Package web is trafficsim's browser UI, served by the trafficsim binary: a wall of every
// camera (a thumbnail per half second of the clip each one plays, with its frames, lateness,
// faults and events, coloured by health), one camera at full rate (the clip's H.264 passed
// through as fragmented MP4 for Media Source Extensions, never re-encoded) with the clip's
// truth boxes and the device's events drawn over it and marked TP, FP or FN as results
// matches them, a timeline of truth windows against event ticks, and an evidence gallery.
//
// It sits at the end of the flow of ARCHITECTURE.md section 2, beside results: it reads a run
// folder (truth.jsonl, events.jsonl, faults.jsonl, delivery.jsonl, matches.jsonl and
// playheads.json, which the run writes) and the clip library. Live, it follows the growing
// files and scores them with a results.Live of its own; in replay it reads them once and the
// browser seeks. The HTML, JavaScript and CSS are embedded: no build step, works offline.
package web

// Attaching it to another command (load, a custom harness) takes the run folder and the farm:
//
//	srv, err := web.Start(ctx, "127.0.0.1:8168", web.Config{Dir: runDir, Playheads: fm.Playheads, Stats: fm.Stats})
//	defer srv.Close()
//
// or mount Server.Handler on a mux of one's own and call Server.Run for the live updates. A
// replay needs playheads.json in the run folder (sim/run writes it; a farm's Playheads
// marshalled as JSON).
