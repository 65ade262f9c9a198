package deferred

import (
	"errors"
	"fmt"
	"reflect"
)

// ErrResultType is the error when a typed callback gets a result of
// another type.
var ErrResultType = errors.New("result of the wrong type")

// Then appends a typed callback to d: fn gets the result as a T and its U
// becomes the next result. A result that is not a T fails the chain with an
// error matching ErrResultType; nil counts as T's zero value when T is a
// pointer, interface, slice, map, chan or func type. It returns d.
func Then[T, U any](d *Deferred, fn func(T) (U, error)) *Deferred {
	return d.AddCallback(func(v any) (any, error) {
		t, err := as[T](v)
		if err != nil {
			return nil, err
		}
		u, err := fn(t)
		if err != nil {
			return nil, err
		}
		return u, nil
	})
}

// Catch appends an errback that handles failures whose error chain holds
// an E (errors.As) by calling fn with it; other failures pass on. It
// returns d.
func Catch[E error](d *Deferred, fn func(E) (any, error)) *Deferred {
	return d.AddErrback(func(f *Failure) (any, error) {
		var e E
		if !errors.As(f, &e) {
			return nil, f
		}
		return fn(e)
	})
}

func as[T any](v any) (T, error) {
	if t, ok := v.(T); ok {
		return t, nil
	}
	var zero T
	typ := reflect.TypeFor[T]()
	if v == nil {
		switch typ.Kind() {
		case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map, reflect.Chan, reflect.Func:
			return zero, nil
		}
	}
	return zero, fmt.Errorf("%w: got %T, want %v", ErrResultType, v, typ)
}
