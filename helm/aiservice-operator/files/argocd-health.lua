-- Argo CD health of an AIService or an AIModel, read from the status the AIService operator writes
-- (the same kstatus conditions for both kinds; register it under both keys).
-- Healthy: the app is available. Suspended: spec.suspend. Degraded: the spec cannot work
-- (Stalled) or the pod fails (crash loop, image pull, failed writes, pod refused at creation,
-- missing Secret/ConfigMap, volumes that cannot mount, rollout past its deadline). Progressing otherwise.
local hs = {}
if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the AIService operator to report"
  return hs
end
if obj.metadata ~= nil and obj.metadata.generation ~= nil and obj.status.observedGeneration ~= obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "The operator has not processed the latest spec yet"
  return hs
end
local ready = nil
local stalled = nil
for _, condition in ipairs(obj.status.conditions) do
  if condition.type == "Ready" then
    ready = condition
  elseif condition.type == "Stalled" then
    stalled = condition
  end
end
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = stalled.message
  return hs
end
if ready ~= nil and ready.status == "True" then
  if ready.reason == "Suspended" or (obj.spec ~= nil and obj.spec.suspend == true) then
    hs.status = "Suspended"
  else
    hs.status = "Healthy"
  end
  hs.message = ready.message
  return hs
end
local failing = {CrashLooping = true, ImagePullFailed = true, ApplyFailed = true, PodCreationFailed = true,
  ContainerConfigError = true, MountFailed = true, ProgressDeadlineExceeded = true}
if ready ~= nil and failing[ready.reason] then
  hs.status = "Degraded"
  hs.message = ready.message
  return hs
end
hs.status = "Progressing"
if ready ~= nil then
  hs.message = ready.message
end
return hs
