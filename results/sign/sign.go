// Package sign signs a scorecard folder with the operator's ed25519 key: a manifest of the
// SHA-256 of every output file (scorecard, summary.json, ...), the trafficsim version, the
// suite's hash and the hashes of the inputs (clips, scenario files), signed as a whole.
// Verify checks the signature and that every file still has its hash: a changed figure, a
// swapped file or another key fails.
package sign

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// File is the signature file in a signed folder.
const File = "signature.json"

// Manifest is what is signed.
type Manifest struct {
	Version    string            `json:"trafficsim_version"`
	Suite      string            `json:"suite_sha256,omitempty"`
	Commitment string            `json:"seed_commitment,omitempty"`
	Inputs     map[string]string `json:"inputs,omitempty"` // name (clip, scenario file) -> SHA-256
	Files      map[string]string `json:"files"`            // file in the folder -> SHA-256
}

// Signature is signature.json: the manifest, the public key and the signature of the
// manifest's canonical JSON (encoding/json: fields in order, map keys sorted).
type Signature struct {
	Manifest  Manifest `json:"manifest"`
	PublicKey string   `json:"public_key"` // base64
	Signature string   `json:"signature"`  // base64 ed25519 over the manifest's JSON
}

// HashFile is the hex SHA-256 of a file.
func HashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Sign hashes the named files of dir into m.Files and writes dir/signature.json.
func Sign(dir string, files []string, m Manifest, key ed25519.PrivateKey) error {
	m.Files = map[string]string{}
	for _, f := range files {
		if f == File || strings.Contains(f, "..") || filepath.IsAbs(f) {
			return fmt.Errorf("sign: %q cannot be signed", f)
		}
		h, err := HashFile(filepath.Join(dir, f))
		if err != nil {
			return fmt.Errorf("sign: %w", err)
		}
		m.Files[f] = h
	}
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	s := Signature{Manifest: m, PublicKey: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)),
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(key, body))}
	b, _ := json.MarshalIndent(s, "", "  ")
	return os.WriteFile(filepath.Join(dir, File), append(b, '\n'), 0o644)
}

// Errors of Verify.
var (
	ErrSignature = errors.New("sign: the signature does not match the manifest and key")
	ErrKey       = errors.New("sign: signed with another key than the one given")
)

// Verify checks dir/signature.json against the operator's public key (nil: the key in the
// file, which proves integrity but not who signed) and every file's hash.
func Verify(dir string, pub ed25519.PublicKey) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, File))
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	var s Signature
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("sign: %s: %w", File, err)
	}
	k, err := base64.StdEncoding.DecodeString(s.PublicKey)
	if err != nil || len(k) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("sign: %s: bad public_key", File)
	}
	if pub != nil && !slices.Equal(k, pub) {
		return nil, ErrKey
	}
	sig, err := base64.StdEncoding.DecodeString(s.Signature)
	if err != nil {
		return nil, fmt.Errorf("sign: %s: bad signature encoding", File)
	}
	body, _ := json.Marshal(s.Manifest)
	if !ed25519.Verify(k, body, sig) {
		return nil, ErrSignature
	}
	names := make([]string, 0, len(s.Manifest.Files))
	for f := range s.Manifest.Files {
		names = append(names, f)
	}
	slices.Sort(names)
	for _, f := range names {
		if strings.Contains(f, "..") || filepath.IsAbs(f) {
			return nil, fmt.Errorf("sign: manifest names %q outside the folder", f)
		}
		h, err := HashFile(filepath.Join(dir, f))
		if err != nil {
			return nil, fmt.Errorf("sign: %w", err)
		}
		if h != s.Manifest.Files[f] {
			return nil, fmt.Errorf("sign: %s was changed after signing (sha256 %s, signed %s)", f, h[:12], s.Manifest.Files[f][:12])
		}
	}
	return &s.Manifest, nil
}

// GenerateKey writes a new key pair: path.key (private, base64 seed, mode 0600) and path.pub.
func GenerateKey(path string) (ed25519.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path+".key", []byte(base64.StdEncoding.EncodeToString(priv.Seed())+"\n"), 0o600); err != nil {
		return nil, err
	}
	return pub, os.WriteFile(path+".pub", []byte(base64.StdEncoding.EncodeToString(pub)+"\n"), 0o644)
}

// LoadPrivate reads a key written by GenerateKey.
func LoadPrivate(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("sign: %s: not an ed25519 private key (base64 of a 32-byte seed)", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// LoadPublic reads a public key written by GenerateKey.
func LoadPublic(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("sign: %s: not an ed25519 public key (base64 of 32 bytes)", path)
	}
	return k, nil
}
