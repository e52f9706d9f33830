package de.dhoch3.aiservices.apps;

/** Quoting for the few shell lines the operator generates: every value a spec can influence goes through here. */
public final class Shell {
  private Shell() {}

  /** One shell word, single-quoted: nothing inside is interpreted. */
  public static String quote(String value) {
    return "'" + value.replace("'", "'\\''") + "'";
  }
}
