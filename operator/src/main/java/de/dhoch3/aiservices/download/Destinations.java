package de.dhoch3.aiservices.download;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * Where a download may connect: never to a URL with user-info (credentials in the URL end up in
 * logs and are sent to whoever the host is), and, unless allowed, never to an address that is not
 * public: loopback, link-local (169.254.169.254 is the cloud metadata service), private (RFC 1918,
 * RFC 4193), shared (RFC 6598, 100.64/10), unspecified or multicast. Such addresses reach the
 * cluster's own services and the node. Checked on the address the name resolves to, for the URL
 * and for every redirect. (The HTTP client resolves the name again when it connects: a name that
 * changes its answer in between is not caught; the operator also refuses IP literals and
 * internal names at admission.)
 */
final class Destinations {
  private Destinations() {}

  /** Throws IllegalArgumentException naming what is refused. */
  static void check(URI uri, boolean allowPrivate) {
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("a URL with user-info (user:password@) is refused: " + Redact.url(uri)
          + "; give a token through the AIModel's secretRef instead");
    }
    if (allowPrivate) {
      return;
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(uri.getHost());
    } catch (UnknownHostException e) {
      return; // the request fails with the resolver's own message
    }
    for (InetAddress address : addresses) {
      if (!isPublic(address)) {
        throw new IllegalArgumentException(uri.getHost() + " resolves to " + address.getHostAddress()
            + ", which is not a public address (loopback, link-local, private or cluster-internal): refused");
      }
    }
  }

  static boolean isPublic(InetAddress address) {
    if (address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isSiteLocalAddress() || address.isAnyLocalAddress()
        || address.isMulticastAddress()) {
      return false;
    }
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      // 100.64.0.0/10 (RFC 6598, carrier-grade NAT and some cluster networks), 0.0.0.0/8, 192.0.0.0/24
      return !(first == 100 && second >= 64 && second <= 127) && first != 0 && !(first == 192 && second == 0 && (b[2] & 0xff) == 0);
    }
    // the only other kind of address, Inet6Address: fc00::/7 unique local addresses (Java's isSiteLocalAddress only knows the old fec0::/10)
    return (b[0] & 0xfe) != 0xfc;
  }
}
