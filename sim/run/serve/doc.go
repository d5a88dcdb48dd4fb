// Package serve runs one part of the chain as its own process, as `trafficsim center`,
// `cluster`, `device` and `cameras` do: each function assembles the part from its Config, says
// where it listens, runs it until ctx ends and stops it. sim/run assembles the same parts into
// a whole run; cmd/trafficsim only parses flags and calls these.
package serve
