// Package shape is the body geometry of road users shared by the world model and the renderer:
// each class is a few convex parts (wheels, body, cabin, cargo, riders, heads) sized from the
// object's length, width and height. The world computes truth boxes and visible fractions from
// the projected points of these parts (Box, Hull); the renderer draws exactly these parts, so
// the pixels agree with the truth (ARCHITECTURE.md section 2: truth -> render).
package shape
