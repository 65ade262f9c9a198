package deferred_test

import (
	"errors"
	"fmt"

	"github.com/reactorbench/reactorbench/core/deferred"
)

var errKitchenClosed = errors.New("kitchen closed")

// order fires at once with a meal, or fails when the kitchen is closed.
func order(open bool) *deferred.Deferred {
	if !open {
		return deferred.Fail(errKitchenClosed)
	}
	return deferred.Succeed("soup")
}

func doAction(v any) (any, error) {
	fmt.Println("  eat", v)
	return v, nil
}

func handleError(f *deferred.Failure) (any, error) {
	fmt.Println("  handle:", f)
	return "bread", nil
}

func doCleanup(v any) (any, error) {
	fmt.Println("  clean up")
	return v, nil
}

// The four try/except/else/finally shapes of the same paper, each run once
// with an open and once with a closed kitchen.
func ExampleDeferred_errorHandling() {
	for _, open := range []bool{true, false} {
		fmt.Println("kitchen open:", open)

		// 1. try: order; except: handle; then act anyway.
		fmt.Println(" 1")
		order(open).AddErrback(handleError).AddCallback(doAction)

		// 2. try: order; except: handle; else: act (only on success).
		fmt.Println(" 2")
		order(open).AddCallbacks(doAction, handleError)

		// 3. try: order and act; except: handle errors of both.
		fmt.Println(" 3")
		order(open).AddCallback(doAction).AddErrback(handleError)

		// 4. try: order; finally: clean up.
		fmt.Println(" 4")
		order(open).AddBoth(doCleanup).AddErrback(func(*deferred.Failure) (any, error) { return nil, nil })
	}
	// Output:
	// kitchen open: true
	//  1
	//   eat soup
	//  2
	//   eat soup
	//  3
	//   eat soup
	//  4
	//   clean up
	// kitchen open: false
	//  1
	//   handle: kitchen closed
	//   eat bread
	//  2
	//   handle: kitchen closed
	//  3
	//   handle: kitchen closed
	//  4
	//   clean up
}
