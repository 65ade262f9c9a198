package core

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

// resolveTCP turns "host:port" into a socket address and its family. An
// empty host means every IPv4 address; a host name is looked up at once
// (it blocks) and its first address taken.
func resolveTCP(addr string) (unix.Sockaddr, int, error) {
	host, ip, port, err := parseTCP(addr)
	if err != nil {
		return nil, 0, err
	}
	if !ip.IsValid() {
		if ip, err = lookupHost(addr, host); err != nil {
			return nil, 0, err
		}
	}
	return sockaddrOf(addr, ip, port)
}

// parseTCP checks "host:port": ip is the host's address when it is a
// literal or empty (every IPv4 address), else invalid, and host a name to
// look up.
func parseTCP(addr string) (host string, ip netip.Addr, port int, err error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", ip, 0, fmt.Errorf("core: bad TCP address %q: %w", addr, err)
	}
	p, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return "", ip, 0, fmt.Errorf("core: bad port in TCP address %q (want 0-65535)", addr)
	}
	if host == "" {
		return host, netip.IPv4Unspecified(), int(p), nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return host, ip, int(p), nil
	}
	return host, netip.Addr{}, int(p), nil
}

// lookupIP is the system resolver (a variable, so tests can watch it).
var lookupIP = net.LookupIP

// lookupHost resolves a host name, blocking, and takes its first address.
func lookupHost(addr, host string) (netip.Addr, error) {
	ips, err := lookupIP(host)
	if err != nil || len(ips) == 0 {
		return netip.Addr{}, fmt.Errorf("core: cannot resolve host in TCP address %q: %v", addr, err)
	}
	ip, _ := netip.AddrFromSlice(ips[0])
	return ip, nil
}

// sockaddrOf makes the socket address of ip and port.
func sockaddrOf(addr string, ip netip.Addr, port int) (unix.Sockaddr, int, error) {
	ip = ip.Unmap()
	if ip.Is4() {
		return &unix.SockaddrInet4{Port: port, Addr: ip.As4()}, unix.AF_INET, nil
	}
	sa := &unix.SockaddrInet6{Port: port, Addr: ip.As16()}
	if zone := ip.Zone(); zone != "" {
		ifi, err := net.InterfaceByName(zone)
		if err != nil {
			return nil, 0, fmt.Errorf("core: bad IPv6 zone in TCP address %q: %w", addr, err)
		}
		sa.ZoneId = uint32(ifi.Index)
	}
	return sa, unix.AF_INET6, nil
}

// tcpAddrOf converts a socket address to a *net.TCPAddr (nil for other kinds).
func tcpAddrOf(sa unix.Sockaddr) *net.TCPAddr {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IPv4(sa.Addr[0], sa.Addr[1], sa.Addr[2], sa.Addr[3]), Port: sa.Port}
	case *unix.SockaddrInet6:
		a := &net.TCPAddr{IP: append(net.IP(nil), sa.Addr[:]...), Port: sa.Port}
		if sa.ZoneId != 0 {
			if ifi, err := net.InterfaceByIndex(int(sa.ZoneId)); err == nil {
				a.Zone = ifi.Name
			}
		}
		return a
	}
	return nil
}

// localAddr is the bound address of fd, empty when it cannot be read.
func localAddr(fd int) *net.TCPAddr {
	if sa, err := unix.Getsockname(fd); err == nil {
		if a := tcpAddrOf(sa); a != nil {
			return a
		}
	}
	return &net.TCPAddr{}
}
