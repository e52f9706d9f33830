package de.dhoch3.aiservices.embedded;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;
import java.net.HttpURLConnection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * fabric8's CRUD mock store with an index by object name. The mock finds an object by scanning
 * every stored object (KubernetesCrudDispatcher#findResource and #handle in fabric8 7.5.2), so
 * each create, update and get costs O(objects): at 10,000 AIServices (50,000 objects) the server,
 * not the operator, would set every figure of the benchmark. A real API server reads one key of
 * etcd. Here a get by name and the lookup before a write look only at the objects of that name;
 * lists, watches and deletes keep the mock's own code.
 */
final class IndexedStore extends KubernetesCrudDispatcher {
  private final Map<Attribute, Set<AttributeSet>> byName = new ConcurrentHashMap<>();
  /** Held while the mock changes its map and this index together, so a get never sees the moment between. */
  private final ReadWriteLock indexLock = new ReentrantReadWriteLock();
  private final KubernetesAttributesExtractor extractor = (KubernetesAttributesExtractor) attributeExtractor;

  @Override
  public MockResponse handleGet(String path) {
    if (path.contains("watch=true")) {
      return super.handleGet(path);
    }
    AttributeSet query = extractor.fromPath(path);
    Attribute name = query.getAttribute(KubernetesAttributesExtractor.NAME);
    if (name == null) {
      return super.handleGet(path);
    }
    indexLock.readLock().lock();
    try {
      Map.Entry<AttributeSet, String> found = find(name, query);
      return found == null
          ? new MockResponse().setResponseCode(HttpURLConnection.HTTP_NOT_FOUND)
          : new MockResponse().setResponseCode(HttpURLConnection.HTTP_OK).setBody(found.getValue());
    } finally {
      indexLock.readLock().unlock();
    }
  }

  @Override
  public Map.Entry<AttributeSet, String> findResource(AttributeSet attributes) {
    Attribute name = attributes.getAttribute(KubernetesAttributesExtractor.NAME);
    return name == null ? super.findResource(attributes) : find(name, attributes);
  }

  private Map.Entry<AttributeSet, String> find(Attribute name, AttributeSet query) {
    for (AttributeSet key : byName.getOrDefault(name, Set.of())) {
      if (key.matches(query)) {
        String value = map.get(key);
        if (value != null) {
          return Map.entry(key, value);
        }
      }
    }
    return null;
  }

  @Override
  public void processEvent(String path, AttributeSet pathAttributes, AttributeSet oldAttributes,
      GenericKubernetesResource resource, String newState) {
    indexLock.writeLock().lock();
    try {
      super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
      if (oldAttributes != null) {
        index(oldAttributes, false);
      }
      if (newState != null) {
        // the key the mock stored the object under, computed as KubernetesCrudDispatcher#processEvent does
        AttributeSet stored = resource != null ? extractor.extract(resource) : extractor.fromResource(newState);
        if (!stored.containsKey(KubernetesAttributesExtractor.PLURAL)) {
          stored = AttributeSet.merge(pathAttributes, stored);
        }
        index(stored, true);
      }
    } finally {
      indexLock.writeLock().unlock();
    }
  }

  private void index(AttributeSet key, boolean add) {
    Attribute name = key.getAttribute(KubernetesAttributesExtractor.NAME);
    if (name == null) {
      return;
    }
    if (add) {
      byName.computeIfAbsent(name, n -> ConcurrentHashMap.newKeySet()).add(key);
    } else {
      byName.computeIfPresent(name, (n, keys) -> {
        keys.remove(key);
        return keys.isEmpty() ? null : keys;
      });
    }
  }

  @Override
  public void reset() {
    indexLock.writeLock().lock();
    try {
      super.reset();
      byName.clear();
    } finally {
      indexLock.writeLock().unlock();
    }
  }
}
