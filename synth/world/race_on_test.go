//go:build race

package world

// raceDetector is true under -race, which runs the world about ten times slower: the long
// statistical runs are shortened then (their tolerance follows the smaller base).
const raceDetector = true
