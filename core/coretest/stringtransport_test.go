package coretest

import (
	"errors"
	"net"
	"testing"

	"github.com/reactorbench/reactorbench/core"
)

// StringTransport records writes, close requests, producers and addresses.
func TestStringTransport(t *testing.T) {
	var _ core.DisconnectingTransport = (*StringTransport)(nil)
	tr := NewStringTransport()
	tr.Write([]byte("ab"))
	tr.WriteSequence([][]byte{[]byte("c"), nil, []byte("de")})
	v := tr.Value()
	v[0] = 'X'
	if got := string(tr.Value()); got != "abcde" {
		t.Fatalf("Value %q (must be a copy)", got)
	}
	tr.Clear()
	if len(tr.Value()) != 0 {
		t.Fatal("Clear kept bytes")
	}
	if tr.Disconnecting() || tr.Aborted() || tr.WriteClosed() {
		t.Fatal("fresh transport is closing")
	}
	tr.LoseWriteConnection()
	tr.LoseConnection()
	tr.Write([]byte("late"))
	if !tr.Disconnecting() || tr.Aborted() || !tr.WriteClosed() || string(tr.Value()) != "late" {
		t.Fatalf("after LoseConnection: %v %v %q", tr.Disconnecting(), tr.Aborted(), tr.Value())
	}
	tr2 := &StringTransport{}
	tr2.AbortConnection()
	if !tr2.Disconnecting() || !tr2.Aborted() {
		t.Fatal("AbortConnection not recorded")
	}
}

func TestStringTransportAddresses(t *testing.T) {
	tr := NewStringTransport()
	if tr.GetHost().String() != "10.0.0.1:12345" || tr.GetPeer().String() != "192.168.1.1:54321" {
		t.Fatalf("defaults %v %v", tr.GetHost(), tr.GetPeer())
	}
	host := &net.TCPAddr{IP: net.IPv6loopback, Port: 1}
	tr.HostAddr, tr.PeerAddr = host, host
	if tr.GetHost() != host || tr.GetPeer() != host {
		t.Fatal("set addresses ignored")
	}
}

type nopProducer struct{}

func (nopProducer) PauseProducing()  {}
func (nopProducer) ResumeProducing() {}
func (nopProducer) StopProducing()   {}

func TestStringTransportProducer(t *testing.T) {
	tr := NewStringTransport()
	if p, _ := tr.Producer(); p != nil {
		t.Fatal("producer before registering")
	}
	if err := tr.RegisterProducer(nopProducer{}, true); err != nil {
		t.Fatal(err)
	}
	if err := tr.RegisterProducer(nopProducer{}, false); !errors.Is(err, core.ErrProducerRegistered) {
		t.Fatalf("second producer: %v", err)
	}
	if p, streaming := tr.Producer(); p != (nopProducer{}) || !streaming {
		t.Fatal("producer not kept")
	}
	tr.UnregisterProducer()
	if p, _ := tr.Producer(); p != nil {
		t.Fatal("UnregisterProducer kept it")
	}
	if tr.ProducerState() != Producing {
		t.Fatal("initial state")
	}
	tr.PauseProducing()
	if tr.ProducerState() != Paused || tr.ProducerState().String() != "paused" {
		t.Fatal("pause not recorded")
	}
	tr.ResumeProducing()
	if tr.ProducerState() != Producing {
		t.Fatal("resume not recorded")
	}
	tr.StopProducing()
	tr.ResumeProducing()
	tr.PauseProducing()
	if tr.ProducerState() != Stopped || tr.ProducerState().String() != "stopped" {
		t.Fatal("stopped transport resumed")
	}
}
