package main

import (
	"context"
	"flag"
	"fmt"
	"slices"

	"github.com/trafficsim/trafficsim/results/sign"
)

func init() {
	register(command{name: "verify", summary: "check the operator's signature on a scorecard folder and that no file changed", run: runVerify})
}

func runVerify(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	pub := fs.String("pub", "", "the operator's public key (NAME.pub); without it only integrity is checked")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: trafficsim verify [--pub operator.pub] FOLDER\n\nExit status 1 when the signature, the key or a file's hash does not match.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitError(2)
	}
	var key []byte
	if *pub != "" {
		k, err := sign.LoadPublic(*pub)
		if err != nil {
			return err
		}
		key = k
	}
	m, err := sign.Verify(fs.Arg(0), key)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(m.Files))
	for f := range m.Files {
		names = append(names, f)
	}
	slices.Sort(names)
	who := "by the key in the folder (no --pub: integrity only, not who signed)"
	if key != nil {
		who = "by " + *pub
	}
	fmt.Printf("verify: ok, signed %s\n  version    %s\n  suite      sha256 %s\n  commitment %s\n", who, m.Version, m.Suite, m.Commitment)
	for _, n := range names {
		fmt.Printf("  file       %s sha256 %s\n", n, m.Files[n])
	}
	inputs := make([]string, 0, len(m.Inputs))
	for k := range m.Inputs {
		inputs = append(inputs, k)
	}
	slices.Sort(inputs)
	for _, k := range inputs {
		fmt.Printf("  input      %s sha256 %s\n", k, m.Inputs[k])
	}
	return nil
}
