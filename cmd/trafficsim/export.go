package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/trafficsim/trafficsim/synth/export"
)

func init() {
	register(command{name: "export", summary: "write a clip as a detector dataset (MOT or COCO)", run: runExport})
}

func runExport(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	format := fs.String("format", "mot", "dataset layout: mot or coco")
	out := fs.String("out", "", "output folder (required)")
	lib := fs.String("library", ".cache/clips", "clip library, to find CLIP by id")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: trafficsim export CLIP --format mot|coco --out DIR")
		fmt.Fprintln(fs.Output(), "CLIP is a clip folder or the id of a clip in --library.")
		fs.PrintDefaults()
	}
	// the clip may come before or after the flags
	var clip string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		clip, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError(2)
	}
	if clip == "" && fs.NArg() == 1 {
		clip = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usagef("export: unexpected arguments %v", fs.Args())
	}
	if clip == "" || *out == "" {
		fs.Usage()
		return exitError(2)
	}
	dir := clip
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		dir = filepath.Join(*lib, clip)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return fmt.Errorf("export: %s is neither a clip folder nor a clip in %s", clip, *lib)
		}
	}
	if err := export.Export(dir, *format, *out); err != nil {
		return err
	}
	fmt.Printf("exported %s as %s into %s\n", dir, *format, *out)
	return nil
}
