package main

import "fmt"

// usageError is bad usage (a bad flag value, a missing or extra argument): exit prints it and
// returns 2, as every command's help says.
type usageError struct{ error }

// usagef makes a usageError.
func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }
