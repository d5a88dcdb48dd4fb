package wire

// Random streams: every seeded generator behind truth, clips and the farm is
// rand.NewPCG(seed, Stream*), one named id per use, so no two uses draw the same numbers (a
// smart camera's stream is a hash of its id; test fixtures keep their own). An id xor'ed with an index (a frame,
// a prop, an object) is a family of streams. The values are part of the same-seed promise
// (byte-identical truth, clips and fault schedules): never change one, add a new id instead.
const (
	StreamArrivals    uint64 = 1            // synth/world: when vehicles arrive at each source
	StreamVehicles    uint64 = 2            // synth/world: class, plate, colour, riders
	StreamBehaviour   uint64 = 3            // synth/world: behaviours and violations
	StreamSignalPhase uint64 = 11           // synth/world: the signal cycle's offset per camera
	StreamProps       uint64 = 12           // synth/world: buildings, trees and street lights
	StreamGrain       uint64 = 0x677261696e // "grain", synth/render: the film grain table
	StreamGrainFrame  uint64 = 0x6e6f697365 // "noise" ^ frame, synth/render: grain offset
	StreamSkyline     uint64 = 0x736b79     // "sky", synth/render: the far backdrop
	StreamProp        uint64 = 0x70726f70   // "prop" ^ prop index, synth/render: decoration
	StreamWindows     uint64 = 0x77696e     // "win", synth/render: lit windows (seeded per wall)
	StreamLook        uint64 = 0x6c6f6f6b   // "look" ^ object id, synth/render: paint and wear
	StreamRain        uint64 = 0x7261696e   // "rain" ^ frame, synth/render: rain streaks
	StreamFaults      uint64 = 0xfa53       // sim/farm: the fault schedule
	StreamPorts       uint64 = 0x9097       // sim/farm: RTSP port choice
)
