// Package epoll registers the "epoll" backend: Linux epoll(7), used
// level-triggered, woken through an eventfd. On other systems the package is
// empty, so importing it compiles everywhere.
package epoll
