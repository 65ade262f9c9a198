// Package backend holds the pieces every readiness backend shares: the
// coalesced wake-up, the self-pipe, timeout rounding and argument checks. It
// makes no readiness syscall itself.
package backend
