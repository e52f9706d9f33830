# The operator image: the shaded jar on a JRE, as a non-root user with nothing else.
#   mvn -q package -DskipTests && docker build -t ghcr.io/dhoch3/aiservice-operator:0.1.0 .
# .github/workflows/release.yaml builds and pushes it on a tag, tagged with the chart's appVersion.
# (No Docker engine runs on the build machines of this repository: build it in your registry's CI.)
# Reproducible: the base image is pinned to one Temurin build and Ubuntu release (never latest);
# pin its digest too (eclipse-temurin:...@sha256:...) where your registry policy asks for it.
FROM eclipse-temurin:17.0.15_6-jre-noble
COPY operator/target/aiservice-operator.jar /opt/aiservice-operator/aiservice-operator.jar
COPY examples/apps /tmp/cds-training
# Class-data sharing: a class archive is valid only for the JVM build that made it, so it is made
# here, on this image's JRE, by the same training run as the Maven build's (operator/pom.xml,
# "cds-archive", cli/CdsTrainingCommand): the embedded run on the examples, then the operator as the
# chart starts it (leader election, health server, a kubeconfig's client), until they converged. It roughly halves the
# start (README, Benchmark). If the archive cannot be used the JVM starts without it.
RUN java -XX:ArchiveClassesAtExit=/opt/aiservice-operator/aiservice-operator.jsa \
      -jar /opt/aiservice-operator/aiservice-operator.jar cds-training -f /tmp/cds-training \
    && rm -rf /tmp/cds-training
USER 65532:65532
ENTRYPOINT ["java", "-XX:SharedArchiveFile=/opt/aiservice-operator/aiservice-operator.jsa", "-jar", "/opt/aiservice-operator/aiservice-operator.jar"]
CMD ["run", "--config=/etc/aiservice-operator/config.yaml"]
