# The operator image: the shaded jar on a JRE, as a non-root user with nothing else.
#   mvn -q package -DskipTests && docker build -t ghcr.io/dhoch3/aiservice-operator:0.1.0 .
# .github/workflows/release.yaml builds and pushes it on a tag, tagged with the chart's appVersion.
# (No Docker engine runs on the build machines of this repository: build it in your registry's CI.)
# Reproducible: the base image is pinned to one Temurin build and Ubuntu release (never latest);
# pin its digest too (eclipse-temurin:...@sha256:...) where your registry policy asks for it.
FROM eclipse-temurin:17.0.15_6-jre-noble
COPY operator/target/aiservice-operator.jar /opt/aiservice-operator/aiservice-operator.jar
USER 65532:65532
ENTRYPOINT ["java", "-jar", "/opt/aiservice-operator/aiservice-operator.jar"]
CMD ["run", "--config=/etc/aiservice-operator/config.yaml"]
