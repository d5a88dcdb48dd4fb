package main

// `trafficsim run --plan PLAN.yaml` plays a load plan: the same as `trafficsim load PLAN.yaml`,
// with load's flags (issue 13 names both).

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// planArg finds --plan FILE (or -plan, or =FILE) in run's arguments; rest is the others.
func planArg(args []string) (plan string, rest []string, ok bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "plan" {
			rest = append(rest, a)
			continue
		}
		ok = true
		switch {
		case hasVal:
			plan = val
		case i+1 < len(args):
			i++
			plan = args[i]
		}
	}
	return plan, rest, ok
}

// runLoadPlan runs `trafficsim load` with the plan.
func runLoadPlan(ctx context.Context, plan string, rest []string) error {
	if plan == "" {
		fmt.Fprintln(os.Stderr, "trafficsim: run: --plan needs a plan file")
		return exitError(2)
	}
	return runLoad(ctx, append(rest, plan))
}
