//go:build !race

package server

// raceEnabled says the tests run under the race detector, whose shadow
// memory multiplies the resident size of every allocation.
const raceEnabled = false
