package main

import "fmt"

// usageError is bad usage: a bad flag value, a missing or extra argument. exit prints it and
// returns 2, as every command's help says.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }
