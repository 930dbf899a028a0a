# jiuxiao-gateway as a container image. Two stages: `build` compiles TypeScript and the native modules
# (better-sqlite3, serialport, onoff's epoll) for the target architecture; the runtime stage carries only
# dist/, the production node_modules and Node 22 LTS (Node 20 is past its end of life).
#
# BASE is any Debian bookworm with Node 22 and npm in /usr/local (the official node image has that
# shape). Where the public registry is unreachable, make one with deploy/container/make-base.sh
# (debootstrap + Node from the npm registry) and pass --build-arg BASE=localhost/jx-base:node22-bookworm.
#
#   docker build -t jiuxiao-gateway .
#   docker buildx build --platform linux/arm64,linux/arm/v7 -t REGISTRY/jiuxiao-gateway:VERSION --push .
#   docker run -d --name jx --restart always --stop-timeout 20 \
#     -v /etc/jiuxiao-gateway:/etc/jiuxiao-gateway:ro -v jx-data:/var/lib/jiuxiao-gateway \
#     --device /dev/ttyUSB0 --group-add dialout jiuxiao-gateway
# (deploy/container/README.md: GPIO, the status page, podman without a Docker engine.)
ARG BASE=docker.io/library/node:22-bookworm-slim

FROM ${BASE} AS build
# node-gyp's toolchain. The prebuilt-binary download of better-sqlite3 may fail (closed networks, armv7):
# it then compiles against the headers of this very Node (nodedir), never downloaded ones.
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends python3 make g++ ca-certificates >/dev/null \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the package's own `prepare` (tsc) needs the sources, copied below; then `npm rebuild`
# runs the dependencies' install scripts (the native builds). Behind a TLS-inspecting proxy, hand its CA
# bundle in as a build secret (`--secret id=npm_ca,src=/etc/ssl/certs/ca-certificates.crt`): it is used
# for this step only and is not in any layer.
RUN --mount=type=secret,id=npm_ca \
    if [ -s /run/secrets/npm_ca ]; then export npm_config_cafile=/run/secrets/npm_ca; fi \
 && npm ci --ignore-scripts && npm rebuild
COPY tsconfig.json tsconfig.build.json ./
COPY config ./config
COPY drivers ./drivers
COPY gateway ./gateway
COPY simulator ./simulator
COPY bench ./bench
# The benchmarks and the developer tools are built for the build stage only, never shipped.
RUN npm run build && npm prune --omit=dev && rm -rf dist/bench dist/gateway/tools

FROM ${BASE}
LABEL org.opencontainers.image.title="jiuxiao-gateway" \
      org.opencontainers.image.description="Fire and gas safety gateway for small venues (九小场所)" \
      org.opencontainers.image.licenses="MIT"
# A system user in dialout (RS-485 adapters); GPIO through --group-add of the host's gpio group.
RUN groupadd --system jiuxiao \
 && useradd --system --gid jiuxiao --groups dialout --home-dir /var/lib/jiuxiao-gateway --shell /usr/sbin/nologin jiuxiao \
 && install -d -o jiuxiao -g jiuxiao -m 0750 /var/lib/jiuxiao-gateway \
 && install -d -m 0755 /etc/jiuxiao-gateway
WORKDIR /opt/jiuxiao-gateway
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY config/examples ./config/examples
RUN ln -s /opt/jiuxiao-gateway/dist/gateway/cli/main.js /usr/local/bin/jiuxiao-gateway \
 && ln -s /opt/jiuxiao-gateway/dist/simulator/cli/main.js /usr/local/bin/jiuxiao-sim
ENV NODE_ENV=production JX_STATUS_PORT=8080
VOLUME ["/var/lib/jiuxiao-gateway"]
EXPOSE 8080
USER jiuxiao
# The status page's /healthz (no token), asked inside the container. JX_STATUS_PORT only tells this check
# where the page is: set it when the config's status.port is not 8080.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.JX_STATUS_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM: outputs to their safe state, state saved, outbox flushed; the gateway exits by itself within
# 15 s whatever happens, so give it `--stop-timeout 20` (Docker's default of 10 s can cut the flush).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/opt/jiuxiao-gateway/dist/gateway/cli/main.js"]
CMD ["run", "--config", "/etc/jiuxiao-gateway/gateway.yaml"]
