package de.dhoch3.aiservices.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An address range written as CIDR (10.42.0.0/16, fd00::/8): parsing and membership, literals only (no name lookups). */
public record Cidr(byte[] network, int prefix) {

  public static boolean valid(String text) {
    return parse(text) != null;
  }

  /** Null when the text is no CIDR of an IP literal. */
  public static Cidr parse(String text) {
    // written out in full: four decimal parts for IPv4 (InetAddress would read 10.42/16 as 10.0.0.42), or IPv6 with its colons;
    // anything else could be taken for a host name and looked up
    if (text == null || !(text.matches("\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}") || text.matches("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*/\\d{1,3}"))) {
      return null;
    }
    String[] parts = text.split("/");
    try {
      byte[] address = InetAddress.getByName(parts[0]).getAddress(); // a literal: no lookup (the pattern allows no names)
      int prefix = Integer.parseInt(parts[1]);
      return prefix <= address.length * 8 ? new Cidr(address, prefix) : null;
    } catch (UnknownHostException | NumberFormatException e) {
      return null;
    }
  }

  public boolean contains(InetAddress address) {
    byte[] bytes = address.getAddress();
    if (bytes.length != network.length) {
      return false;
    }
    for (int bit = 0; bit < prefix; bit++) {
      int mask = 0x80 >> (bit % 8);
      if ((bytes[bit / 8] & mask) != (network[bit / 8] & mask)) {
        return false;
      }
    }
    return true;
  }
}
