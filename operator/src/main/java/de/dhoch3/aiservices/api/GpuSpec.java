package de.dhoch3.aiservices.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** How the app gets its GPU. Anything omitted comes from the operator configuration. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GpuSpec {

  public enum Mode {
    @JsonProperty("exclusive") EXCLUSIVE,
    @JsonProperty("shared") SHARED,
    @JsonProperty("unmanaged") UNMANAGED,
    @JsonProperty("dra") DRA,
    @JsonProperty("none") NONE
  }

  @JsonPropertyDescription("exclusive: whole GPUs of the device plugin (nvidia.com/gpu); shared: one unit of a time-sliced resource; unmanaged: no request, all or the listed GPUs made visible (like docker-compose); dra: a ResourceClaim through Dynamic Resource Allocation; none: no GPU.")
  public Mode mode;

  @Min(0)
  @Max(16)
  @JsonPropertyDescription("How many GPUs (exclusive, dra). 0 means no GPU at all.")
  public Integer count;

  @Pattern("^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
  @JsonPropertyDescription("Extended resource to request, e.g. nvidia.com/gpu (exclusive) or nvidia.com/gpu.shared (shared).")
  @Size(max = 317)
  public String resourceName;

  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @JsonPropertyDescription("RuntimeClass that exposes the GPU to the container (the GPU Operator creates 'nvidia').")
  @Size(max = 253)
  public String runtimeClassName;

  @JsonPropertyDescription("Only nodes whose GPU has this product name (node label nvidia.com/gpu.product), e.g. NVIDIA-RTX-A6000.")
  @Size(max = 63)
  public String product;

  @Min(1)
  @JsonPropertyDescription("Only nodes whose GPU has at least this much memory in MiB (node label nvidia.com/gpu.memory).")
  public Integer minMemoryMiB;

  @JsonPropertyDescription("unmanaged mode: the GPUs to make visible (indexes or UUIDs); omitted means all.")
  @Size(max = 16)
  public List<@Size(max = 64) String> visibleDevices;

  @JsonPropertyDescription("dra mode: the DeviceClass to claim from (default gpu.nvidia.com).")
  @Size(max = 253)
  public String deviceClassName;
}
