package de.dhoch3.aiservices.validation;

import de.dhoch3.aiservices.api.AIServiceSpec;
import de.dhoch3.aiservices.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * User args, command and env may add to an app's settings but never re-set one the operator owns
 * ({@link OwnedSettings}): a re-set output or base folder writes into another team's folders or
 * hides the store, a re-set port breaks the Service. Each rule next to its message. Pure.
 *
 * <p>Spellings the apps accept and these rules therefore check: {@code --flag value},
 * {@code --flag=value}, an unambiguous prefix such as {@code --output-dir} (Python's argparse
 * accepts abbreviations unless allow_abbrev is False, which none of these apps sets), several flags
 * inside one element (args variables are word-split by the image's shell, or by shlex in Forge's
 * launch.py, which also removes quotes), and env names in any case where the app ignores case.
 */
public final class OwnedSettingsRules {
  private OwnedSettingsRules() {}

  public static List<SpecProblem> problems(AIServiceSpec spec, OwnedSettings owned, String argsEnv, OperatorConfig config) {
    List<SpecProblem> problems = new ArrayList<>();
    boolean tunnels = config.policy.allowPublicTunnels;
    if (spec.args != null) {
      for (int i = 0; i < spec.args.size(); i++) {
        argProblem("spec.args[" + i + "]", spec.args.get(i), owned, tunnels, problems);
      }
    }
    if (spec.container != null && spec.container.command != null) {
      for (int i = 0; i < spec.container.command.size(); i++) {
        argProblem("spec.container.command[" + i + "]", spec.container.command.get(i), owned, tunnels, problems);
      }
      interpreterProblem("spec.container.command", spec.container.command, owned, problems);
    }
    if (argsEnv == null && spec.args != null) {
      // without an args variable, spec.args replace the image's command arguments: the same holds
      interpreterProblem("spec.args", spec.args, owned, problems);
    }
    if (spec.env != null) {
      for (int i = 0; i < spec.env.size(); i++) {
        EnvVar env = spec.env.get(i);
        String name = env.getName();
        if (name == null) {
          continue; // KubernetesValues names the missing name
        }
        if (name.equals(argsEnv)) {
          // the app's args variable: its words are appended to the operator's flags, so they are checked like spec.args
          if (env.getValueFrom() != null) {
            problems.add(new SpecProblem("spec.env[" + i + "].valueFrom", name + " carries the operator's own flags and the value is"
                + " appended to them, so it must be a plain value the operator can check; write the flags in spec.args instead"));
          } else {
            argProblem("spec.env[" + i + "].value", env.getValue(), owned, tunnels, problems);
          }
        } else if (config.storage.caches != null && (config.storage.caches.hfHub != null && name.equals("HF_HUB_CACHE")
            || config.storage.caches.torchHub != null && name.equals("TORCH_HOME")) && !owned.env().isEmpty()) {
          problems.add(new SpecProblem("spec.env[" + i + "].name", name + " is set by the operator: the app's own cache, in which the"
              + " studio's shared cache (storage.caches) is linked; remove it"));
        } else if (ownsEnv(owned, name)) {
          problems.add(new SpecProblem("spec.env[" + i + "].name", name + " is set by the operator (the app's folders, port or login);"
              + " it cannot be re-set: remove it (folders move with spec.storage and spec.container paths)"));
        } else if (!tunnels && owned.tunnelEnv().contains(name)) {
          problems.add(new SpecProblem("spec.env[" + i + "].name", name + " opens a public tunnel around the Ingress; the admin does not"
              + " allow it (policy.allowPublicTunnels: false): reach the app through spec.expose.ingress"));
        }
      }
    }
    return problems;
  }

  /** Shells and interpreters given code inline compute any flag or env at run time, past every check here. */
  private static final List<String> INTERPRETERS = List.of("sh", "bash", "dash", "ash", "zsh", "ksh", "busybox", "env");

  private static void interpreterProblem(String field, List<String> words, OwnedSettings owned, List<SpecProblem> problems) {
    if (owned.flags().isEmpty() && owned.env().isEmpty()) {
      return; // app: custom, nothing owned
    }
    for (int i = 0; i < words.size(); i++) {
      String word = words.get(i) == null ? "" : words.get(i).trim();
      String base = word.substring(word.lastIndexOf('/') + 1);
      if (i == 0 && INTERPRETERS.contains(base) || word.equals("-c")) {
        problems.add(new SpecProblem(field + "[" + i + "]", "'" + word + "' runs code given inline, which can set any of the app's folders,"
            + " ports or env past the operator's checks; give the app's own program and its arguments (or use app: custom)"));
        return;
      }
    }
  }

  private static boolean ownsEnv(OwnedSettings owned, String name) {
    String compared = owned.envCaseInsensitive() ? name.toUpperCase(Locale.ROOT) : name;
    for (String own : owned.env()) {
      if ((owned.envCaseInsensitive() ? own.toUpperCase(Locale.ROOT) : own).equals(compared)) {
        return true;
      }
    }
    return owned.envPrefixes().stream().anyMatch(prefix -> owned.envCaseInsensitive()
        ? compared.startsWith(prefix.toUpperCase(Locale.ROOT)) : compared.startsWith(prefix));
  }

  private static void argProblem(String field, String value, OwnedSettings owned, boolean tunnels, List<SpecProblem> problems) {
    if (value == null) {
      return;
    }
    if (value.contains("$(") && (!owned.flags().isEmpty() || !owned.env().isEmpty())) {
      // kubelet expands $(VAR) in command and args from the container's env: a flag assembled there is not checked here
      problems.add(new SpecProblem(field, "'$(' asks kubelet to expand an env variable here, which can assemble any flag past the"
          + " operator's checks; write the value out (a literal $ is $$)"));
      return;
    }
    for (String word : value.trim().split("\\s+")) {
      // shlex (Forge's launch.py) removes quotes and backslashes: "--data-dir" is --data-dir
      String token = word.replace("\"", "").replace("'", "").replace("\\", "");
      // NAME=value before a program sets its env (sh, env): an owned name is re-set that way too
      if (token.matches("[A-Za-z_][A-Za-z0-9_]*=.*") && ownsEnv(owned, token.substring(0, token.indexOf('=')))) {
        problems.add(new SpecProblem(field, "'" + token.substring(0, token.indexOf('=')) + "' is set by the operator; it cannot be re-set"
            + " through the command either: remove it"));
        return;
      }
      if (!token.startsWith("--") || token.length() < 3) {
        continue;
      }
      String flag = token.contains("=") ? token.substring(0, token.indexOf('=')) : token;
      String ownedFlag = matching(owned.flags(), flag);
      if (ownedFlag != null) {
        problems.add(new SpecProblem(field, "'" + flag + "' re-sets " + ownedFlag + ", which the operator sets (the app's folders, store view"
            + " or port); remove it: folders move with spec.storage and the spec.container paths, the port with spec.container.port"));
        return;
      }
      String tunnelFlag = matching(owned.tunnelFlags(), flag);
      if (tunnelFlag != null && !tunnels) {
        problems.add(new SpecProblem(field, "'" + flag + "' (" + tunnelFlag + ") opens a public tunnel around the Ingress; the admin does not"
            + " allow it (policy.allowPublicTunnels: false): reach the app through spec.expose.ingress"));
        return;
      }
    }
  }

  /** The listed flag that {@code flag} names, exactly or as an argparse abbreviation (a prefix of it), or null. */
  private static String matching(List<String> flags, String flag) {
    for (String own : flags) {
      if (own.equals(flag)) {
        return own;
      }
    }
    for (String own : flags) {
      if (own.startsWith(flag)) {
        return own;
      }
    }
    return null;
  }
}
