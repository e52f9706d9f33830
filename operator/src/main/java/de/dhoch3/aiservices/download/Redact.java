package de.dhoch3.aiservices.download;

import java.net.URI;

/** Keeps secrets out of logs and results: the token, and URL query strings (signed URLs, ?token=). */
final class Redact {
  private Redact() {}

  static String mask(String text, String secret) {
    if (text == null || secret == null || secret.isEmpty()) {
      return text;
    }
    return text.replace(secret, "***");
  }

  /** scheme://host[:port]/path, without user info, query or fragment. */
  static String url(URI uri) {
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
        + (uri.getRawPath() == null ? "" : uri.getRawPath());
  }
}
