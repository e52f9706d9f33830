package de.dhoch3.aiservices.validation;

import de.dhoch3.aiservices.api.AIServiceSpec;
import de.dhoch3.aiservices.api.ExposeSpec;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Values the spec passes into the owned objects that the API server would refuse there (env
 * names, quantities, label keys and values, Ingress host, class and annotation keys). The CRD
 * admits them, so without this the operator would write objects refused with 422 and retry for
 * ever; here each is a problem naming the spec's field and the fix. Pure.
 */
public final class KubernetesValues {
  private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern NAME_PART = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
  private static final Pattern QUANTITY = Pattern.compile("[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+)?");
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private KubernetesValues() {}

  public static List<SpecProblem> problems(AIServiceSpec spec) {
    List<SpecProblem> problems = new ArrayList<>();
    env(spec.env, problems);
    if (spec.resources != null) {
      Map<String, Quantity> limits = spec.resources.getLimits() == null ? Map.of() : spec.resources.getLimits();
      Map<String, Quantity> requests = spec.resources.getRequests() == null ? Map.of() : spec.resources.getRequests();
      limits.forEach((key, q) -> amount("spec.resources.limits." + key, q, problems));
      requests.forEach((key, q) -> {
        BigDecimal request = amount("spec.resources.requests." + key, q, problems);
        BigDecimal limit = limits.containsKey(key) && valid(limits.get(key)) ? Quantity.getAmountInBytes(limits.get(key)) : null;
        if (request != null && limit != null && request.compareTo(limit) > 0) {
          problems.add(new SpecProblem("spec.resources.requests." + key, "'" + q + "' is more than the limit '" + limits.get(key)
              + "'; a request must be at most its limit: lower the request or raise spec.resources.limits." + key));
        }
      });
    }
    if (spec.nodeSelector != null) {
      spec.nodeSelector.forEach((key, value) -> label("spec.nodeSelector." + key, key, value, problems));
    }
    if (spec.gpu != null && spec.gpu.product != null && !labelValue(spec.gpu.product)) {
      problems.add(new SpecProblem("spec.gpu.product", "'" + spec.gpu.product + "' cannot be a node label value (letters, digits, '-', '_',"
          + " '.', at most 63); give the node label's value, e.g. NVIDIA-RTX-A6000"));
    }
    ExposeSpec.IngressExpose ingress = spec.expose == null ? null : spec.expose.ingress;
    if (ingress != null) {
      if (ingress.host != null && IPV4.matcher(ingress.host).matches()) {
        problems.add(new SpecProblem("spec.expose.ingress.host", "'" + ingress.host + "' is an IP address; an Ingress host must be a DNS name,"
            + " e.g. comfyui.studio.example.com (without a name, use the Service: spec.expose.service)"));
      }
      if (ingress.className != null && !ingress.className.isBlank()
          && (ingress.className.length() > 253 || !DNS_SUBDOMAIN.matcher(ingress.className).matches())) {
        problems.add(new SpecProblem("spec.expose.ingress.className", "'" + ingress.className + "' is not an IngressClass name"
            + " (lowercase letters, digits, '-' and '.'); e.g. traefik (kubectl get ingressclass)"));
      }
      if (ingress.annotations != null) {
        for (String key : ingress.annotations.keySet()) {
          if (!qualifiedName(key)) {
            problems.add(new SpecProblem("spec.expose.ingress.annotations." + key, "not an annotation key: [prefix/]name, the name"
                + " letters, digits, '-', '_', '.', at most 63, e.g. traefik.ingress.kubernetes.io/router.middlewares"));
          }
        }
      }
    }
    return problems;
  }

  private static void env(List<EnvVar> env, List<SpecProblem> problems) {
    if (env == null) {
      return;
    }
    for (int i = 0; i < env.size(); i++) {
      String name = env.get(i) == null ? null : env.get(i).getName();
      String field = "spec.env[" + i + "].name";
      if (name == null || name.isEmpty()) {
        problems.add(new SpecProblem(field, "required; every env entry needs a name, e.g. {name: HF_HOME, value: /root/hf}"));
      } else if (name.contains("=") || !name.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
        problems.add(new SpecProblem(field, "'" + name + "' is not a variable name (printable ASCII without '=');"
            + " put the value in value: {name: HF_HUB_OFFLINE, value: \"1\"}"));
      }
    }
  }

  /** The quantity's amount, or a problem added and null. */
  private static BigDecimal amount(String field, Quantity quantity, List<SpecProblem> problems) {
    if (!valid(quantity)) {
      problems.add(new SpecProblem(field, "'" + quantity + "' is not a quantity; write a positive number with an optional suffix"
          + " and no space, e.g. 16Gi, 512Mi, 4 or 500m"));
      return null;
    }
    return Quantity.getAmountInBytes(quantity);
  }

  private static boolean valid(Quantity quantity) {
    return quantity != null && QUANTITY.matcher(quantity.toString()).matches();
  }

  private static void label(String field, String key, String value, List<SpecProblem> problems) {
    if (!qualifiedName(key)) {
      problems.add(new SpecProblem(field, "'" + key + "' is not a label key: [prefix/]name, the name letters, digits, '-', '_', '.',"
          + " at most 63, e.g. studio.example.com/gpu"));
    }
    if (value != null && !labelValue(value)) {
      problems.add(new SpecProblem(field, "'" + value + "' is not a label value: letters, digits, '-', '_', '.', at most 63,"
          + " starting and ending with a letter or digit, e.g. RTX-A6000"));
    }
  }

  private static boolean labelValue(String value) {
    return value.length() <= 63 && LABEL_VALUE.matcher(value).matches();
  }

  private static boolean qualifiedName(String key) {
    int slash = key.indexOf('/');
    String name = slash < 0 ? key : key.substring(slash + 1);
    if (slash >= 0) {
      String prefix = key.substring(0, slash);
      if (prefix.isEmpty() || prefix.length() > 253 || !DNS_SUBDOMAIN.matcher(prefix).matches()) {
        return false;
      }
    }
    return !name.isEmpty() && name.length() <= 63 && NAME_PART.matcher(name).matches();
  }
}
