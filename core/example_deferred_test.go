package core_test

import (
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/reactorbench/reactorbench/core"
	_ "github.com/reactorbench/reactorbench/reactors/all"
)

// runLater returns a Deferred that fires with fn's result seconds from
// now on s: a timed event turned into a result you don't have yet.
func runLater(s core.Scheduler, seconds int, fn func() any) *core.Deferred {
	d := core.NewDeferred(nil)
	s.CallLater(time.Duration(seconds)*time.Second, func() { d.Callback(fn()) })
	return d
}

// The run_later example of "Everything You Always Wanted to Know about
// Twisted", on the deterministic Clock: Hello at 2 s, Beautiful at 3 s,
// and World 3 s after Hello, because the callback returns a Deferred the
// chain waits for.
func ExampleDeferred_runLater() {
	clock := core.NewClock(time.Unix(0, 0))
	start := clock.Now()
	printStuff := func(msg string) func() any {
		return func() any {
			fmt.Printf("%s at %v\n", msg, clock.Now().Sub(start))
			return nil
		}
	}
	runLater(clock, 2, printStuff("Hello")).AddCallback(func(any) (any, error) {
		return runLater(clock, 3, printStuff("World")), nil
	})
	runLater(clock, 3, printStuff("Beautiful"))
	for range 6 {
		clock.Advance(time.Second)
	}
	// Output:
	// Hello at 2s
	// Beautiful at 3s
	// World at 5s
}

// orderFood is a placeholder for a meal you don't have yet.
func orderFood(clock *core.Clock, meal string) *core.Deferred {
	return runLater(clock, 1, func() any { return meal })
}

func eatMeal(meal any) (any, error) {
	wasItGood := meal == "eggs benedict"
	return wasItGood, nil
}

func complimentChef(praiseworthy any) (any, error) {
	if praiseworthy.(bool) {
		fmt.Println("Wuu chef!")
	} else {
		fmt.Println("I sneeze in your face!")
	}
	return nil, nil
}

// Callbacks in a chain: each one gets what the previous returned.
func ExampleDeferred_AddCallback() {
	clock := core.NewClock(time.Unix(0, 0))
	orderFood(clock, "eggs benedict").AddCallback(eatMeal).AddCallback(complimentChef)
	orderFood(clock, "cold soup").AddCallback(eatMeal).AddCallback(complimentChef)
	clock.Advance(time.Second)
	// Output:
	// Wuu chef!
	// I sneeze in your face!
}

var errKitchenClosed = errors.New("kitchen closed")

// order fires at once with a meal, or fails when the kitchen is closed.
func order(open bool) *core.Deferred {
	if !open {
		return core.Fail(errKitchenClosed)
	}
	return core.Succeed("soup")
}

func doAction(v any) (any, error) {
	fmt.Println("  eat", v)
	return v, nil
}

func handleError(f *core.Failure) (any, error) {
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
		order(open).AddBoth(doCleanup).AddErrback(func(*core.Failure) (any, error) { return nil, nil })
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

// deferToThread from "Using Threads in Twisted": a long calculation runs
// on the thread pool and its result comes back on the reactor goroutine.
func ExampleDeferToThread() {
	reactor, err := core.Open("default")
	if err != nil {
		log.Fatal(err)
	}
	defer reactor.Close()

	doLongCalculation := func() (any, error) {
		// .... do long calculation here ...
		return 3, nil
	}
	printResult := func(x any) (any, error) {
		fmt.Println(x, "on the reactor goroutine:", reactor.IsInIOThread())
		return nil, reactor.Stop()
	}
	reactor.CallWhenRunning(func() {
		core.DeferToThread(reactor, doLongCalculation).AddCallback(printResult)
	})
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// 3 on the reactor goroutine: true
}

// blockingCallFromThread from the same page: code on a pool thread asks
// the reactor for a result that arrives later (a page fetch, here a timer)
// and waits for it.
func ExampleBlockingCallFromThread() {
	reactor, err := core.Open("default")
	if err != nil {
		log.Fatal(err)
	}
	defer reactor.Close()

	getPage := func() (any, error) {
		return runLater(reactor, 0, func() any { return "<html>twistedmatrix.com</html>" }), nil
	}
	inThread := func() {
		if result, err := core.BlockingCallFromThread(reactor, getPage); err != nil {
			fmt.Println(err)
		} else {
			fmt.Println(result)
		}
		reactor.CallFromThread(func() { _ = reactor.Stop() })
	}
	reactor.CallInThread(inThread)
	if err := reactor.Run(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// <html>twistedmatrix.com</html>
}
