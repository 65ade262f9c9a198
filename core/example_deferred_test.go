package core_test

import (
	"fmt"
	"log"
	"time"

	"github.com/reactorbench/reactorbench/core"
	"github.com/reactorbench/reactorbench/core/deferred"
	_ "github.com/reactorbench/reactorbench/reactors/all"
)

// runLater returns a Deferred that fires with fn's result seconds from
// now on s: a timed event turned into a result you don't have yet.
func runLater(s core.Scheduler, seconds int, fn func() any) *deferred.Deferred {
	d := deferred.New(nil)
	s.CallLater(time.Duration(seconds)*time.Second, func() { d.Callback(fn()) })
	return d
}

// The run_later example of "Everything You Always Wanted to Know about
// Twisted", on the deterministic Clock: Hello at 2 s, Beautiful at 3 s,
// and World 3 s after Hello, because the callback returns a Deferred the
// chain waits for.
func ExampleClock_runLater() {
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
func orderFood(clock *core.Clock, meal string) *deferred.Deferred {
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
func ExampleClock_callbackChain() {
	clock := core.NewClock(time.Unix(0, 0))
	orderFood(clock, "eggs benedict").AddCallback(eatMeal).AddCallback(complimentChef)
	orderFood(clock, "cold soup").AddCallback(eatMeal).AddCallback(complimentChef)
	clock.Advance(time.Second)
	// Output:
	// Wuu chef!
	// I sneeze in your face!
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
