package de.dhoch3.aiservices.reconcile;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;

/**
 * The client's JSON reading with every string canonical: the informer caches hold tens of
 * thousands of objects whose strings are mostly the same few (label keys and values, mount paths,
 * images, field values), and one instance of each instead of one per object is most of the heap at
 * 10,000 AIServices (a class histogram put String objects and their bytes first). Interned strings
 * are still collected when nothing refers to them (the JVM's string table is weak).
 */
public final class CompactStrings {
  /**
   * Longer values are read as they are. Not 256 (tried): each Deployment's prepare script (about 4 KB)
   * and InvokeAI's registration script (10 KB) are the same for every AIService of an app, and at 10,000
   * AIServices their copies were 60 MB of the heap. What is longer than this is rare and unique.
   */
  static final int MAX_INTERNED = 65_536;

  /** Values up to this length are remembered in {@link #RECENT} (longer ones only interned): at most 2 MB held. */
  static final int MAX_RECENT = 256;

  /**
   * The last canonical string seen in each slot (by hash): a value read again is found here and
   * skips the JVM's string table, a native call (a tenth of the reading's time in a microbenchmark; the
   * same few hundred values fill every object). Races are harmless: a slot holds some canonical string.
   */
  private static final String[] RECENT = new String[4096];

  private CompactStrings() {}

  /** The one canonical instance of {@code value} (the JVM's interned one); a value over 64 KiB as it is. */
  static String canonical(String value) {
    if (value.length() > MAX_RECENT) {
      return value.length() > MAX_INTERNED ? value : value.intern();
    }
    int slot = value.hashCode() & (RECENT.length - 1);
    String recent = RECENT[slot];
    if (value.equals(recent)) {
      return recent;
    }
    String interned = value.intern();
    RECENT[slot] = interned;
    return interned;
  }

  public static KubernetesSerialization serialization() {
    SimpleModule strings = new SimpleModule("compact-strings");
    strings.addDeserializer(String.class, new StringDeserializer() {
      @Override
      public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        String value = super.deserialize(p, ctxt);
        // values repeat (paths, images, label values, the generated scripts of an app); a unique one costs its hash
        return value == null ? null : canonical(value);
      }
    });
    // map keys need nothing: Jackson's parser interns field names (JsonFactory.Feature.INTERN_FIELD_NAMES)
    strings.setDeserializerModifier(new com.fasterxml.jackson.databind.deser.BeanDeserializerModifier() {
      @Override
      public com.fasterxml.jackson.databind.JsonDeserializer<?> modifyDeserializer(com.fasterxml.jackson.databind.DeserializationConfig config,
          com.fasterxml.jackson.databind.BeanDescription description, com.fasterxml.jackson.databind.JsonDeserializer<?> deserializer) {
        java.lang.reflect.Method getter = additionalProperties(description.getBeanClass(), "getAdditionalProperties");
        java.lang.reflect.Method setter = additionalProperties(description.getBeanClass(), "setAdditionalProperties", java.util.Map.class);
        return getter == null || setter == null ? deserializer : new NoEmptyExtras(deserializer, getter, setter);
      }

      @Override
      public com.fasterxml.jackson.databind.JsonDeserializer<?> modifyCollectionDeserializer(com.fasterxml.jackson.databind.DeserializationConfig config,
          com.fasterxml.jackson.databind.type.CollectionType type, com.fasterxml.jackson.databind.BeanDescription description,
          com.fasterxml.jackson.databind.JsonDeserializer<?> deserializer) {
        return Fitted.around(type, deserializer);
      }

      @Override
      public com.fasterxml.jackson.databind.JsonDeserializer<?> modifyMapDeserializer(com.fasterxml.jackson.databind.DeserializationConfig config,
          com.fasterxml.jackson.databind.type.MapType type, com.fasterxml.jackson.databind.BeanDescription description,
          com.fasterxml.jackson.databind.JsonDeserializer<?> deserializer) {
        return Fitted.around(type, deserializer);
      }
    });
    ObjectMapper mapper = new ObjectMapper().registerModule(strings).addMixIn(io.fabric8.kubernetes.api.model.ObjectMeta.class, ManagedFieldsNotRead.class);
    return new KubernetesSerialization(mapper, true);
  }

  /**
   * {@code metadata.managedFields} is skipped when read (written as it is): a real API server puts a
   * few KB of field sets into every object, and the operator never reads them (it writes with plain
   * updates, not server-side apply; its caches dropped them already, {@code WithoutManagedFields}).
   */
  @com.fasterxml.jackson.annotation.JsonIgnoreProperties(value = "managedFields", allowGetters = true)
  private abstract static class ManagedFieldsNotRead {}

  private static java.lang.reflect.Method additionalProperties(Class<?> type, String name, Class<?>... parameters) {
    if (!io.fabric8.kubernetes.api.model.KubernetesResource.class.isAssignableFrom(type)) {
      return null;
    }
    try {
      return type.getMethod(name, parameters);
    } catch (NoSuchMethodException none) {
      return null;
    }
  }

  /**
   * Lists and small maps read at the size they have. Jackson fills a new {@code ArrayList} (room for 10)
   * and a new {@code LinkedHashMap} (a table of 16), and most lists and maps in Kubernetes objects hold
   * one to three entries: at 10,000 AIServices the unused room was about 10 MB of the heap (class
   * histogram: {@code Object[]} and {@code HashMap$Node[]}). Both stay ordinary mutable collections.
   */
  static final class Fitted extends com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer {
    /** A copy of up to this many entries gets a smaller table than the default of 16 (HashMap's sizing). */
    static final int SMALL_MAP = 5;

    Fitted(com.fasterxml.jackson.databind.JsonDeserializer<?> delegate) {
      super(delegate);
    }

    /**
     * Typed lists and maps only. One of untyped values (JSON read as {@code Object}: unknown fields,
     * field sets of a FieldsV1) stays Jackson's own: Jackson's reader of untyped values uses
     * its built-in fast path only while the list and map readers are its standard ones
     * ({@code UntypedObjectDeserializer}), and a reviewer found that merging into an untyped value
     * failed with this one around them.
     */
    static com.fasterxml.jackson.databind.JsonDeserializer<?> around(com.fasterxml.jackson.databind.JavaType type,
        com.fasterxml.jackson.databind.JsonDeserializer<?> deserializer) {
      return type.getContentType() == null || type.getContentType().hasRawClass(Object.class) ? deserializer : new Fitted(deserializer);
    }

    @Override
    protected com.fasterxml.jackson.databind.JsonDeserializer<?> newDelegatingInstance(com.fasterxml.jackson.databind.JsonDeserializer<?> delegate) {
      return new Fitted(delegate);
    }

    @Override
    public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      return fit(super.deserialize(p, ctxt));
    }

    @Override
    @SuppressWarnings("unchecked")
    public Object deserialize(JsonParser p, DeserializationContext ctxt, Object intoValue) throws IOException {
      return fit(((com.fasterxml.jackson.databind.JsonDeserializer<Object>) _delegatee).deserialize(p, ctxt, intoValue));
    }

    static Object fit(Object value) {
      if (value instanceof java.util.ArrayList<?> list) {
        list.trimToSize();
      } else if (value != null && value.getClass() == java.util.LinkedHashMap.class) {
        java.util.LinkedHashMap<?, ?> map = (java.util.LinkedHashMap<?, ?>) value;
        if (!map.isEmpty() && map.size() <= SMALL_MAP) {
          return new java.util.LinkedHashMap<>(map);
        }
      }
      return value;
    }
  }

  /**
   * Every fabric8 model object carries a map for fields the model does not know; nearly always
   * empty, it is most of the maps in the caches. An empty one is replaced by the shared empty map
   * (read-only: nothing writes extra fields into an object read from the server).
   */
  private static final class NoEmptyExtras extends com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer {
    private final java.lang.reflect.Method getter;
    private final java.lang.reflect.Method setter;

    NoEmptyExtras(com.fasterxml.jackson.databind.JsonDeserializer<?> delegate, java.lang.reflect.Method getter, java.lang.reflect.Method setter) {
      super(delegate);
      this.getter = getter;
      this.setter = setter;
    }

    @Override
    protected com.fasterxml.jackson.databind.JsonDeserializer<?> newDelegatingInstance(com.fasterxml.jackson.databind.JsonDeserializer<?> delegate) {
      return new NoEmptyExtras(delegate, getter, setter);
    }

    @Override
    public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      return compact(super.deserialize(p, ctxt));
    }

    private Object compact(Object value) {
      if (value != null) {
        try {
          Object extras = getter.invoke(value);
          if (extras instanceof java.util.Map<?, ?> map && map.isEmpty()) {
            setter.invoke(value, java.util.Collections.emptyMap());
          }
        } catch (ReflectiveOperationException e) {
          // left as it is: only memory
        }
      }
      return value;
    }
  }

}
