// Package export writes a library clip as a detector dataset: frames decoded with ffmpeg and the
// truth's boxes in the MOTChallenge layout (seqinfo.ini, img1/, gt/gt.txt) or as COCO
// (images/, annotations.json with vehicle and plate boxes). It reads finished clips only (the
// end of the flow in ARCHITECTURE.md section 2: clip library -> datasets for detector teams).
package export
