// Package record keeps a run on disk, runs/<id>/, so that scoring and reports can be done
// again offline (ARCHITECTURE.md section 2: the center and the run orchestrator write it
// while the run happens; results reads it back for reports and the regression gate).
//
// Layout of a run folder:
//
//	run.json        what ran: scenario, seeds, versions, device under test, machine, start/end
//	truth.jsonl     wire.Violation with wall time, one per line, as the farm played them
//	events.jsonl    results.Received: device events with the time the center got them
//	faults.jsonl    wire.Fault injected by the farm
//	delivery.jsonl  wire.Delivery: frames the farm delivered per camera and interval
//	matches.jsonl   results.Match: every truth, event and duplicate with its outcome
//	summary.json    results.Score
//	report.html     the report (results/report), junit.xml its pass/fail per threshold
//
// The JSONL files are append-only. Durability: every Append is a single write(2) of one
// whole line, so a process that is killed loses nothing it appended and never leaves half a
// line; the files are fsynced on Sync and Close only, so a machine crash can lose the lines
// after the last Sync (the center calls Sync periodically). A reader accepts a last line cut
// short (reported in Record.Truncated) and rejects any other malformed line with file:line.
package record
