package de.dhoch3.aiservices.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** The portal's trust boundary: which addresses a CIDR holds, written out by hand (RFC 4632 prefixes). */
class CidrTest {
  private static boolean in(String cidr, String address) throws Exception {
    return Cidr.parse(cidr).contains(InetAddress.getByName(address));
  }

  @Test
  void prefixesHoldExactlyTheirAddresses() throws Exception {
    assertThat(in("10.42.0.0/16", "10.42.0.1")).isTrue();
    assertThat(in("10.42.0.0/16", "10.42.255.255")).isTrue();
    assertThat(in("10.42.0.0/16", "10.43.0.1")).isFalse();
    assertThat(in("10.42.0.0/16", "10.41.255.255")).isFalse();
    assertThat(in("10.42.7.9/32", "10.42.7.9")).isTrue();
    assertThat(in("10.42.7.9/32", "10.42.7.8")).isFalse();
    // a prefix that is no multiple of 8: 192.168.0.0/23 is 192.168.0.0 to 192.168.1.255
    assertThat(in("192.168.0.0/23", "192.168.1.200")).isTrue();
    assertThat(in("192.168.0.0/23", "192.168.2.0")).isFalse();
    assertThat(in("0.0.0.0/0", "203.0.113.9")).isTrue();
    assertThat(in("fd00::/8", "fd12::1")).isTrue();
    assertThat(in("fd00::/8", "fe80::1")).isFalse();
    // IPv4 and IPv6 never match each other
    assertThat(in("10.0.0.0/8", "::1")).isFalse();
  }

  @Test
  void onlyLiteralCidrsAreAccepted() {
    assertThat(Cidr.valid("10.42.0.0/16")).isTrue();
    assertThat(Cidr.valid("fd00::/8")).isTrue();
    assertThat(Cidr.valid("10.42.0.0")).isFalse();
    assertThat(Cidr.valid("10.42.0.0/33")).isFalse();
    assertThat(Cidr.valid("fd00::/129")).isFalse();
    assertThat(Cidr.valid("proxy.example.com/32")).isFalse();
    assertThat(Cidr.valid("10.42.0.0/-1")).isFalse();
    assertThat(Cidr.valid(null)).isFalse();
    assertThat(Cidr.valid("")).isFalse();
    // shorthand the JDK would read otherwise (10.42/16 as 10.0.0.42/16, 10/8 as 0.0.0.10/8), and hex words that look like names
    assertThat(Cidr.valid("10.42/16")).isFalse();
    assertThat(Cidr.valid("10/8")).isFalse();
    assertThat(Cidr.valid("cafe/8")).isFalse();
  }
}
