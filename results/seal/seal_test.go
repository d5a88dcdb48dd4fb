package seal

import (
	"errors"
	"path/filepath"
	"testing"
)

// A commitment opens only with the very seeds, salt, suite and version it was made of.
func TestCommitmentBindsSeedsSuiteAndVersion(t *testing.T) {
	suite := []byte("name: small\ncells: []\n")
	s, err := New(3, "v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	c := Commit(s, suite)
	if err := Check(s, suite, c); err != nil {
		t.Fatalf("the honest reveal fails: %v", err)
	}
	path := filepath.Join(t.TempDir(), "seeds.json")
	if err := Write(path, s); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil || Check(back, suite, c) != nil {
		t.Fatalf("seeds read back do not open the commitment: %v", err)
	}
	changed := func(f func(*Seeds)) Seeds {
		x := s
		x.Seeds = append([]uint64(nil), s.Seeds...)
		f(&x)
		return x
	}
	cases := []struct {
		name  string
		seeds Seeds
		suite []byte
	}{
		{"a changed seed", changed(func(x *Seeds) { x.Seeds[1]++ }), suite},
		{"a dropped seed", changed(func(x *Seeds) { x.Seeds = x.Seeds[:2] }), suite},
		{"another salt", changed(func(x *Seeds) { x.Salt = x.Salt[:63] + "0" }), suite},
		{"another version", changed(func(x *Seeds) { x.Version = "v1.2.4" }), suite},
		{"a changed suite", s, []byte("name: small\ncells: [x]\n")},
	}
	for _, k := range cases {
		if k.name == "another salt" && k.seeds.Salt == s.Salt {
			k.seeds.Salt = k.seeds.Salt[:63] + "1"
		}
		if err := Check(k.seeds, k.suite, c); !errors.Is(err, ErrMismatch) {
			t.Errorf("%s: %v, want ErrMismatch", k.name, err)
		}
	}
	if err := Check(Seeds{Salt: "ab"}, suite, c); err == nil || err.Error() != "seal: salt must be 64 hex digits, got 2 characters" {
		t.Errorf("short salt: %v", err)
	}
}

func TestSeedsAreFresh(t *testing.T) {
	a, _ := New(2, "v")
	b, _ := New(2, "v")
	if a.Salt == b.Salt || a.Seeds[0] == b.Seeds[0] {
		t.Error("two seals drew the same salt or seed")
	}
}
