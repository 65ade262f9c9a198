package core

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

// resolveTCP turns "host:port" into a socket address and its family. An
// empty host means every IPv4 address; a host name is resolved at once (it
// blocks), so pass literal addresses on a busy reactor.
func resolveTCP(addr string) (unix.Sockaddr, int, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, 0, fmt.Errorf("core: bad TCP address %q: %w", addr, err)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, 0, fmt.Errorf("core: bad port in TCP address %q (want 0-65535)", addr)
	}
	var ip netip.Addr
	if host == "" {
		ip = netip.IPv4Unspecified()
	} else if ip, err = netip.ParseAddr(host); err != nil {
		ips, lerr := net.LookupIP(host)
		if lerr != nil || len(ips) == 0 {
			return nil, 0, fmt.Errorf("core: cannot resolve host in TCP address %q: %v", addr, lerr)
		}
		ip, _ = netip.AddrFromSlice(ips[0])
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return &unix.SockaddrInet4{Port: int(port), Addr: ip.As4()}, unix.AF_INET, nil
	}
	sa := &unix.SockaddrInet6{Port: int(port), Addr: ip.As16()}
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
