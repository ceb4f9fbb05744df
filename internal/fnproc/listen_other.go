//go:build !linux

package fnproc

// listensOn cannot tell who listens without Linux's /proc: a connection to
// the port is taken as the function's.
func listensOn(int, string) (bool, error) { return true, nil }
