// Package protocols holds ready-made Protocols over core's Transport
// (Twisted's twisted.protocols.basic and wire): LineReceiver and
// LineOnlyReceiver split a stream into lines, NetstringReceiver and the
// Int32/16/8 receivers (IntNStringReceiver) into length-prefixed strings,
// and Echo, EchoFactory and LineEchoFactory write back what they receive.
//
// A receiver hands its messages to a Handler it is given. It stops
// delivering, and drops what it buffered, once its transport is
// disconnecting: it sees the LoseConnection and AbortConnection calls made
// through its Transport field, and those a core.DisconnectingTransport
// reports. LineReceiver and the IntN receivers are push producers: pausing
// them pauses the transport's reads too.
package protocols
