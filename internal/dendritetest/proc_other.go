//go:build !linux

package dendritetest

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }

// checkLoopbackOnly needs /proc; elsewhere the config and the bind address
// are the only guard.
func checkLoopbackOnly(int) error { return nil }
