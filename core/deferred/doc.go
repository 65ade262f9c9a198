// Package deferred is Twisted's Deferred for Go: a result you do not have
// yet, with chains of callbacks and errbacks that run when it arrives.
//
// New makes a Deferred to fire later with Callback or Errback; Succeed and
// Fail make one that has fired; MaybeDeferred turns a call into one. A
// failure travels as a *Failure, which keeps the stack where it happened
// and lets errors.Is and errors.As see the error inside. List and Gather
// wait for many Deferreds, Race for the first of them to succeed; Lock,
// Semaphore and Queue coordinate callbacks; Then and Catch are typed
// callbacks and errbacks; AddTimeout cancels a Deferred that takes too
// long on a Scheduler such as core's Loop or Clock. A failure no callback
// handled is reported when its Deferred is garbage collected
// (SetUnhandledErrorHook, SetDebugging).
//
// A Deferred is not safe for concurrent use: create, fire and chain it on
// one goroutine, the reactor's. Under the race detector or with
// SetDebugging(true), firing or extending one from two goroutines at once
// panics with ErrConcurrentUse. The package needs no reactor itself and
// builds on every platform Go supports.
package deferred
