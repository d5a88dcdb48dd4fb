package main

import "fmt"

// usagef is bad usage (a bad flag value, a missing or extra argument): exit prints it and
// returns 2, as every command's help says. usageError is capacity.go's.
func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }
