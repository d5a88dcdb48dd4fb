package sign

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSignedFolderDetectsTampering(t *testing.T) {
	d := t.TempDir()
	keys := filepath.Join(t.TempDir(), "operator")
	pub, err := GenerateKey(keys)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := LoadPrivate(keys + ".key")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(d, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("scorecard.txt", "plate_accuracy.day 0.97: pass\n")
	write("summary.json", `{"truths": 120}`)
	m := Manifest{Version: "v1", Suite: "ab12", Inputs: map[string]string{"scenarios/intersection-anpr.yaml": "cd34"}}
	if err := Sign(d, []string{"scorecard.txt", "summary.json"}, m, priv); err != nil {
		t.Fatal(err)
	}
	got, err := Verify(d, pub)
	if err != nil || got.Suite != "ab12" || len(got.Files) != 2 {
		t.Fatalf("verify of an untouched folder: %v %+v", err, got)
	}
	other, _ := GenerateKey(filepath.Join(t.TempDir(), "other"))
	if _, err := Verify(d, other); !errors.Is(err, ErrKey) {
		t.Errorf("another operator's key: %v, want ErrKey", err)
	}
	// A changed figure.
	write("summary.json", `{"truths": 121}`)
	if _, err := Verify(d, pub); err == nil || !strings.Contains(err.Error(), "summary.json was changed after signing") {
		t.Errorf("tampered summary: %v", err)
	}
	write("summary.json", `{"truths": 120}`)
	// A changed manifest (the suite hash) without a new signature.
	b, _ := os.ReadFile(filepath.Join(d, File))
	write(File, strings.Replace(string(b), `"ab12"`, `"ab13"`, 1))
	if _, err := Verify(d, pub); !errors.Is(err, ErrSignature) {
		t.Errorf("tampered manifest: %v, want ErrSignature", err)
	}
}

func TestKeyFilesAreChecked(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.key")
	os.WriteFile(p, []byte("not-base64!\n"), 0o600)
	if _, err := LoadPrivate(p); err == nil || err.Error() != "sign: "+p+": not an ed25519 private key (base64 of a 32-byte seed)" {
		t.Errorf("bad private key: %v", err)
	}
	if _, err := LoadPublic(p); err == nil || err.Error() != "sign: "+p+": not an ed25519 public key (base64 of 32 bytes)" {
		t.Errorf("bad public key: %v", err)
	}
}
