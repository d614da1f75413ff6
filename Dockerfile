# kvraft image: build the jar first (mvn -B -DskipTests package), then: docker build -t kvraft:0.1.0-SNAPSHOT .
# Layered: dependencies change rarely and are cached apart from the application's own classes.
# BASE_IMAGE: a Java 17 runtime with `java` on the PATH and Debian's tools (apt, useradd). Users get the public Temurin
# JRE; CI builds this same file on a JRE image it makes from Debian's packages (--build-arg BASE_IMAGE=..., see
# scripts/image-smoke.sh), because it cannot pull images.
ARG BASE_IMAGE=eclipse-temurin:17-jre
FROM ${BASE_IMAGE} AS layers
WORKDIR /build
COPY target/kvraft.jar kvraft.jar
RUN java -Djarmode=tools -jar kvraft.jar extract --layers --launcher --destination extracted

FROM ${BASE_IMAGE}
# curl serves the health check; a base that has it already needs no network to build on
RUN if ! command -v curl >/dev/null; then \
      apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*; \
    fi \
 && groupadd --system --gid 10001 kvraft \
 && useradd --system --uid 10001 --gid kvraft --home-dir /app --shell /usr/sbin/nologin kvraft \
 && mkdir -p /var/lib/kvraft && chown kvraft:kvraft /var/lib/kvraft
WORKDIR /app
COPY --from=layers /build/extracted/dependencies/ ./
COPY --from=layers /build/extracted/spring-boot-loader/ ./
COPY --from=layers /build/extracted/snapshot-dependencies/ ./
COPY --from=layers /build/extracted/application/ ./
USER 10001:10001
# Heap = 75% of the container's memory limit (the rest is metaspace, code, thread stacks and GC structures: about
# 180 MiB measured); G1 named because below 1792 MiB or 2 CPUs the JVM would pick Serial, whose full collections
# pause a node with 1M keys for 0.2-0.4 s; a node that ran out of memory exits to be restarted rather than limp on.
# Sizing: README.md, "Sizing".
ENV RAFT_DATA_DIR=/var/lib/kvraft \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError"
VOLUME /var/lib/kvraft
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/actuator/health/liveness || exit 1
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
