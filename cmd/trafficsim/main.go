// Command trafficsim is the one binary of trafficsim: each subcommand lives in its own file of
// this package and registers itself; the work is done by the library packages.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string) error
}

var commands = map[string]command{}

// register adds a subcommand; called from init in each command's file.
func register(c command) { commands[c.name] = c }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return exit(c.run(ctx, []string{"-h"}))
			}
		}
		usage()
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "trafficsim: unknown command %q (see 'trafficsim help')\n", args[0])
		return 2
	}
	return exit(c.run(ctx, args[1:]))
}

func exit(err error) int {
	if err == nil {
		return 0
	}
	if e, ok := err.(exitError); ok {
		return int(e)
	}
	if e, ok := errors.AsType[usageError](err); ok {
		fmt.Fprintln(os.Stderr, "trafficsim:", e.Error())
		return 2
	}
	fmt.Fprintln(os.Stderr, "trafficsim:", err)
	return 1
}

// exitError ends the program with a code and no message (the command printed its own).
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit %d", int(e)) }

func usage() {
	fmt.Println("trafficsim: simulation and load testing for road-traffic surveillance systems")
	fmt.Println()
	fmt.Println("usage: trafficsim <command> [flags]")
	fmt.Println()
	fmt.Println("commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Printf("  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Println()
	fmt.Println("'trafficsim help <command>' shows a command's flags.")
}
