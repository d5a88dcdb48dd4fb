// Package seal provides sealed seeds for a conformity suite: before the test the operator
// publishes a commitment (SHA-256 over the seeds, a salt, the suite file and the trafficsim
// version); the seeds stay secret until the test ends, then are revealed, and anyone can
// check them against the commitment and re-run the truth. A vendor cannot tune to seeds it
// does not know; the operator cannot change them afterwards.
package seal

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Seeds are a suite's secret seeds and the salt of their commitment (seeds.json).
type Seeds struct {
	Version string   `json:"trafficsim_version"`
	Salt    string   `json:"salt"`  // 32 random bytes, hex: the seeds cannot be guessed from the commitment
	Seeds   []uint64 `json:"seeds"` // one per cell seed slot, in suite order
}

// New draws n seeds and a salt from crypto/rand.
func New(n int, version string) (Seeds, error) {
	s := Seeds{Version: version, Seeds: make([]uint64, n)}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return s, fmt.Errorf("seal: %w", err)
	}
	s.Salt = hex.EncodeToString(b[:])
	for i := range s.Seeds {
		var x [8]byte
		if _, err := rand.Read(x[:]); err != nil {
			return s, fmt.Errorf("seal: %w", err)
		}
		s.Seeds[i] = binary.BigEndian.Uint64(x[:]) >> 1 // below 2^63: fits every seed field
	}
	return s, nil
}

// Commit is the commitment: hex SHA-256 of a versioned text naming the trafficsim version,
// the suite file's SHA-256, the salt and the seeds.
func Commit(s Seeds, suite []byte) string {
	sum := sha256.Sum256(suite)
	var b strings.Builder
	b.WriteString("trafficsim sealed seeds v1\n")
	b.WriteString("version " + s.Version + "\n")
	b.WriteString("suite " + hex.EncodeToString(sum[:]) + "\n")
	b.WriteString("salt " + s.Salt + "\n")
	for _, x := range s.Seeds {
		b.WriteString("seed " + strconv.FormatUint(x, 10) + "\n")
	}
	c := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(c[:])
}

// ErrMismatch is returned by Check when seeds, suite or version do not give the commitment.
var ErrMismatch = errors.New("seal: the seeds, suite and version do not match the commitment")

// Check verifies revealed seeds and a suite against a published commitment.
func Check(s Seeds, suite []byte, commitment string) error {
	if len(s.Salt) != 64 {
		return fmt.Errorf("seal: salt must be 64 hex digits, got %d characters", len(s.Salt))
	}
	got := Commit(s, suite)
	if subtle.ConstantTimeCompare([]byte(got), []byte(strings.TrimSpace(strings.ToLower(commitment)))) != 1 {
		return ErrMismatch
	}
	return nil
}

// Load reads seeds.json strictly.
func Load(path string) (Seeds, error) {
	var s Seeds
	b, err := os.ReadFile(path)
	if err != nil {
		return s, fmt.Errorf("seal: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, fmt.Errorf("seal: %s: %w", path, err)
	}
	return s, nil
}

// Write writes seeds.json, readable by its owner only (the seeds are secret until revealed).
func Write(path string, s Seeds) error {
	b, _ := json.MarshalIndent(s, "", "  ")
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	return nil
}
