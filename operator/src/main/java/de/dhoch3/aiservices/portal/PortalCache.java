package de.dhoch3.aiservices.portal;

import de.dhoch3.aiservices.api.AIModel;
import de.dhoch3.aiservices.api.AIService;
import de.dhoch3.aiservices.workload.Labels;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * The portal's informers: AIServices, AIModels and the operator's own Events (labelled by it), in
 * the watched namespaces. A page view reads these caches only; a change of any of them (or of the
 * storage figures) tells the listeners, which push it to the open pages.
 */
public final class PortalCache implements AutoCloseable {
  private final List<SharedIndexInformer<AIService>> services = new ArrayList<>();
  private final List<SharedIndexInformer<AIModel>> models = new ArrayList<>();
  private final List<SharedIndexInformer<Event>> events = new ArrayList<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  /** One object, so that closing ends exactly this subscription to the storage figures. */
  private final Runnable storageChanged = this::changed;

  public PortalCache(KubernetesClient client, List<String> namespaces) {
    ResourceEventHandler<HasMetadata> changed = new ResourceEventHandler<>() {
      @Override
      public void onAdd(HasMetadata obj) {
        changed();
      }

      @Override
      public void onUpdate(HasMetadata oldObj, HasMetadata newObj) {
        changed();
      }

      @Override
      public void onDelete(HasMetadata obj, boolean deletedFinalStateUnknown) {
        changed();
      }
    };
    for (String namespace : namespaces.isEmpty() ? java.util.Collections.<String>singletonList(null) : namespaces) {
      var serviceOps = client.resources(AIService.class);
      var modelOps = client.resources(AIModel.class);
      var eventOps = client.v1().events();
      services.add(namespace == null ? serviceOps.inAnyNamespace().inform(handler(changed)) : serviceOps.inNamespace(namespace).inform(handler(changed)));
      models.add(namespace == null ? modelOps.inAnyNamespace().inform(handler(changed)) : modelOps.inNamespace(namespace).inform(handler(changed)));
      events.add(namespace == null ? eventOps.inAnyNamespace().withLabel(Labels.MANAGED_BY, Labels.OPERATOR).inform(handler(changed))
          : eventOps.inNamespace(namespace).withLabel(Labels.MANAGED_BY, Labels.OPERATOR).inform(handler(changed)));
    }
    de.dhoch3.aiservices.storage.StorageBoard.INSTANCE.onChange(storageChanged);
  }

  @SuppressWarnings("unchecked")
  private static <T extends HasMetadata> ResourceEventHandler<T> handler(ResourceEventHandler<HasMetadata> changed) {
    return (ResourceEventHandler<T>) (ResourceEventHandler<?>) changed;
  }

  public void onChange(Runnable listener) {
    listeners.add(listener);
  }

  private void changed() {
    listeners.forEach(Runnable::run);
  }

  public List<AIService> services() {
    return services.stream().flatMap(i -> i.getStore().list().stream()).toList();
  }

  public List<AIModel> models() {
    return models.stream().flatMap(i -> i.getStore().list().stream()).toList();
  }

  public List<Event> events() {
    return events.stream().flatMap(i -> i.getStore().list().stream()).toList();
  }

  @Override
  public void close() {
    de.dhoch3.aiservices.storage.StorageBoard.INSTANCE.stopTelling(storageChanged);
    Stream.of(services, models, events).flatMap(List::stream).forEach(SharedIndexInformer::close);
  }
}
