package web

// EvidencePath is evidencePath for the tests.
var EvidencePath = evidencePath
