# The operator image: the shaded jar on a JRE, as a non-root user with nothing else.
#   mvn -q package -DskipTests && docker build -t ghcr.io/dhoch3/aiservice-operator:0.1.0 .
# (No Docker engine runs on the build machines of this repository: build it in your registry's CI.)
FROM eclipse-temurin:17-jre
COPY operator/target/aiservice-operator.jar /opt/aiservice-operator/aiservice-operator.jar
USER 65532:65532
ENTRYPOINT ["java", "-jar", "/opt/aiservice-operator/aiservice-operator.jar"]
CMD ["run", "--config=/etc/aiservice-operator/config.yaml"]
