package de.dhoch3.aiservices.reconcile;

import static de.dhoch3.aiservices.reconcile.OperatorHarness.NS;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.aiservice;
import static de.dhoch3.aiservices.reconcile.OperatorHarness.conditionIs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.api.App;
import de.dhoch3.aiservices.api.VolumeRef;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/** The Argo CD health check (Lua, as Argo CD runs it) on statuses the real reconciler wrote. */
public class ArgoCdHealthCheckTest extends OperatorScenario {
  static final Path ROOT = Path.of(System.getProperty("repo.root", ".."));
  static final Path LUA = ROOT.resolve("helm/aiservice-operator/files/argocd-health.lua");
  public record Health(String status, String message) {}

  /** The Lua run on any object (AIService or AIModel), as Argo CD runs it. */
  public static Health health(Object ai) throws Exception {
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", toLua(new ObjectMapper().valueToTree(ai)));
    LuaValue result = globals.load(Files.readString(LUA), "health.lua").call();
    return new Health(result.get("status").tojstring(), result.get("message").isnil() ? null : result.get("message").tojstring());
  }

  /** JSON as Argo CD hands it to Lua: objects and arrays become tables (arrays 1-based). */
  static LuaValue toLua(JsonNode node) {
    if (node.isObject()) {
      LuaTable table = new LuaTable();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        table.set(field.getKey(), toLua(field.getValue()));
      }
      return table;
    }
    if (node.isArray()) {
      LuaTable table = new LuaTable();
      for (int i = 0; i < node.size(); i++) {
        table.set(i + 1, toLua(node.get(i)));
      }
      return table;
    }
    if (node.isBoolean()) {
      return LuaValue.valueOf(node.asBoolean());
    }
    if (node.isNumber()) {
      return LuaValue.valueOf(node.asDouble());
    }
    return node.isNull() ? LuaValue.NIL : LuaValue.valueOf(node.asText());
  }

  @Test
  void progressingThenHealthy() throws Exception {
    harness.create(aiservice("argo-healthy", App.COMFYUI));
    AIService rolling = harness.awaitStatus("argo-healthy", conditionIs(StatusCalculator.RECONCILING, "True"));
    assertThat(health(rolling).status()).isEqualTo("Progressing");

    var deployment = harness.deployment("argo-healthy");
    harness.client.apps().deployments().inNamespace(NS).withName("argo-healthy").editStatus(d -> {
      d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(deployment.getMetadata().getGeneration())
          .withReplicas(1).withUpdatedReplicas(1).withReadyReplicas(1).withAvailableReplicas(1).build());
      return d;
    });
    AIService ready = harness.awaitStatus("argo-healthy", conditionIs(StatusCalculator.READY, "True"));
    assertThat(health(ready)).isEqualTo(new Health("Healthy", "the app is up at http://argo-healthy.studio.svc:8188"));
  }

  @Test
  void degradedForASpecThatCannotWork() throws Exception {
    AIService ai = aiservice("argo-degraded", App.COMFYUI);
    ai.getSpec().storage.models = VolumeRef.hostPath("/etc/models");
    harness.create(ai);
    AIService stalled = harness.awaitStatus("argo-degraded", conditionIs(StatusCalculator.STALLED, "True"));
    Health health = health(stalled);
    assertThat(health.status()).isEqualTo("Degraded");
    assertThat(health.message()).contains("spec.storage.models.hostPath");
  }

  @Test
  void suspendedWhenSuspended() throws Exception {
    AIService ai = aiservice("argo-suspended", App.COMFYUI);
    ai.getSpec().suspend = true;
    harness.create(ai);
    AIService suspended = harness.awaitStatus("argo-suspended", conditionIs(StatusCalculator.READY, "True"));
    assertThat(health(suspended).status()).isEqualTo("Suspended");
  }

  @Test
  void progressingWhileTheOperatorHasNotSeenTheLatestSpec() throws Exception {
    AIService ai = aiservice("argo-new", App.COMFYUI);
    assertThat(health(ai).status()).isEqualTo("Progressing");
  }

  @Test
  void theExamplesCarryTheSameLua() throws Exception {
    String lua = Files.readString(LUA);
    JsonNode patch = new YAMLMapper().readTree(ROOT.resolve("examples/argocd/argocd-cm-patch.yaml").toFile());
    assertThat(patch.path("data").path("resource.customizations.health.ai.dhoch3.de_AIService").asText()).isEqualTo(lua);
    JsonNode values = new YAMLMapper().readTree(ROOT.resolve("examples/argocd/argo-cd-values.yaml").toFile());
    assertThat(values.path("configs").path("cm").path("resource.customizations.health.ai.dhoch3.de_AIService").asText()).isEqualTo(lua);
    // one Lua for both kinds
    assertThat(patch.path("data").path("resource.customizations.health.ai.dhoch3.de_AIModel").asText()).isEqualTo(lua);
    assertThat(values.path("configs").path("cm").path("resource.customizations.health.ai.dhoch3.de_AIModel").asText()).isEqualTo(lua);
  }
}
