// Package plate makes Vietnamese licence plates (Circular 24/2023/TT-BCA formats) from a seeded
// gofakeit instance. synth/world calls it when a vehicle enters the world; the plate text ends
// up in truth.json and is drawn by the renderer.
package plate
